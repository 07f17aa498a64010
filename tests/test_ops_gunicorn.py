"""Operations behaviour end to end: the real service under gunicorn with its package settings.

Metrics summed over several worker processes (and kept when a worker dies), CORS and
preflights, 304s, request ids and JSON log lines, Redis-backed limits shared by all workers,
the embedded mode with metrics, and a graceful stop that finishes the write in flight.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import ADMIN_TOKEN, GunicornServer, wait_for

pytestmark = pytest.mark.slow

ORIGIN = "https://www.example.com"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PUT_ROUTE = "/v1/sites/<site>/articles/<article>/reactions/mine"


def scrape(url: str, **kwargs) -> dict[str, float]:
    r = requests.get(url + "/metrics", timeout=5, **kwargs)
    assert r.status_code == 200, r.text
    out = {}
    for line in r.text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def worker_pids(metrics_dir) -> set[int]:
    return {int(m.group(1)) for name in os.listdir(metrics_dir)
            if (m := re.match(r"counter_(\d+)\.db$", name))}


def test_metrics_are_summed_over_workers(gunicorn_factory, redis_client, tmp_path):
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale samples of an earlier run")
    # sync workers take one request at a time, so concurrent requests must spread out
    server = gunicorn_factory(workers=3, XINQING_METRICS_DIR=str(metrics_dir),
                              XINQING_WORKER_CLASS="sync",
                              XINQING_METRICS_TOKEN="metrics-token-0123456789")
    assert not (metrics_dir / "counter_999999.db").exists()  # emptied at start
    url = server.url
    assert requests.post(url + "/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN,
                         timeout=5).status_code == 201
    tokens = [requests.post(url + "/v1/sites/gmw/readers", timeout=5).json()["reader_token"]
              for _ in range(10)]

    def vote(i: int) -> int:
        # a fresh connection per request, so the kernel spreads them over the workers
        return requests.put(f"{url}/v1/sites/gmw/articles/a{i % 3}/reactions/mine",
                            json={"mood": ("happy", "sad")[i % 2]},
                            headers={"X-Reader-Token": tokens[i % 10],
                                     "Connection": "close"}, timeout=10).status_code

    # The kernel may hand a whole batch to one worker; send batches (each repeats the same
    # votes, so the vote count stays 30) until at least two workers have counted requests.
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):
            codes = list(pool.map(vote, range(60)))
            assert codes == [200] * 60
            sent += 60
            if len(worker_pids(metrics_dir)) >= 2:
                break

    assert requests.get(url + "/metrics", timeout=5).status_code == 401
    auth = {"headers": {"Authorization": "Bearer metrics-token-0123456789"}}
    s = scrape(url, **auth)
    key = f'xinqing_http_requests_total{{method="PUT",route="{PUT_ROUTE}",status="200"}}'
    assert s[key] == sent
    assert s[f'xinqing_http_request_duration_seconds_count{{method="PUT",route="{PUT_ROUTE}"}}'] == sent
    votes = sum(v for k, v in s.items() if k.startswith("xinqing_reactions_total{"))
    assert votes == 30  # 10 readers × 3 articles, each vote cast once, repeats change nothing
    assert s['xinqing_http_requests_total{method="POST",route="/v1/sites/<site>/readers",status="201"}'] == 10
    pids = worker_pids(metrics_dir)
    assert len(pids) >= 2, "the requests all landed on one worker; the sum proves nothing"

    # A worker that exits takes none of its counts with it.
    victim = sorted(pids)[0]
    os.kill(victim, signal.SIGTERM)
    wait_for(lambda: requests.get(url + "/healthz", timeout=1).ok and
             len(worker_pids(metrics_dir) - {victim}) >= len(pids) - 1, what="respawn")
    time.sleep(0.5)
    assert scrape(url, **auth)[key] == sent


def test_cors_304_request_id_and_json_logs(gunicorn_factory, redis_client):
    server = gunicorn_factory(workers=2)
    url = server.url
    requests.post(url + "/v1/admin/sites",
                  json={"site": "gmw", "allowed_origins": [ORIGIN], "cache_max_age": 20},
                  headers=ADMIN, timeout=5)
    article = url + "/v1/sites/gmw/articles/38012345/reactions"

    pre = requests.options(article + "/mine", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type, x-reader-token"}, timeout=5)
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "x-reader-token" in pre.headers["Access-Control-Allow-Headers"].lower()
    other = requests.options(article + "/mine", headers={
        "Origin": "https://evil.example.org", "Access-Control-Request-Method": "PUT"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in other.headers

    first = requests.get(article + "?lang=zh-CN", headers={"Origin": ORIGIN,
                                                           "X-Request-ID": "e2e-req-1"}, timeout=5)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=20"
    assert first.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert first.headers["X-Request-ID"] == "e2e-req-1"
    again = requests.get(article + "?lang=zh-CN", timeout=5,
                         headers={"Origin": ORIGIN, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""

    reader = requests.post(url + "/v1/sites/gmw/readers", timeout=5).json()["reader_token"]
    mine = requests.get(article, headers={"X-Reader-Token": reader}, timeout=5)
    assert mine.headers["Cache-Control"] == "private, no-store" and "ETag" not in mine.headers

    def logged():
        for line in server.output().splitlines():
            if line.startswith("{") and '"e2e-req-1"' in line:
                return json.loads(line)
        return None

    wait_for(lambda: logged() is not None, timeout=5, what="the access log line")
    line = logged()
    assert line["logger"] == "xinqing.access" and line["request_id"] == "e2e-req-1"
    assert line["status"] == 200 and line["site"] == "gmw"
    assert line["route"] == "/v1/sites/<site>/articles/<article>/reactions"
    assert line["client_network"] == "127.0.0.0/24"
    assert reader not in server.output() and ADMIN_TOKEN not in server.output()
    # gunicorn's own lines are JSON too
    boot = [json.loads(x) for x in server.output().splitlines()
            if x.startswith("{") and "Booting worker" in x]
    assert boot and boot[0]["logger"] == "gunicorn.error"


def test_limits_are_shared_by_all_workers(gunicorn_factory, redis_client):
    server = gunicorn_factory(workers=3, XINQING_RATELIMIT_ENABLED="true",
                              XINQING_READER_RATE="5/minute")
    url = server.url
    requests.post(url + "/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN, timeout=5)
    codes = [requests.post(url + "/v1/sites/gmw/readers", headers={"Connection": "close"},
                           timeout=5) for _ in range(8)]
    assert [r.status_code for r in codes] == [201] * 5 + [429] * 3
    limited = codes[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # the client's full address is in no log line (gunicorn names its own bind address once,
    # the master the Redis it uses)
    leaks = [line for line in server.output().splitlines()
             if "127.0.0.1" in line and "Listening at" not in line and "Redis at" not in line]
    assert not leaks, leaks


def test_embedded_mode_serves_metrics(monkeypatch):
    """No XINQING_REDIS_URL: the master's embedded store, and metrics still summed."""
    for name in [k for k in os.environ if k.startswith("XINQING_")]:
        monkeypatch.delenv(name)
    server = GunicornServer({"XINQING_RATELIMIT_ENABLED": "false"}, workers=2)
    try:
        assert "EMBEDDED" in server.output()
        r = requests.post(server.url + "/v1/sites/demo/readers", timeout=5)
        assert r.status_code == 201
        s = scrape(server.url)
        assert s['xinqing_http_requests_total{method="POST",route="/v1/sites/<site>/readers",status="201"}'] == 1
    finally:
        server.stop()


