"""Every documented way to start the service gives the right one, from any directory.

The production command (`xinqing serve`, the same as `gunicorn -c python:service.gunicorn_conf
'service:create_app()'`) started from a temporary directory with three workers: 30 votes read
30 in each of five /metrics scrapes, whichever worker answers, and all workers share one store
and one secret. A plain `gunicorn -w 3 'service:create_app()'` refuses to start, naming the
right command. A taken port is reported before anything else is printed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_TOKEN, SECRET_KEY, GunicornServer, free_port, promtool_check_metrics

pytestmark = pytest.mark.slow

XINQING = str(Path(sys.executable).with_name("xinqing"))
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def scrape(url: str) -> str:
    r = requests.get(url + "/metrics", headers={"Connection": "close", **ADMIN}, timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"].count("charset") == 1
    return r.text


def metric_sum(url: str, name: str) -> float:
    text = scrape(url)
    return sum(float(line.rpartition(" ")[2]) for line in text.splitlines()
               if line.startswith(name + "{"))


def workers_with_samples(metrics_dir: Path) -> set[str]:
    return {m.group(1) for p in metrics_dir.iterdir()
            if (m := re.match(r"counter_(\d+)\.db$", p.name))}


def thirty_votes_read_thirty(server: GunicornServer, metrics_dir: Path, site: str) -> None:
    """10 readers × 3 articles over fresh connections (so several workers answer), then five
    scrapes, each of which must read 30 votes and the articles' counts 30 in all."""
    url = server.url
    tokens = [requests.post(f"{url}/v1/sites/{site}/readers", headers={"Connection": "close"},
                            timeout=5).json()["reader_token"] for _ in range(10)]

    def vote(i: int) -> int:
        return requests.put(f"{url}/v1/sites/{site}/articles/a{i % 3}/reactions/mine",
                            json={"mood": ("happy", "sad")[i % 2]},
                            headers={"X-Reader-Token": tokens[i // 3], "Connection": "close"},
                            timeout=10).status_code

    # Repeating a vote changes nothing, so batches can be repeated until at least two workers
    # have answered (the kernel may give one worker a whole batch).
    with ThreadPoolExecutor(6) as pool:
        for _ in range(10):
            assert list(pool.map(vote, range(30))) == [200] * 30
            if len(workers_with_samples(metrics_dir)) >= 2:
                break
    assert len(workers_with_samples(metrics_dir)) >= 2, "one worker answered everything"
    scrapes = [metric_sum(url, "xinqing_reactions_total") for _ in range(5)]
    assert scrapes == [30] * 5
    promtool_check_metrics(scrape(url))  # the multiprocess exposition, summed over workers
    totals = [requests.get(f"{url}/v1/sites/{site}/articles/a{i}", headers={"Connection": "close"},
                           timeout=5).json()["reactions"]["total"] for i in range(3)]
    assert sum(totals) == 30


def test_xinqing_serve_embedded_from_elsewhere_is_one_service(tmp_path):
    """No Redis: one embedded store and one generated secret for all three workers."""
    metrics_dir = tmp_path / "metrics"
    server = GunicornServer({"XINQING_METRICS_DIR": str(metrics_dir),
                             "XINQING_RATELIMIT_ENABLED": "false",
                             "XINQING_ADMIN_TOKEN": ADMIN_TOKEN},
                            workers=3, command=[XINQING, "serve"], app=None)
    try:
        thirty_votes_read_thirty(server, metrics_dir, "demo")
    finally:
        server.stop()


def test_gunicorn_with_package_settings_from_elsewhere(redis_server, redis_client, tmp_path):
    """`gunicorn -c python:service.gunicorn_conf` on Redis; with no site yet it says how to
    create one."""
    metrics_dir = tmp_path / "metrics"
    server = GunicornServer({"XINQING_REDIS_URL": redis_server.url,
                             "XINQING_SECRET_KEY": SECRET_KEY, "XINQING_ADMIN_TOKEN": ADMIN_TOKEN,
                             "XINQING_RATELIMIT_ENABLED": "false",
                             "XINQING_METRICS_DIR": str(metrics_dir)}, workers=3)
    try:
        assert "no site exists yet" in server.output()
        assert "xinqing sites create NAME" in server.output()
        assert requests.post(server.url + "/v1/admin/sites", json={"site": "gmw"},
                             headers=ADMIN, timeout=5).status_code == 201
        thirty_votes_read_thirty(server, metrics_dir, "gmw")
    finally:
        server.stop()


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "embedded"])
def test_plain_gunicorn_refuses_naming_the_command(with_redis, redis_server):
    env = {"XINQING_RATELIMIT_ENABLED": "false"}
    if with_redis:
        env.update(XINQING_REDIS_URL=redis_server.url, XINQING_SECRET_KEY=SECRET_KEY)
    server = GunicornServer(env, workers=3, command=[sys.executable, "-m", "gunicorn"],
                            wait=False)
    try:
        assert server.proc.wait(30) != 0
        out = server.output()
        assert "xinqing serve" in out
        assert "gunicorn -c python:service.gunicorn_conf 'service:create_app()'" in out
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/healthz", timeout=1)
    finally:
        server.stop()


def test_preload_is_refused(redis_server):
    server = GunicornServer({"XINQING_REDIS_URL": redis_server.url,
                             "XINQING_SECRET_KEY": SECRET_KEY}, workers=2, extra=("--preload",),
                            wait=False)
    try:
        assert server.proc.wait(30) != 0
        assert "--preload is not supported" in server.output()
    finally:
        server.stop()


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        port = free_port()
        holder.bind(("127.0.0.1", port))
        holder.listen()
        yield port


def run_to_end(argv, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XINQING_")}
    return subprocess.run(argv, env={**clean, **env}, capture_output=True, text=True,
                          timeout=30, cwd="/")


def test_taken_port_is_reported_before_anything_is_printed(taken_port):
    """`make run PORT=<taken>` (xinqing serve under make): one message, no banner, no tokens."""
    out = run_to_end([XINQING, "serve", "--bind", f"127.0.0.1:{taken_port}"], MAKELEVEL="1")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(f"xinqing: cannot listen on 127.0.0.1:{taken_port}")
    suggested = int(re.search(r"make run PORT=(\d+)", out.stderr).group(1))
    assert suggested != taken_port
    assert "--bind 127.0.0.1:" in out.stderr and "token" not in out.stderr.lower()


def test_taken_port_under_gunicorn_prints_no_banner(taken_port):
    out = run_to_end([sys.executable, "-m", "gunicorn", "-c", "python:service.gunicorn_conf",
                      "--bind", f"127.0.0.1:{taken_port}", "service:create_app()"])
    assert out.returncode == 2
    assert f"cannot listen on 127.0.0.1:{taken_port}" in out.stderr
    assert "token" not in (out.stdout + out.stderr).lower() and "EMBEDDED" not in out.stdout


def test_bad_setting_stops_serve_with_one_line():
    out = run_to_end([XINQING, "serve"], XINQING_WORKERS="many")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: XINQING_WORKERS='many' is not valid: invalid literal for int() with base 10: "
        "'many'"]
