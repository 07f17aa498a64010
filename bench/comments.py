"""A 50-comment page GET against the bare Flask echo, same gunicorn settings, same run.

    .venv/bin/python bench/comments.py [--seconds 10] [--workers 4] [--connections 32]

Starts a private redis-server and two gunicorn instances on free loopback ports (rate limits
off), seeds one article with 50 top-level comments of news-comment length (plus a second
article whose 50 comments carry 3 inline replies on every fifth one), then runs wrk against
`GET /echo` and `GET …/comments?limit=50`, alternating, and prints requests/s and the ratio
(target ≥ 0.5). A third instance runs with XINQING_PAGE_CACHE_BYTES=0, so the cost of
reading and rendering the page on every request is shown too, and the service's own /healthz
(no Redis, no site) shows the ceiling the per-request layers (request id, metrics, access
log, edge hooks) leave to any endpoint. Needs redis-server and wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN, BODY, SECRET, cpu_seconds, start_gunicorn, start_redis, wait_http  # noqa: E402



def seed(redis_url: str) -> None:
    """Create the site and the comments through the app itself (Flask test client)."""
    from service import create_app

    app = create_app({"REDIS_URL": redis_url, "SECRET_KEY": SECRET, "ADMIN_TOKEN": ADMIN,
                      "RATELIMIT_ENABLED": False, "SETTINGS_CACHE": False})
    client = app.test_client()
    r = client.post("/v1/admin/sites", json={"site": "bench"},
                    headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 201, r.get_json()
    for article, with_replies in (("a1", False), ("a2", True)):
        for i in range(50):
            token = client.post("/v1/sites/bench/readers").get_json()["reader_token"]
            headers = {"X-Reader-Token": token}
            r = client.post(f"/v1/sites/bench/articles/{article}/comments",
                            json={"body": f"{i} {BODY}", "author_name": f"读者{i}"},
                            headers=headers)
            assert r.status_code == 201, r.get_json()
            cid = r.get_json()["id"]
            client.put(f"/v1/sites/bench/comments/{cid}/vote", json={"vote": "up"},
                       headers=headers)
            if with_replies and i % 5 == 0:
                for j in range(3):
                    r = client.post(f"/v1/sites/bench/articles/{article}/comments",
                                    json={"body": f"回复{j} {BODY[:30]}", "parent": cid},
                                    headers=headers)
                    assert r.status_code == 201, r.get_json()
    app.extensions["xinqing"].sites.close()


def wrk(url: str, seconds: int, connections: int, threads: int,
        pids: list[int] = ()) -> tuple[float, float]:
    """(requests/s, CPU microseconds per request spent by `pids` and their children)."""
    before = cpu_seconds(list(pids))
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          url], capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(list(pids)) - before
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx responses\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return rate, used / max(requests, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for tool in ("redis-server", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")

    redis_proc, redis_url = start_redis()
    procs = []
    try:
        seed(redis_url)
        env = {"XINQING_REDIS_URL": redis_url, "XINQING_SECRET_KEY": SECRET,
               "XINQING_ADMIN_TOKEN": ADMIN, "XINQING_RATELIMIT_ENABLED": "false",
               "XINQING_LOG_LEVEL": "WARNING"}
        echo_proc, echo_base = start_gunicorn("bench.echo_app:create_app()", args.workers, env)
        procs.append(echo_proc)
        svc_proc, svc_base = start_gunicorn("service:create_app()", args.workers, env)
        procs.append(svc_proc)
        raw_proc, raw_base = start_gunicorn("service:create_app()", args.workers,
                                            {**env, "XINQING_PAGE_CACHE_BYTES": "0"})
        procs.append(raw_proc)
        path = "/v1/sites/bench/articles/{}/comments?sort=new&limit=50"
        targets = {
            "echo": f"{echo_base}/echo?sort=new&limit=50",
            "page": svc_base + path.format("a1"),
            "page+replies": svc_base + path.format("a2"),
            "page, no cache": raw_base + path.format("a1"),
            "service /healthz": svc_base + "/healthz",
        }
        # whose CPU each target costs: the gunicorn master and workers, and Redis for the service
        owners = {"echo": [echo_proc.p.pid], "page": [svc_proc.p.pid, redis_proc.p.pid],
                  "page+replies": [svc_proc.p.pid, redis_proc.p.pid],
                  "page, no cache": [raw_proc.p.pid, redis_proc.p.pid],
                  "service /healthz": [svc_proc.p.pid]}
        for url in targets.values():
            wait_http(url)
        import json
        import urllib.request

        with urllib.request.urlopen(targets["page"]) as r:
            page = json.load(r)
            size = r.headers["Content-Length"]
        assert len(page["items"]) == 50, len(page["items"])
        print(f"page: {len(page['items'])} comments, {size} bytes; "
              f"{args.workers} sync workers, wrk -t{args.threads} -c{args.connections} "
              f"-d{args.seconds}s, {args.rounds} alternating rounds")
        for url in targets.values():  # warm up every worker
            wrk(url, 2, args.connections, args.threads)
        rates: dict[str, list[float]] = {name: [] for name in targets}
        cpus: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, url in targets.items():
                rate, cpu = wrk(url, args.seconds, args.connections, args.threads, owners[name])
                rates[name].append(rate)
                cpus[name].append(cpu)
        # The machine may be shared: each round's ratio compares runs made seconds apart, and
        # the CPU each request cost (server processes only, from /proc) is less noisy still.
        for name in targets:
            print(f"{name:>15}: {statistics.median(rates[name]):8.0f} req/s "
                  f"{statistics.median(cpus[name]):6.0f} µs CPU/request  "
                  f"(rounds: {', '.join(f'{x:.0f}' for x in rates[name])})")
        for name, label in (("page", "50-comment page"), ("page+replies", "with inline replies"),
                            ("page, no cache", "without the page cache"),
                            ("service /healthz", "the service's /healthz")):
            by_round = statistics.median(a / b for a, b in zip(rates[name], rates["echo"]))
            by_cpu = statistics.median(cpus["echo"]) / statistics.median(cpus[name])
            print(f"ratio {label + ' / echo:':<31} {by_round:.2f} req/s (median of rounds), "
                  f"{by_cpu:.2f} by CPU per request" + ("   (target >= 0.5)" if name == "page" else ""))
    finally:
        for proc in procs:
            proc.stop()
        redis_proc.stop()


if __name__ == "__main__":
    main()