BUSY_LUA = """
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
while true do
  local n = redis.call('TIME')
  if n[1] * 1000000 + n[2] - start > tonumber(ARGV[1]) then return 1 end
end
"""


def test_sigterm_finishes_the_write_in_flight(gunicorn_factory, redis_client, redis_server):
    """A rolling restart's SIGTERM lets the request being served finish: its vote is kept."""
    import threading

    server = gunicorn_factory(workers=2, XINQING_WORKER_CLASS="sync",
                              XINQING_REDIS_SOCKET_TIMEOUT="5")
    url = server.url
    requests.post(url + "/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN, timeout=5)
    token = requests.post(url + "/v1/sites/gmw/readers", timeout=5).json()["reader_token"]
    requests.get(url + "/v1/sites/gmw/articles/warm/reactions", timeout=5)

    # Hold Redis busy for a second so the PUT below is in flight when SIGTERM arrives.
    busy = threading.Thread(target=lambda: redis_server.client(socket_timeout=10).eval(
        BUSY_LUA, 0, 1_000_000))
    busy.start()
    time.sleep(0.1)
    result = {}

    def put():
        result["r"] = requests.put(url + "/v1/sites/gmw/articles/a1/reactions/mine",
                                   json={"mood": "happy"}, headers={"X-Reader-Token": token},
                                   timeout=10)

    writer = threading.Thread(target=put)
    writer.start()
    time.sleep(0.3)
    server.proc.send_signal(signal.SIGTERM)
    writer.join(10)
    busy.join(10)
    assert result["r"].status_code == 200 and result["r"].json()["counts"]["happy"] == 1
    assert server.proc.wait(15) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/healthz", timeout=1)
