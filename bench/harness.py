"""Shared benchmark plumbing: a private redis-server, gunicorn servers, wrk runs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

# Shared by the benchmarks: tokens of the private servers they start, and a comment body.
SECRET = "bench-secret-0123456789abcdef"
ADMIN = "bench-admin-token-0123456789"
BODY = ("这篇报道写得很好，希望有关部门尽快落实相关政策，让老百姓真正得到实惠。"
        "同时也期待后续的跟踪报道，看看具体的执行效果如何。")


def checkout(rev: str) -> Path:
    """This repository's tree at git revision `rev`, unpacked into a temporary directory."""
    target = Path(tempfile.mkdtemp(prefix="xq-bench-rev-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


class Proc:
    def __init__(self, args, env=None, cwd=ROOT):
        self.log = tempfile.NamedTemporaryFile(prefix="xq-bench-", suffix=".log", delete=False)
        self.p = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=cwd,
                                  stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        os.unlink(self.log.name)


def start_redis() -> tuple[Proc, str]:
    port = free_port()
    proc = Proc([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", tempfile.mkdtemp(prefix="xq-bench-")])
    import redis

    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def start_gunicorn(app_spec: str, workers: int, env: dict[str, str],
                   worker_class: str = "sync", extra: tuple[str, ...] = (),
                   cwd: Path = ROOT) -> tuple[Proc, str]:
    """gunicorn serving `app_spec` from the code in `cwd` (this tree, or a checkout)."""
    port = free_port()
    proc = Proc([sys.executable, "-m", "gunicorn", "-c", "python:service.gunicorn_conf",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                 "--worker-class", worker_class, *extra, app_spec],
                env={**env, "PYTHONPATH": str(cwd)} if cwd != ROOT else env, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz")
    return proc, base


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and their children (gunicorn workers), from /proc."""
    total = 0
    seen = set()
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / TICK


def wrk(url: str, script: str | None, seconds: int, connections: int, threads: int = 1,
        pids: list[int] = ()) -> dict:
    """Run wrk; return requests/s, p50/p99 latency (ms), non-2xx count and the CPU µs per
    request spent by `pids` and their children (the servers: less noisy than requests/s on
    a shared machine)."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        args += ["-s", script]
    before = cpu_seconds(list(pids))
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(list(pids)) - before
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def lat(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rps, "p50_ms": lat(50), "p99_ms": lat(99),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "cpu_us": used / max(requests_done, 1) * 1e6}


# A wrk script that votes as many readers (tokens, %-formatted in with the path): each
# request the next reader, moods in turn, so every PUT changes a vote.
VOTE_WRK_SCRIPT = """
tokens = {%s}
moods = {"happy", "sad", "like", "meh"}
counter = 0
request = function()
  counter = counter + 1
  local t = tokens[(counter %% #tokens) + 1]
  local m = moods[(math.floor(counter / #tokens) %% 4) + 1]
  return wrk.format("PUT", "%s", {["X-Reader-Token"] = t, ["Content-Type"] = "application/json"},
                    '{"mood": "' .. m .. '"}')
end
"""
