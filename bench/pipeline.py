"""Benchmark: xinqing's reaction PUT and public counts GET against their floors, same run.

    .venv/bin/python bench/pipeline.py [--seconds 5] [--rounds 5] [--workers 2] [--wait]

Starts a private redis-server, then under the same gunicorn settings (sync workers, rate
limits off as for any load test) a bare JSON echo (bench/echo_app.py), the floors
(bench/floor_app.py: the same work as each request in a bare Flask app) and xinqing. Rounds
interleave wrk runs of every target; it prints requests/s per run, the medians, and the
ratios xinqing / floor (goal ≥ 0.8 for both), plus CPU per request (servers and Redis, from
/proc), which a shared machine disturbs less than requests/s.

--before also serves xinqing dumping answers with plain marshmallow (as before the compiled
dumps), measured in the same rounds. --against REV also serves xinqing as it was at git
revision REV (e.g. main), measured in the same rounds: a before/after on the same machine
state. --wait also starts a replica of that Redis and a second xinqing with XINQING_WAIT_REPLICAS=1
and measures its reaction PUT in the same rounds: the cost of waiting for a replica.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ADMIN, SECRET, VOTE_WRK_SCRIPT, Proc, checkout, free_port,  # noqa: E402
                     start_gunicorn, start_redis, wrk)

ARTICLE = "38012345"
ECHO_SCRIPT = """
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"mood": "happy"}'
"""


def xinqing_marshmallow_dump():
    """xinqing as it was before answers dumped through compiled schemas (--before)."""
    from service.api import fastdump

    fastdump.ENABLED = False
    from service import create_app

    return create_app()


def _lua(text: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(text)
        return f.name


def start_replica(master_url: str) -> Proc:
    import redis

    port = free_port()
    master_port = master_url.rsplit(":", 1)[1].split("/")[0]
    proc = Proc([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--replicaof", "127.0.0.1", master_port,
                 "--dir", tempfile.mkdtemp(prefix="xq-bench-")])
    master = redis.Redis.from_url(master_url)
    deadline = time.monotonic() + 30
    while master.wait(1, 100) < 1:
        if time.monotonic() > deadline:
            raise TimeoutError("replica never acknowledged")
        time.sleep(0.1)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wait", action="store_true",
                        help="also measure the reaction PUT with XINQING_WAIT_REPLICAS=1")
    parser.add_argument("--before", action="store_true",
                        help="also measure xinqing dumping answers with plain marshmallow")
    parser.add_argument("--against", metavar="REV",
                        help="also measure xinqing as it was at git revision REV")
    args = parser.parse_args()

    redis_proc, redis_url = start_redis()
    procs = [redis_proc]
    env = {"XINQING_REDIS_URL": redis_url, "XINQING_SECRET_KEY": SECRET,
           "XINQING_ADMIN_TOKEN": ADMIN, "XINQING_RATELIMIT_ENABLED": "false",
           "XINQING_LOG_LEVEL": "WARNING", "BENCH_REDIS_URL": redis_url, "BENCH_SECRET": SECRET}
    try:
        if args.wait:
            procs.append(start_replica(redis_url))
        servers = {}
        for name, spec, extra in (("echo", "bench.echo_app:create_app()", {}),
                                  ("floor", "bench.floor_app:create_app()", {}),
                                  ("xinqing", "service:create_app()", {}),
                                  *((("wait", "service:create_app()",
                                      {"XINQING_WAIT_REPLICAS": "1"}),) if args.wait else ()),
                                  *((("before", "bench.pipeline:xinqing_marshmallow_dump()",
                                      {}),) if args.before else ())):
            proc, base = start_gunicorn(spec, args.workers, {**env, **extra})
            procs.append(proc)
            servers[name] = (proc, base)
        if args.against:
            proc, base = start_gunicorn("service:create_app()", args.workers, env,
                                        cwd=checkout(args.against))
            procs.append(proc)
            servers["against"] = (proc, base)
        base = servers["xinqing"][1]
        requests.post(f"{base}/v1/admin/sites", json={"site": "bench"},
                      headers={"Authorization": f"Bearer {ADMIN}"}, timeout=5).raise_for_status()
        with ThreadPoolExecutor(16) as pool:
            tokens = list(pool.map(lambda _: requests.post(
                f"{base}/v1/sites/bench/readers", timeout=5).json()["reader_token"], range(2000)))
        quoted = ", ".join(json.dumps(t) for t in tokens)
        put_path = f"/v1/sites/bench/articles/{ARTICLE}/reactions/mine"
        get_path = f"/v1/sites/bench/articles/{ARTICLE}/reactions"
        pids = lambda name, writes=True: [servers[name][0].p.pid] + ([redis_proc.p.pid] if writes else [])
        targets = {  # name -> (url, wrk script, pids whose CPU it costs)
            "echo": (servers["echo"][1] + "/echo", _lua(ECHO_SCRIPT), pids("echo", False)),
            "floor PUT": (servers["floor"][1] + f"/floor/bench/{ARTICLE}/reaction",
                          _lua(VOTE_WRK_SCRIPT % (quoted, f"/floor/bench/{ARTICLE}/reaction")),
                          pids("floor")),
            "xinqing PUT": (base + put_path, _lua(VOTE_WRK_SCRIPT % (quoted, put_path)),
                            pids("xinqing")),
            "floor GET": (servers["floor"][1] + f"/floor/bench/{ARTICLE}/counts", None,
                          pids("floor")),
            "xinqing GET": (base + get_path, None, pids("xinqing")),
        }
        if args.wait:
            targets["xinqing PUT, WAIT 1"] = (servers["wait"][1] + put_path,
                                             _lua(VOTE_WRK_SCRIPT % (quoted, put_path)), pids("wait"))
        if args.before:
            targets["before PUT"] = (servers["before"][1] + put_path,
                                     _lua(VOTE_WRK_SCRIPT % (quoted, put_path)), pids("before"))
            targets["before GET"] = (servers["before"][1] + get_path, None, pids("before"))
        if args.against:
            targets[f"{args.against} PUT"] = (servers["against"][1] + put_path,
                                              _lua(VOTE_WRK_SCRIPT % (quoted, put_path)),
                                              pids("against"))
            targets[f"{args.against} GET"] = (servers["against"][1] + get_path, None,
                                              pids("against"))
        for url, script, _ in targets.values():  # warm up: imports, scripts, pools
            wrk(url, script, 2, args.connections)
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        print(f"gunicorn sync x{args.workers} each, wrk -c{args.connections}, {args.seconds} s "
              f"per run, {args.rounds} interleaved rounds")
        for i in range(args.rounds):
            cells = []
            for name, (url, script, who) in targets.items():
                run = wrk(url, script, args.seconds, args.connections, pids=who)
                if run["non2xx"]:
                    print(f"  WARNING: {run['non2xx']} non-2xx answers from {name}")
                runs[name].append(run)
                cells.append(f"{name} {run['rps']:.0f}")
            print(f"round {i + 1}: " + " | ".join(cells) + " req/s")

        def med(name, field="rps"):
            return statistics.median(r[field] for r in runs[name])

        def per_round(a, b):  # the ratio within each round, then its median and spread
            ratios = [x["rps"] / y["rps"] for x, y in zip(runs[a], runs[b])]
            return statistics.median(ratios), min(ratios), max(ratios)

        print("\nmedians (req/s, p99 ms, CPU µs per request incl. Redis):")
        for name in targets:
            print(f"  {name:22s} {med(name):7.0f}  p99 {med(name, 'p99_ms'):6.1f}  "
                  f"cpu {med(name, 'cpu_us'):5.0f}")
        print("\nratios (median of per-round ratios [min-max]):")
        for a, b, goal in (("xinqing PUT", "floor PUT", " (goal >= 0.8)"),
                           ("xinqing GET", "floor GET", " (goal >= 0.8)"),
                           ("floor PUT", "echo", ""), ("floor GET", "echo", ""),
                           *((("xinqing PUT, WAIT 1", "xinqing PUT", " (the cost of WAIT)"),)
                             if args.wait else ()),
                           *((("before PUT", "floor PUT", " (marshmallow's dump)"),
                              ("before GET", "floor GET", " (marshmallow's dump)"))
                             if args.before else ()),
                           *(((f"{args.against} PUT", "floor PUT", ""),
                              (f"{args.against} GET", "floor GET", ""),
                              ("xinqing PUT", f"{args.against} PUT", " (this tree / REV)"),
                              ("xinqing GET", f"{args.against} GET", " (this tree / REV)"))
                             if args.against else ())):
            m, lo, hi = per_round(a, b)
            print(f"  {a} / {b}: {m:.2f} [{lo:.2f}-{hi:.2f}]{goal}")
        print(f"  by CPU per request: xinqing PUT / floor PUT "
              f"{med('floor PUT', 'cpu_us') / med('xinqing PUT', 'cpu_us'):.2f}, "
              f"xinqing GET / floor GET "
              f"{med('floor GET', 'cpu_us') / med('xinqing GET', 'cpu_us'):.2f}")
        if args.against:
            print(f"  by CPU per request: {args.against} PUT / floor PUT "
                  f"{med('floor PUT', 'cpu_us') / med(args.against + ' PUT', 'cpu_us'):.2f}, "
                  f"{args.against} GET / floor GET "
                  f"{med('floor GET', 'cpu_us') / med(args.against + ' GET', 'cpu_us'):.2f}")
    finally:
        for proc in reversed(procs):
            proc.stop()


if __name__ == "__main__":
    main()
