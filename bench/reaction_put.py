"""Benchmark: the reaction PUT against a bare Flask JSON echo, same gunicorn settings, same run.

    .venv/bin/python bench/reaction_put.py [--seconds 10] [--rounds 3] [--workers 4]

Starts a private redis-server, the echo app and xinqing under gunicorn (rate limits off, as
for any load test), creates a site and 2,000 readers, then alternates wrk runs of the two
and prints requests/s of each and their ratio per round and as a median, and the CPU each
request cost the servers (gunicorn master + workers, plus Redis for the two that write; from
/proc), which a shared machine disturbs much less than requests/s. Each xinqing request
is a real write: readers cycle through moods, so most PUTs move a vote.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(__file__))
from harness import VOTE_WRK_SCRIPT, start_gunicorn, start_redis, wrk  # noqa: E402

ADMIN = "bench-admin-token-0123456789"
ECHO_SCRIPT = """
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Reader-Token"] = "%s"
wrk.body = '{"mood": "happy"}'
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--worker-class", default="sync")
    args = parser.parse_args()

    redis_proc, redis_url = start_redis()
    env = {"XINQING_REDIS_URL": redis_url, "XINQING_SECRET_KEY": "bench-secret-0123456789abcdef",
           "XINQING_ADMIN_TOKEN": ADMIN, "XINQING_RATELIMIT_ENABLED": "false",
           "XINQING_LOG_LEVEL": "WARNING"}
    procs = [redis_proc]
    try:
        echo, echo_base = start_gunicorn("bench.echo_app:create_app()", args.workers,
                                         {**env, "BENCH_REDIS_URL": redis_url}, args.worker_class)
        procs.append(echo)
        app, base = start_gunicorn("service:create_app()", args.workers, env, args.worker_class)
        procs.append(app)
        requests.post(f"{base}/v1/admin/sites", json={"site": "bench"},
                      headers={"Authorization": f"Bearer {ADMIN}"}, timeout=5).raise_for_status()
        with ThreadPoolExecutor(16) as pool:
            tokens = list(pool.map(lambda _: requests.post(
                f"{base}/v1/sites/bench/readers", timeout=5).json()["reader_token"], range(2000)))
        path = "/v1/sites/bench/articles/38012345/reactions/mine"
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(VOTE_WRK_SCRIPT % (", ".join(json.dumps(t) for t in tokens), path))
            put_script = f.name
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(ECHO_SCRIPT % tokens[0])
            echo_script = f.name
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(VOTE_WRK_SCRIPT % (", ".join(json.dumps(t) for t in tokens), "/lua"))
            lua_script = f.name
        # warm all three (imports, script cache, connection pools)
        wrk(echo_base + "/echo", echo_script, 2, args.connections)
        wrk(echo_base + "/lua", lua_script, 2, args.connections)
        wrk(base + path, put_script, 2, args.connections)

        ratios, floors = [], []
        cpu = {"echo": [], "lua": [], "put": []}
        # whose CPU each target costs: its gunicorn master and workers, and Redis when it writes
        echo_pids, lua_pids = [echo.p.pid], [echo.p.pid, redis_proc.p.pid]
        put_pids = [app.p.pid, redis_proc.p.pid]
        print(f"gunicorn {args.worker_class} x{args.workers}, wrk -c{args.connections}, "
              f"{args.seconds}s per run")
        for i in range(args.rounds):
            e = wrk(echo_base + "/echo", echo_script, args.seconds, args.connections,
                    pids=echo_pids)
            lua = wrk(echo_base + "/lua", lua_script, args.seconds, args.connections,
                      pids=lua_pids)
            x = wrk(base + path, put_script, args.seconds, args.connections, pids=put_pids)
            for name, run in (("echo", e), ("lua", lua), ("put", x)):
                cpu[name].append(run["cpu_us"])
            if x["non2xx"]:
                print(f"  WARNING: {x['non2xx']} non-2xx responses from xinqing")
            ratios.append(x["rps"] / e["rps"])
            floors.append(lua["rps"] / e["rps"])
            print(f"round {i + 1}: echo {e['rps']:.0f} req/s (p99 {e['p99_ms']:.1f} ms) | "
                  f"plain view + 1 Lua {lua['rps']:.0f} ({floors[-1]:.2f}) | "
                  f"reaction PUT {x['rps']:.0f} req/s (p99 {x['p99_ms']:.1f} ms) | "
                  f"ratio {ratios[-1]:.2f} | CPU/request echo {e['cpu_us']:.0f} µs, "
                  f"floor {lua['cpu_us']:.0f}, PUT {x['cpu_us']:.0f}")
        print(f"median ratio plain Flask view + 1 Lua call / echo: {statistics.median(floors):.2f}")
        print(f"median ratio reaction PUT / echo: {statistics.median(ratios):.2f} "
              f"(target >= 0.8)")
        # requests/s swings with whatever else shares the machine; CPU per request much less
        echo_cpu = statistics.median(cpu["echo"])
        print(f"by CPU per request (servers + Redis, medians): echo {echo_cpu:.0f} µs, "
              f"floor {statistics.median(cpu['lua']):.0f} µs "
              f"({echo_cpu / statistics.median(cpu['lua']):.2f}), reaction PUT "
              f"{statistics.median(cpu['put']):.0f} µs "
              f"({echo_cpu / statistics.median(cpu['put']):.2f})")
        import redis

        counts = redis.Redis.from_url(redis_url, decode_responses=True).hgetall(
            "xq:{bench:38012345}:n")
        print(f"votes standing: {sum(int(v) for k, v in counts.items() if k.startswith('r:'))} "
              f"(≤ {len(tokens)} readers)")
    finally:
        for proc in reversed(procs):
            proc.stop()


if __name__ == "__main__":
    main()
