"""Slow clients cannot take the service down.

gunicorn's sync workers read each request themselves: a few clients trickling their headers
a byte at a time hold every worker. The project's nginx config
(`deploy/nginx/xinqing.conf.template`, used by docker-compose.yml) buffers whole requests
first. This test starts Debian's nginx with that config — rendered the way the official
image renders it, as an unprivileged process with its own prefix, temp dirs and
`daemon off` — in front of a gunicorn with two sync workers, trickles several slow clients
into both, and shows that through nginx normal requests still answer promptly while
directly they do not.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_TOKEN, ROOT, SECRET_KEY, GunicornServer, free_port, wait_for

TEMPLATE = ROOT / "deploy" / "nginx" / "xinqing.conf.template"
SLOW_CLIENTS = 6


def render(template: str, **variables: str) -> str:
    """envsubst with an explicit variable list, as the nginx image runs it."""
    for name, value in variables.items():
        template = template.replace("${" + name + "}", value)
    return template


class NginxServer:
    """Debian's nginx with the project's config, unprivileged, in the foreground."""

    def __init__(self, upstream: str, ready_status: int = 200) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            pytest.fail("nginx is not installed (.ci/run installs it)", pytrace=False)
        self.dir = Path(tempfile.mkdtemp(prefix="xq-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = render(TEMPLATE.read_text(), NGINX_PORT=f"127.0.0.1:{self.port}",
                      XINQING_UPSTREAM=upstream)
        (self.dir / "xinqing.conf").write_text(site)
        temp = "\n".join(f"  {kind}_temp_path {self.dir / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
{temp}
  include {self.dir}/xinqing.conf;
}}
""")
        as_root = os.geteuid() == 0
        if as_root:  # run it as nobody, like the workers of a system nginx
            for path in (self.dir, *self.dir.iterdir()):
                os.chown(path, 65534, 65534)
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
             "-e", str(self.dir / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            user=65534 if as_root else None, group=65534 if as_root else None)
        try:
            wait_for(lambda: requests.get(self.url + "/healthz", timeout=1).status_code
                     == ready_status, timeout=15, what="nginx")
        except TimeoutError:
            self.stop()
            raise

    def errors(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class SlowClients:
    """Connections that send a request's headers one byte at a time, until stopped."""

    def __init__(self, port: int, count: int = SLOW_CLIENTS, every: float = 0.3) -> None:
        self.stop_event = threading.Event()
        self.sockets = []
        self.threads = []
        for i in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            self.sockets.append(sock)
            thread = threading.Thread(target=self._trickle, args=(sock, i, every), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _trickle(self, sock, i, every):
        request = (f"GET /v1/sites/gmw/articles/slow{i}/reactions HTTP/1.1\r\nHost: x\r\n"
                   + "X-Slow: " + "z" * 200).encode()
        for byte in request:
            if self.stop_event.wait(every):
                return
            try:
                sock.send(bytes([byte]))
            except OSError:
                return

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(5)
        for sock in self.sockets:
            sock.close()


@pytest.fixture(scope="module")
def stack(redis_server):
    """One gunicorn (two sync workers, told exactly one proxy is in front) and nginx."""
    if redis_server is None:
        pytest.fail("end-to-end tests need redis-server", pytrace=False)
    redis_server.client().flushall()
    gunicorn = GunicornServer({"XINQING_REDIS_URL": redis_server.url,
                               "XINQING_SECRET_KEY": SECRET_KEY,
                               "XINQING_ADMIN_TOKEN": ADMIN_TOKEN,
                               "XINQING_RATELIMIT_ENABLED": "false",
                               "XINQING_PROXY_HOPS": "1"}, workers=2)
    nginx = None
    try:
        nginx = NginxServer(f"127.0.0.1:{gunicorn.port}")
        created = requests.post(nginx.url + "/v1/admin/sites", json={"site": "gmw"},
                                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5)
        assert created.status_code == 201, created.text
        yield gunicorn, nginx
    finally:
        if nginx is not None:
            nginx.stop()
        gunicorn.stop()
        redis_server.client().flushall()


def _timed(method, url, **kwargs):
    started = time.monotonic()
    r = requests.request(method, url, timeout=10, **kwargs)
    return r, time.monotonic() - started


def test_slow_clients_do_not_block_normal_requests_through_nginx(stack):
    gunicorn, nginx = stack
    reader = {"X-Reader-Token": requests.post(nginx.url + "/v1/sites/gmw/readers",
                                              timeout=5).json()["reader_token"]}
    slow = SlowClients(nginx.port)
    try:
        time.sleep(1.0)  # the slow clients are connected and trickling
        worst = 0.0
        for i in range(8):
            r, took = _timed("GET", nginx.url + f"/v1/sites/gmw/articles/a{i}/reactions")
            assert r.status_code == 200, r.text
            worst = max(worst, took)
            r, took = _timed("PUT", nginx.url + f"/v1/sites/gmw/articles/a{i}/reactions/mine",
                             json={"mood": "happy"}, headers=reader)
            assert r.status_code == 200, r.text
            worst = max(worst, took)
        # generous: the machine is shared; a blocked worker would take 30 s (its timeout)
        assert worst < 3.0, worst
    finally:
        slow.stop()

    # The same trickle straight at gunicorn holds both workers: a normal request waits.
    slow = SlowClients(gunicorn.port)
    try:
        time.sleep(1.0)
        with pytest.raises(requests.exceptions.Timeout):
            requests.get(gunicorn.url + "/healthz", timeout=2.5)
    finally:
        slow.stop()
    wait_for(lambda: requests.get(gunicorn.url + "/healthz", timeout=2).status_code == 200,
             timeout=40, what="gunicorn free again")


def test_nginx_and_the_service_agree_on_sizes_hops_and_errors(stack):
    gunicorn, nginx = stack
    big = b'{"body": "' + b"x" * (70 * 1024) + b'"}'

    def chunks():
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]

    for base in (nginx.url, gunicorn.url):  # through nginx, and gunicorn's own answer
        r = requests.post(base + "/v1/sites/gmw/articles/a1/comments", data=chunks(),
                          headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 413, (base, r.status_code, r.text[:200])
        assert r.json()["error"]["code"] == "payload_too_large"
    # XINQING_PROXY_HOPS=1 trusts what nginx appended, not what the client claims: a
    # loopback client claiming a public address still reaches the loopback-only /metrics
    r = requests.get(nginx.url + "/metrics", headers={"X-Forwarded-For": "8.8.8.8"}, timeout=5)
    assert r.status_code == 200, r.text[:200]
    assert "emerg" not in nginx.errors() and "alert" not in nginx.errors()
    # with gunicorn gone, nginx answers in the service's JSON error shape
    dead = NginxServer(f"127.0.0.1:{free_port()}", ready_status=503)
    try:
        r = requests.get(dead.url + "/v1/sites/gmw/articles/a1/reactions", timeout=5)
        assert r.status_code == 503 and r.headers["Retry-After"] == "1"
        assert r.json()["error"]["code"] == "service_unavailable"
    finally:
        dead.stop()


def test_the_proxy_config_is_what_compose_and_the_docs_ship():
    text = TEMPLATE.read_text()
    assert set(re.findall(r"\$\{(\w+)\}", text)) == {"NGINX_PORT", "XINQING_UPSTREAM"}
    for directive in ("client_header_timeout", "client_body_timeout", "proxy_request_buffering on",
                      "proxy_buffering on", "client_max_body_size"):
        assert directive in text, directive
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "deploy/nginx/xinqing.conf.template" in compose
    assert "XINQING_PROXY_HOPS: ${XINQING_PROXY_HOPS:-1}" in compose
    assert '"8000:8000"' not in compose  # gunicorn is not published
    assert "deploy/nginx/xinqing.conf.template" in (ROOT / "docs" / "operations.md").read_text()
