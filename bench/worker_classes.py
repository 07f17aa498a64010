"""Measure gunicorn worker classes on the reaction PUT (the hot write) with wrk.

    .venv/bin/python bench/worker_classes.py [--duration 10] [--connections 32]
        [--only sync:4,gthread:2x4,gevent:2] [--source DIR]

Starts a private redis-server on a free port, creates a site and a few reader tokens, then for
each worker configuration starts `gunicorn -c gunicorn.conf.py 'service:create_app()'` and runs
wrk with a Lua script that PUTs alternating moods with rotating reader tokens (so the Lua vote
script really moves votes). Rate limits are off. Prints req/s, p50 and p99 and the ratio to the
first configuration. `--source DIR` runs another checkout's code with this venv (to compare
before/after a change, e.g. the cost of metrics). Needs wrk, redis-server and, for gevent,
`pip install gevent packaging`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import free_port, wait_http  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-0123456789abcdef"
ADMIN = "bench-admin-token-0123456789"

LUA = r"""
local tokens = {%s}
local moods = {"happy", "sad", "like", "meh"}
local n = 0
request = function()
  n = n + 1
  local t = tokens[(n %% #tokens) + 1]
  local m = moods[(math.floor(n / #tokens) %% #moods) + 1]
  return wrk.format("PUT", "/v1/sites/bench/articles/a" .. (n %% 50) .. "/reactions/mine",
    {["Content-Type"] = "application/json", ["X-Reader-Token"] = t},
    '{"mood": "' .. m .. '"}')
end
"""


def call(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def parse_wrk(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else ""}


def workers_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of the master's worker processes so far."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for child in Path(f"/proc/{master_pid}/task").glob("*/children"):
        for pid in child.read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def run_one(spec: str, redis_url: str, tokens: list[str], args) -> dict:
    kind, _, shape = spec.partition(":")
    workers, _, threads = shape.partition("x")
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(Path(args.source) / "gunicorn.conf.py"),
           "--bind", f"127.0.0.1:{port}", "--workers", workers, "--worker-class", kind]
    cmd += ["--threads", threads or "1"]
    if kind == "gevent":
        cmd += ["--worker-connections", "1000"]
    cmd.append("service:create_app()")
    env = {**os.environ, "XINQING_REDIS_URL": redis_url, "XINQING_SECRET_KEY": SECRET,
           "XINQING_ADMIN_TOKEN": ADMIN, "XINQING_RATELIMIT_ENABLED": "false",
           "XINQING_LOG_LEVEL": "WARNING", "XINQING_ACCESS_LOG": args.access_log,
           "XINQING_WORKER_CLASS": kind, "XINQING_WORKERS": workers,
           "XINQING_THREADS": threads or "1"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=args.source, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write(LUA % ", ".join(f'"{t}"' for t in tokens))
        script.close()
        base = f"http://127.0.0.1:{port}"
        # warm up every worker (settings cache, script registration)
        subprocess.run(["wrk", "-t1", "-c8", "-d2s", "-s", script.name, base],
                       capture_output=True, check=True)
        cpu_before = workers_cpu_seconds(proc.pid)
        out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s",
                              "--latency", "-s", script.name, base],
                             capture_output=True, text=True, check=True).stdout
        cpu = workers_cpu_seconds(proc.pid) - cpu_before
        os.unlink(script.name)
        done = int(re.search(r"(\d+) requests in", out).group(1))
        # CPU per request is steadier than req/s on a machine shared with other work.
        return {"spec": spec, "cpu_us": cpu / max(done, 1) * 1e6, **parse_wrk(out)}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        tail = log.read().decode(errors="replace")
        if proc.returncode not in (0, -15) and "Traceback" in tail:
            print(tail[-2000:], file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default="sync:4,sync:2,gthread:2x4,gthread:4x4,gevent:2,gevent:4")
    parser.add_argument("--source", default=str(ROOT))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--access-log", default="false", help="XINQING_ACCESS_LOG for the runs")
    args = parser.parse_args()
    # SIGTERM (e.g. kill of the bench) still runs the finally blocks that stop gunicorn/Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    rport = free_port()
    rdir = tempfile.mkdtemp(prefix="xq-bench-redis-")
    redis_proc = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(rport), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", rdir],
        stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{rport}/0"
    try:
        time.sleep(0.5)
        # one short-lived server to create the site and reader tokens
        first = args.only.split(",")[0]
        port = free_port()
        env = {**os.environ, "XINQING_REDIS_URL": redis_url, "XINQING_SECRET_KEY": SECRET,
               "XINQING_ADMIN_TOKEN": ADMIN, "XINQING_RATELIMIT_ENABLED": "false"}
        setup = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c",
                                  str(Path(args.source) / "gunicorn.conf.py"), "--bind",
                                  f"127.0.0.1:{port}", "--workers", "1", "service:create_app()"],
                                 cwd=args.source, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz")
        call("POST", base + "/v1/admin/sites", {"site": "bench"},
             {"Authorization": f"Bearer {ADMIN}"})
        tokens = [call("POST", base + "/v1/sites/bench/readers", {})["reader_token"]
                  for _ in range(64)]
        setup.send_signal(signal.SIGTERM)
        setup.wait(20)
        del first

        results = []
        for _ in range(args.repeat):
            for spec in args.only.split(","):
                results.append(run_one(spec, redis_url, tokens, args))
                r = results[-1]
                print(f"{r['spec']:>12}  {r['rps']:8.0f} req/s  {r['cpu_us']:6.0f} us CPU/req  "
                      f"p50 {r['p50_ms']:6.2f} ms  "
                      f"p99 {r['p99_ms']:7.2f} ms  non2xx {r['non2xx']}  {r['socket_errors']}",
                      flush=True)
        print("\nmedians; ratios to", results[0]["spec"])
        specs = list(dict.fromkeys(r["spec"] for r in results))

        def median(spec, field):
            values = sorted(r[field] for r in results if r["spec"] == spec)
            mid = len(values) // 2
            return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

        first = specs[0]
        for spec in specs:
            print(f"{spec:>12}  req/s {median(spec, 'rps') / median(first, 'rps'):5.2f}x  "
                  f"CPU/req {median(spec, 'cpu_us') / median(first, 'cpu_us'):5.2f}x  "
                  f"p99 {median(spec, 'p99_ms') / median(first, 'p99_ms'):5.2f}x")
    finally:
        redis_proc.terminate()
        redis_proc.wait(5)
        shutil.rmtree(rdir, ignore_errors=True)


if __name__ == "__main__":
    main()
