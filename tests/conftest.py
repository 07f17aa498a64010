"""Fixtures: a private redis-server for the session, apps from the factory, helpers.

The suite starts its own `redis-server` on a free loopback port and flushes only that server.
Without the binary it falls back to fakeredis with a loud warning, except in CI (CI=true),
where a missing binary is a failure: tests that only ever meet fakeredis prove little.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest
import redis
from hypothesis import Phase, settings

# `--hypothesis-profile=mutants` (tools/mutants.py): no example database, so a seeded run never
# replays an earlier run's failure, and no shrinking, so a failing run ends soon.
settings.register_profile("mutants", database=None, phases=[Phase.explicit, Phase.generate])

ROOT = Path(__file__).resolve().parent.parent

# Every answer a test sees is dumped twice, by the compiled dump and by marshmallow, and the
# two must agree (service/api/fastdump.py).
import service.api.fastdump  # noqa: E402

service.api.fastdump.CHECK = True
# Headers appended without werkzeug's checks (service/api/response.py) are checked anyway.
import service.api.response  # noqa: E402

service.api.response.CHECK = True
# Bodies accepted by a compiled load are loaded by marshmallow too (service/api/fastload.py).
import service.api.fastload  # noqa: E402

service.api.fastload.CHECK = True
ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # noqa: BLE001 - keep polling
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}: {last!r}")


def promtool_check_metrics(text: str) -> None:
    """`promtool check metrics` (Debian's prometheus package) must accept `text`."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not installed (apt-get install prometheus; .ci/run does)",
                    pytrace=False)
    out = subprocess.run([binary, "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr


class RedisServer:
    """A throwaway redis-server process on a free loopback port."""

    def __init__(self, *extra: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="xq-redis-")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        wait_for(lambda: redis.Redis(port=self.port, socket_timeout=0.5).ping(),
                 what=f"redis-server on {self.port}")

    def client(self, **kwargs):
        return redis.Redis(port=self.port, decode_responses=True, **kwargs)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server():
    """The session's own redis-server, or None when falling back to fakeredis (never in CI)."""
    try:
        server = RedisServer()
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; CI must test on a real Redis "
                        "(apt-get install redis-server)", pytrace=False)
        warnings.warn("\n\n*** redis-server not found: tests run on FAKEREDIS, which is not "
                      "Redis. Install redis-server for a real run. ***\n", stacklevel=1)
        yield None
        return
    yield server
    server.stop()


@pytest.fixture
def own_redis(redis_server):
    """A redis-server of the test's own, which the test may stop and restart (outages)."""
    if redis_server is None:
        pytest.fail("outage tests need redis-server", pytrace=False)
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server):
    """A client of the test Redis, flushed before and after each test."""
    if redis_server is None:
        import fakeredis

        client = fakeredis.FakeRedis(decode_responses=True)
    else:
        client = redis_server.client()
    client.flushall()
    yield client
    client.flushall()


