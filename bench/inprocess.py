"""Per-request CPU of the hot endpoints, in-process (no gunicorn, no wrk): steadier than wrk.

    .venv/bin/python bench/inprocess.py [--number 2000] [--repeat 7] [--profile NAME]
    .venv/bin/python bench/inprocess.py --calls [--only NAME ...]

Starts a private redis-server, builds the bare echo app (bench/echo_app.py) and xinqing the
way gunicorn serves them (prometheus-client multiprocess mode, access log on, written to
/dev/null, rate limits off), then calls each app's WSGI callable directly with a prepared
environ, in a timeit loop, (and the floors of bench/floor_app.py) and prints the best µs per request of several repeats (wall
time, which includes waiting for Redis, and this process's CPU time) and the ratio
echo/endpoint (how many of this endpoint fit in the time of one echo: comparable to
the throughput ratios of bench/reaction_put.py and bench/comments.py). `--profile NAME`
instead runs NAME under cProfile and prints the time per package. `--calls` prints the
Python function calls per request of each endpoint (cProfile's count, after a warm-up):
deterministic, so a change is measured exactly whatever the machine is doing.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import os
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN, BODY, SECRET, start_redis  # noqa: E402



def _environ(path: str, method: str = "GET", body: bytes | None = None,
             headers: dict | None = None) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, method=method, data=body, headers=headers or {},
                             content_type="application/json" if body is not None else None)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _caller(app, environ: dict, bodies=None):
    """A no-argument function answering one request (a fresh input stream each time)."""
    status_seen = []

    def start_response(status, headers, exc_info=None):
        status_seen.append(status)

    bodies = itertools.cycle(bodies or [b""])

    def call():
        env = environ.copy()
        body = next(bodies)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        result = app(env, start_response)
        for _ in result:
            pass
        if hasattr(result, "close"):
            result.close()
        status = status_seen.pop()
        if not status.startswith(("200", "204")):
            raise SystemExit(f"{environ['PATH_INFO']}: {status}")

    return call


APPS: dict = {}


def build(redis_url: str) -> dict:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="xq-prom-")
    os.environ["BENCH_REDIS_URL"] = redis_url
    os.environ["BENCH_SECRET"] = SECRET
    import echo_app
    import floor_app
    from service import create_app

    echo = echo_app.create_app()
    floor = floor_app.create_app()
    app = create_app({"REDIS_URL": redis_url, "SECRET_KEY": SECRET, "ADMIN_TOKEN": ADMIN,
                      "RATELIMIT_ENABLED": False, "LOG_LEVEL": "WARNING"})
    for handler in logging.getLogger().handlers:  # the access log goes nowhere, but is written
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))
    client = app.test_client()
    r = client.post("/v1/admin/sites", json={"site": "bench"},
                    headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 201, r.get_json()
    token = client.post("/v1/sites/bench/readers").get_json()["reader_token"]
    for i in range(50):
        r = client.post("/v1/sites/bench/articles/a1/comments",
                        json={"body": f"{i} {BODY}", "author_name": f"读者{i}"},
                        headers={"X-Reader-Token": token})
        assert r.status_code == 201, r.get_json()

    APPS.update(echo=echo, xinqing=app)  # for experiments that switch parts off
    moods = [b'{"mood": "happy"}', b'{"mood": "sad"}']
    put_headers = {"X-Reader-Token": token}
    return {
        "echo": _caller(echo, _environ("/echo", "PUT", moods[0], put_headers), moods),
        "floor (view + 1 Lua)": _caller(echo, _environ("/lua", "PUT", moods[0], put_headers),
                                        moods),
        "floor PUT": _caller(floor, _environ("/floor/bench/38012345/reaction", "PUT", moods[0],
                                             put_headers), moods),
        "floor GET": _caller(floor, _environ("/floor/bench/38012345/counts")),
        "healthz": _caller(app, _environ("/healthz")),
        "reaction PUT": _caller(app, _environ(
            "/v1/sites/bench/articles/38012345/reactions/mine", "PUT", moods[0], put_headers),
            moods),
        "reactions GET": _caller(app, _environ("/v1/sites/bench/articles/38012345/reactions")),
        "comment page GET": _caller(app, _environ(
            "/v1/sites/bench/articles/a1/comments?sort=new&limit=50")),
    }


def _profiled(call, number: int, warmup: int):
    """pstats.Stats of `number` calls of `call` after `warmup` unprofiled ones."""
    import cProfile
    import pstats

    for _ in range(warmup):
        call()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(number):
        call()
    prof.disable()
    return pstats.Stats(prof)


def profile(call, number: int) -> None:
    from collections import defaultdict

    stats = _profiled(call, number, warmup=200)
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif str(ROOT) in filename:
            package = filename.split(str(ROOT) + "/")[1]
        elif filename.startswith("~") or filename.startswith("<"):
            package = "builtins"
        else:
            package = "stdlib:" + Path(filename).stem
        by_package[package] += tottime
    total = sum(by_package.values())
    print(f"{total / number * 1e6:.1f} µs per request under cProfile")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {seconds / number * 1e6:7.1f} µs  {package}")
    stats.sort_stats("tottime").print_stats(30)


def calls_per_request(call, number: int = 200) -> float:
    """Python function calls (cProfile's count, C functions included) per request."""
    # warm-up: caches, pools, scripts
    return _profiled(call, number, warmup=300).total_calls / number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", metavar="NAME", help="profile one endpoint instead")
    parser.add_argument("--only", nargs="*", help="time only these endpoints (and echo)")
    parser.add_argument("--calls", action="store_true",
                        help="print Python function calls per request instead of timings")
    args = parser.parse_args()

    redis_proc, redis_url = start_redis()
    try:
        calls = build(redis_url)
        if args.profile:
            profile(calls[args.profile], args.number)
            return
        if args.calls:
            for name in calls:
                if not args.only or name in args.only:
                    print(f"{name:22s} {calls_per_request(calls[name]):7.0f} calls per request")
            return
        names = [n for n in calls if not args.only or n == "echo" or n in args.only]
        for name in names:  # warm up
            for _ in range(200):
                calls[name]()
        wall = {name: float("inf") for name in names}
        cpu = dict(wall)
        for _ in range(args.repeat):  # interleaved, so a noisy moment hits every endpoint
            for name in names:
                c0 = time.process_time()
                t = timeit.timeit(calls[name], number=args.number) / args.number * 1e6
                wall[name] = min(wall[name], t)
                cpu[name] = min(cpu[name], (time.process_time() - c0) / args.number * 1e6)
        print(f"{'':22s} {'wall':>9s} {'ratio':>6s} {'CPU':>9s} {'ratio':>6s}  (best of "
              f"{args.repeat} x {args.number}; ratio = echo/this)")
        for name in names:
            print(f"{name:22s} {wall[name]:6.1f} µs {wall['echo'] / wall[name]:6.2f} "
                  f"{cpu[name]:6.1f} µs {cpu['echo'] / cpu[name]:6.2f}")
    finally:
        redis_proc.stop()


if __name__ == "__main__":
    main()
