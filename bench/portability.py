"""Export and import of a large site: time and peak memory, with in-run baselines.

    .venv/bin/python bench/portability.py [--articles 100000] [--votes 1000000]

Writes a synthetic export (articles with meta and activity, votes cast over 30 days by
readers voting on ~4 articles each, a few comments), then, each as its own `xinqing`
process whose peak RSS is read from wait4():

1. `xinqing import` of it into an empty redis-server (check pass + write pass + rankings
   rebuild), against a baseline: the same votes HSET raw in pipelines of 1,000 (the floor of
   getting the bytes into Redis);
2. `xinqing export` of the imported site, against a baseline: SCAN + one HGETALL of each
   article's vote hash, pipelined (the floor of reading the votes out);
3. `xinqing import` of that export into a second empty redis-server.

Also reports Redis's memory and the per-reader index's share of it. Run by hand; the
machine is shared, so read the ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import ROOT, SECRET, start_redis  # noqa: E402

T_END = 1_764_400_000
MOODS = ("happy", "sad", "like", "meh")


def reader_id(n: int) -> str:
    return f"r{n:015d}"


def synth(path: str, articles: int, votes: int, seed: int = 1,
          flat: bool = False) -> dict[str, int]:
    """A valid export of site `big` (records sorted as the exporter writes them)."""
    rng = random.Random(seed)
    per_article = [0] * articles
    for _ in range(votes):   # skewed: a few hot articles, a long tail (or flat)
        per_article[min(int(rng.paretovariate(1.2)) - 1, articles - 1)
                    if not flat and rng.random() < 0.3 else rng.randrange(articles)] += 1
    readers = max(1, votes // 4)
    ids = sorted(f"{38000000 + i}" for i in range(articles))
    lines = 0
    comments = 0
    with open(path, "wb") as f:
        def w(rec):
            nonlocal lines
            f.write(orjson.dumps(rec) + b"\n")
            lines += 1
        w({"type": "header", "format": "xinqing-export", "version": 1, "site": "big",
           "exported_at": "2025-11-29T00:00:00Z"})
        w({"type": "site", "settings": {"timezone": "Asia/Shanghai"}, "created_at": T_END - 90 * 86400})
        for i, article in enumerate(ids):
            n = per_article[i]
            hour = (T_END - rng.randrange(30 * 86400)) // 3600
            w({"type": "article", "article": article,
               "meta": {"title": f"标题 {article}", "url": f"https://news.example.com/{article}.html",
                        "channel": rng.choice(["gansu", "beijing", "world"]),
                        "updated_at": T_END - 40 * 86400},
               "views": {"pv": n * 3, "uv": n * 2}, "shares": {"wechat": n // 10} if n >= 10 else {},
               "activity": {**({f"v{hour}": n * 3} if n else {}),
                            **({f"s{hour}": n // 10} if n >= 10 else {})},
               "visitors": None, "comment_seq": 2 if i % 50 == 0 else None,
               "comment_version": 2 if i % 50 == 0 else None})
            voters = set()
            while len(voters) < min(n, readers):
                voters.add(rng.randrange(readers))
            for r in sorted(voters):
                w({"type": "vote", "article": article, "reader": reader_id(r),
                   "mood": rng.choice(MOODS), "cast_at": T_END - rng.randrange(30 * 86400)})
            if i % 50 == 0:
                for seq in (1, 2):
                    comments += 1
                    w({"type": "comment", "article": article, "seq": seq, "parent": 0 if seq == 1 else 1,
                       "reader": reader_id(rng.randrange(readers)), "status": "published",
                       "featured": False, "created_at": "2025-11-20T08:00:00Z",
                       "body": "这篇报道写得很好", "author_name": "网友", "hold_reasons": []})
        w({"type": "end", "records": lines, "articles": articles})
    return {"lines": lines, "votes": sum(min(n, readers) for n in per_article),
            "readers": readers, "comments": comments,
            "largest": max(min(n, readers) for n in per_article)}


def run(args: list[str], url: str, stdin=None, stdout=None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one `xinqing` process (its summary line echoed)."""
    env = {**os.environ, "XINQING_REDIS_URL": url, "XINQING_SECRET_KEY": SECRET,
           "XINQING_LOG_LEVEL": "WARNING", "XINQING_REDIS_SOCKET_TIMEOUT": "30"}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", *args], cwd=ROOT, env=env,
                            stdin=stdin, stdout=stdout or subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"xinqing {' '.join(args)} failed:\n{err[-2000:]}")
    print(f"  xinqing {args[0]}: {err.strip().splitlines()[-1][:300]}")
    return wall, usage.ru_maxrss / 1024


