"""Cost per request of the metrics and access log on the hot path, measured in-process (no wrk noise).

    .venv/bin/python bench/metrics_overhead.py

Runs in prometheus-client's multiprocess mode (as under gunicorn): the request metrics
(counter + histogram), the Redis timing wrapper around one command, one reaction counter,
and one JSON access-log line written to /dev/null. Then times a whole reaction PUT through
the Flask test client on a private redis-server, with and without the hooks, for scale.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import timeit


def per_call_us(fn, number: int = 20000) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    prom_dir = tempfile.mkdtemp(prefix="xq-prom-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = prom_dir
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from service.logs import JsonFormatter
    from service.metrics import Metrics

    m = Metrics()
    assert m.multiprocess
    route = "/v1/sites/<site>/articles/<article>/reactions/mine"
    print(f"request metrics (counter+histogram)  {per_call_us(lambda: m.observe_request(route, 'PUT', 200, 0.002)):6.1f} us")
    print(f"reaction counter                     {per_call_us(lambda: m.reactions.labels('gmw', 'happy').inc()):6.1f} us")
    noop = lambda *a: None  # noqa: E731
    print(f"Redis timing wrapper (one command)   {per_call_us(lambda: m._timed('EVALSHA', noop)):6.1f} us")

    logger = logging.getLogger("bench.access")
    handler = logging.StreamHandler(open(os.devnull, "w"))
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    fields = {"fields": {"request_id": "0" * 32, "method": "PUT", "path": "/v1/sites/gmw/articles/a1/reactions/mine",
                         "route": route, "status": 200, "duration_ms": 1.234, "site": "gmw",
                         "client_network": "203.0.113.0/24", "bytes": 298}}
    print(f"JSON access-log line                 {per_call_us(lambda: logger.info('%s %s %s', 'PUT', '/x', 200, extra=fields), 5000):6.1f} us")

    # a whole PUT through the test client, for scale
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rdir = tempfile.mkdtemp()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                              "--dir", rdir], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        from service import create_app

        for access_log in (False, True):
            app = create_app({"REDIS_URL": f"redis://127.0.0.1:{port}/0", "SECRET_KEY": "s" * 20,
                              "ADMIN_TOKEN": "a" * 20, "RATELIMIT_ENABLED": False,
                              "ACCESS_LOG": access_log})
            logging.getLogger().handlers[-1].setStream(open(os.devnull, "w"))
            c = app.test_client()
            c.post("/v1/admin/sites", json={"site": f"b{int(access_log)}"},
                   headers={"Authorization": "Bearer " + "a" * 20})
            site = f"b{int(access_log)}"
            tok = {"X-Reader-Token": c.post(f"/v1/sites/{site}/readers").get_json()["reader_token"]}
            moods = iter(["happy", "sad"] * 100000)
            put = lambda: c.put(f"/v1/sites/{site}/articles/a1/reactions/mine",  # noqa: E731
                                json={"mood": next(moods)}, headers=tok)
            print(f"whole reaction PUT (access log {'on ' if access_log else 'off'})  {per_call_us(put, 1000):6.1f} us")
    finally:
        redis.terminate()
        shutil.rmtree(rdir, ignore_errors=True)
        shutil.rmtree(prom_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