class Clock:
    """An injectable clock: tests move time explicitly."""

    def __init__(self, start: float = 1_764_400_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


def make_config(redis_server, redis_client, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "RATELIMIT_ENABLED": False,
    }
    if redis_server is None:
        config["REDIS_CLIENT"] = redis_client
        config["SETTINGS_CACHE"] = False
    else:
        config["REDIS_URL"] = redis_server.url
    config.update(overrides)
    return config


def check_errors_are_documented(app) -> None:
    """Make every error answer of a documented operation one its OpenAPI document lists.

    Runs on every app the suite builds, so each test that provokes an error also checks the
    document: an operation answering a code it does not list fails the test, naming the fix.
    """
    from flask import request

    from service.api.openapi import documented_codes, openapi_path, served_document

    table: dict = {}

    @app.after_request
    def _documented(response):
        if response.status_code < 400 or request.url_rule is None:
            return response
        if not table:
            table.update(documented_codes(served_document(app)))
        method = "get" if request.method == "HEAD" else request.method.lower()
        statuses = table.get((openapi_path(request.url_rule.rule), method))
        if statuses is None:
            return response  # not an API operation (pages, assets, the document itself)
        body = response.get_json(silent=True) or {}
        code = (body.get("error") or {}).get("code")
        listed = statuses.get(response.status_code, set())
        assert code in listed, (
            f"{request.method} {request.url_rule.rule} answered {response.status_code} {code!r}, "
            f"which its OpenAPI operation does not list ({sorted(listed) or 'no such status'}): "
            "add the error class to errors=[...] of the view's @operation(...) "
            "(service/api/operations.py), or fix the view")
        return response


@pytest.fixture
def app_factory(redis_server, redis_client):
    """Build apps from the factory against the test Redis (several may share it)."""
    from service import create_app

    apps = []

    def build(**overrides):
        app = create_app(make_config(redis_server, redis_client, **overrides))
        check_errors_are_documented(app)
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["xinqing"].sites.close()


@pytest.fixture
def app(app_factory, clock):
    return app_factory(CLOCK=clock)


@pytest.fixture
def client(app):
    return app.test_client()


class ApiHelper:
    """Small helpers for repeated API actions in tests."""

    def __init__(self, client) -> None:
        self.client = client

    def create_site(self, site: str = "gmw", **settings) -> str:
        r = self.client.post("/v1/admin/sites", json={"site": site, **settings},
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["editor_token"]

    def reader(self, site: str = "gmw") -> dict[str, str]:
        r = self.client.post(f"/v1/sites/{site}/readers")
        assert r.status_code == 201, r.get_json()
        return {"X-Reader-Token": r.get_json()["reader_token"]}

    def react(self, reader, mood, article="a1", site="gmw"):
        return self.client.put(f"/v1/sites/{site}/articles/{article}/reactions/mine",
                               json={"mood": mood}, headers=reader)

    def retract(self, reader, article="a1", site="gmw"):
        return self.client.delete(f"/v1/sites/{site}/articles/{article}/reactions/mine",
                                  headers=reader)

    def reactions(self, article="a1", site="gmw", reader=None):
        return self.client.get(f"/v1/sites/{site}/articles/{article}/reactions",
                               headers=reader or {})

    @staticmethod
    def editor(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client):
    return ApiHelper(client)


SERVE_CONFIG = "python:service.gunicorn_conf"


class GunicornServer:
    """The real service under gunicorn on a free port (end-to-end tests).

    Started the documented way (gunicorn with the package's settings) unless `command` gives
    another argv; `--bind`, `--workers`, `extra` and `app` (None: none, as for `xinqing
    serve`) are appended. `cwd` defaults to a fresh temporary directory, so nothing in the
    repository's working directory is relied on.
    """

    def __init__(self, env: dict[str, str], workers: int = 2, extra: tuple[str, ...] = (),
                 command: list[str] | None = None, app: str | None = "service:create_app()",
                 cwd: str | None = None, wait: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # every XINQING_* comes from `env` alone (a None value: unset)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("XINQING_")}
        full_env.update({k: v for k, v in env.items() if v is not None})
        self.log = tempfile.NamedTemporaryFile(prefix="xq-gunicorn-", suffix=".log", delete=False)
        self._own_cwd = cwd is None
        self.cwd = cwd or tempfile.mkdtemp(prefix="xq-cwd-")
        argv = command or [sys.executable, "-m", "gunicorn", "-c", SERVE_CONFIG]
        self.proc = subprocess.Popen(
            [*argv, "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), *extra,
             *([app] if app else [])],
            cwd=self.cwd, env=full_env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        import requests

        def up() -> bool:  # True once it answers, or once it has exited
            return (self.proc.poll() is not None
                    or requests.get(self.url + "/healthz", timeout=1).status_code == 200)

        try:
            wait_for(up, timeout=30, what="gunicorn")
        except TimeoutError:
            raise AssertionError("gunicorn did not answer:\n" + self.output()[-3000:]) from None
        if self.proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n"
                                 + self.output()[-3000:])

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        os.unlink(self.log.name)
        if self._own_cwd:
            shutil.rmtree(self.cwd, ignore_errors=True)


@pytest.fixture
def gunicorn_factory(redis_server):
    """Start gunicorn against the test Redis; stopped after the test."""
    if redis_server is None:
        pytest.fail("end-to-end tests need redis-server", pytrace=False)
    servers = []

    def start(workers: int = 2, extra: tuple[str, ...] = (), **env):
        base = {"XINQING_REDIS_URL": redis_server.url, "XINQING_SECRET_KEY": SECRET_KEY,
                "XINQING_ADMIN_TOKEN": ADMIN_TOKEN, "XINQING_RATELIMIT_ENABLED": "false"}
        base.update(env)
        server = GunicornServer(base, workers=workers, extra=extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class RedisClusterProcesses:
    """Masters (and `replicas` replicas of each) on loopback forming a Redis Cluster (bus
    ports = port + 10000 < 32768). `kill` and `restart` a node for failover tests."""

    def __init__(self, masters: int = 3, replicas: int = 0) -> None:
        binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if binary is None or cli is None:
            raise FileNotFoundError("redis-server/redis-cli")
        self.dir = tempfile.mkdtemp(prefix="xq-cluster-")
        self.ports: list[int] = []
        self.procs: list[subprocess.Popen] = []
        self._binary = binary
        while len(self.ports) < masters * (1 + replicas):
            port = free_port_below(22000)
            if port in self.ports:
                continue
            self.ports.append(port)
            self.procs.append(self._start(port))
        for port in self.ports:
            wait_for(lambda: redis.Redis(port=port, socket_timeout=0.5).ping(), what=f"node {port}")
        subprocess.run([cli, "--cluster", "create", *[f"127.0.0.1:{p}" for p in self.ports],
                        "--cluster-replicas", str(replicas), "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        for port in self.ports:
            wait_for(lambda: redis.Redis(port=port).cluster("info")["cluster_state"] == "ok",
                     timeout=30, what="cluster_state:ok")
        self.url = f"redis+cluster://127.0.0.1:{self.ports[0]}"

    def _start(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [self._binary, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
             "--cluster-config-file", f"nodes-{port}.conf", "--cluster-node-timeout", "2000",
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--repl-diskless-sync-delay", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def masters(self) -> list[int]:
        """Ports of the nodes that are masters now (asked of the live nodes)."""
        for i, port in enumerate(self.ports):
            if self.procs[i].poll() is None:
                nodes = redis.Redis(port=port, decode_responses=True).cluster("nodes")
                return sorted(int(addr.split("@")[0].rsplit(":", 1)[1])
                              for addr, node in nodes.items()
                              if "master" in node["flags"] and "fail" not in node["flags"])
        raise RuntimeError("no live node")

    def kill(self, port: int) -> None:
        """SIGKILL the node on `port` (no shutdown, no goodbye to the others)."""
        proc = self.procs[self.ports.index(port)]
        proc.kill()
        proc.wait(5)

    def restart(self, port: int) -> None:
        """Start the node on `port` again from its nodes.conf (it rejoins as it may)."""
        self.procs[self.ports.index(port)] = self._start(port)
        wait_for(lambda: redis.Redis(port=port, socket_timeout=0.5).ping(), what=f"node {port}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port_below(limit: int) -> int:
    """A free loopback port in [12000, limit) whose cluster bus port (+10000) is free too."""
    import random

    for _ in range(200):
        port = random.randrange(12000, limit)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="session")
def redis_cluster(redis_server):
    """A real 3-master Redis Cluster for the session (fails, never skips, without binaries)."""
    if redis_server is None:
        pytest.fail("cluster tests need redis-server", pytrace=False)
    cluster = RedisClusterProcesses()
    yield cluster
    cluster.stop()