def baseline_load(client, path: str) -> float:
    """Pipelined HSETs of every vote (no scripts, no checks): the floor of the import."""
    start = time.monotonic()
    pipe = client.pipeline(transaction=False)
    n = 0
    with open(path, "rb") as f:
        for line in f:
            if line.startswith(b'{"type":"vote"'):
                r = orjson.loads(line)
                pipe.hset(f"base:{{big:{r['article']}}}:rv", r["reader"], f"{r['mood']}|{r['cast_at']}")
                n += 1
                if n % 1000 == 0:
                    pipe.execute()
    pipe.execute()
    return time.monotonic() - start


def baseline_read(client) -> float:
    """SCAN + HGETALL of every article's vote hash, pipelined: the floor of the export."""
    start = time.monotonic()
    batch = []
    for key in client.scan_iter(match="xq:{big:*}:rv", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            pipe = client.pipeline(transaction=False)
            for k in batch:
                pipe.hgetall(k)
            pipe.execute()
            batch = []
    pipe = client.pipeline(transaction=False)
    for k in batch:
        pipe.hgetall(k)
    pipe.execute()
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--flat", action="store_true",
                        help="votes spread evenly (no hot article): peak memory then shows "
                             "what the site's size costs, not its largest article")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="xq-bench-data-")
    source = os.path.join(work, "synthetic.jsonl")
    exported = os.path.join(work, "exported.jsonl")
    t = time.monotonic()
    facts = synth(source, args.articles, args.votes, flat=args.flat)
    print(f"synthetic export: {facts['lines']:,} lines, {facts['votes']:,} votes by "
          f"{facts['readers']:,} readers (largest article {facts['largest']:,} votes), "
          f"{facts['comments']:,} comments, "
          f"{os.path.getsize(source) / 2**20:.0f} MiB ({time.monotonic() - t:.0f} s to write)")
    redis_a, url_a = start_redis()
    redis_b, url_b = start_redis()
    try:
        a = redis.Redis.from_url(url_a, decode_responses=True)
        base_load = baseline_load(a, source)
        for key in a.scan_iter(match="base:*", count=1000):
            a.delete(key)
        imp_wall, imp_rss = run(["import", source], url_a)
        mem = a.info("memory")["used_memory"]
        index = sum(a.memory_usage(k) or 0 for k in a.scan_iter(match="xq:rd:*", count=1000))
        base_read = baseline_read(a)
        with open(exported, "wb") as out:
            exp_wall, exp_rss = run(["export", "big"], url_a, stdout=out)
        reimp_wall, reimp_rss = run(["import", exported], url_b)
        b = redis.Redis.from_url(url_b, decode_responses=True)
        same = (b.info("keyspace").get("db0", {}).get("keys")
                == a.info("keyspace").get("db0", {}).get("keys"))
    finally:
        redis_a.stop()
        redis_b.stop()
    votes = facts["votes"]
    print(f"import (check + write + rankings rebuild): {imp_wall:6.1f} s, peak RSS "
          f"{imp_rss:5.0f} MiB, {imp_wall / votes * 1e6:5.1f} µs/vote; baseline raw HSET load "
          f"{base_load:.1f} s -> {imp_wall / base_load:.1f}x")
    print(f"export:                                    {exp_wall:6.1f} s, peak RSS "
          f"{exp_rss:5.0f} MiB, {exp_wall / votes * 1e6:5.1f} µs/vote; baseline SCAN+HGETALL "
          f"{base_read:.1f} s -> {exp_wall / base_read:.1f}x; "
          f"{os.path.getsize(exported) / 2**20:.0f} MiB")
    print(f"import of that export into an empty Redis:  {reimp_wall:6.1f} s, peak RSS "
          f"{reimp_rss:5.0f} MiB (same key count: {same})")
    print(f"Redis used_memory after import {mem / 2**20:.0f} MiB; the per-reader index "
          f"{index / 2**20:.1f} MiB = {index / votes:.1f} B/vote over {facts['readers']:,} "
          f"readers ({index / facts['readers']:.0f} B/reader)")


if __name__ == "__main__":
    main()
