"""Benchmark: ranking reads and reaction writes at 10k vs 1M articles; bytes per standing vote.

    .venv/bin/python bench/rankings.py [--small 10000] [--large 1000000] [--reads 2000]

For each size it starts a private redis-server on a free port, fills it directly (pipelined
writes of the article records, and the rankings through the service's own rank_apply script,
not HTTP, to keep it quick), then measures in-process through the domain layer:

* a ranking read (`Rankings.ranking`: the read script + the pipelined meta fetch), per window,
  site-wide and for one channel;
* a reaction write (`Rankings.set_vote`: the one-round-trip script), wall time per call and
  Redis CPU per call (INFO commandstats);
* Redis memory per standing vote: article records alone, and with the ranking structures.

Articles: ids 38000000+i, each in one of 20 channels, published at a uniform time over the
last 365 days (5% of them within the last 20 hours), with 1-4 standing votes (random moods)
cast within 48 hours of publication. So `all` holds every article, `30d` about 1/8 of them,
`24h` about 1/20: every measured list is full (limit 10) at both sizes.
The clock is fixed during a run, so no roll happens while measuring (a roll's cost is
proportional to what leaves the windows that hour; docs/rankings.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402

from service.domain.rankings import Rankings, record_ops  # noqa: E402
from service.domain.sites import SiteDirectory  # noqa: E402
from service.store import Store  # noqa: E402
from service.store.rankings import decode_records, flat_ops  # noqa: E402

MOODS = ("happy", "sad", "like", "meh")
CHANNELS = [f"ch{i}" for i in range(20)]
NOW = 1_790_000_000 // 3600 * 3600 + 1800
HL = 12.0
WINDOWS = ("24h", "30d", "all")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="xq-bench-rk-")
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def used_memory(client) -> int:
    client.execute_command("MEMORY", "PURGE")
    return int(client.info("memory")["used_memory"])


def article_id(i: int) -> str:
    return str(38_000_000 + i)


def populate(store: Store, site: str, n: int, rng: random.Random) -> tuple[int, int, int]:
    """Fill n articles; return (standing votes, bytes before rankings, bytes after)."""
    client, k, rk = store.client, store.keys, store.rankings
    base = used_memory(client)
    votes_total = 0
    plan = []
    batch = client.pipeline(transaction=False)
    for i in range(n):
        article = article_id(i)
        # 5% published within the last 20 hours, so every window holds more than `limit`
        # articles at both sizes (a read's cost depends on how many items it returns)
        fresh = i % 19 == 7   # 19: spread over all 20 channels
        published = NOW - rng.randrange(20 * 3600 if fresh else 365 * 86400)
        records = {}
        for _ in range(1 + i % 4):
            reader = "%016x" % rng.getrandbits(64)
            cast = min(NOW, published + rng.randrange(48 * 3600))
            records[reader] = f"{rng.choice(MOODS)}|{cast}"
        votes_total += len(records)
        counts: dict[str, int] = {}
        for rec in records.values():
            counts["r:" + rec.split("|")[0]] = counts.get("r:" + rec.split("|")[0], 0) + 1
        channel = CHANNELS[i % len(CHANNELS)]
        batch.hset(k.votes(site, article), mapping=records)
        batch.hset(k.numbers(site, article), mapping=counts)
        batch.hset(k.meta(site, article), mapping={
            "title": f"新闻 {article}", "url": f"https://news.example.com/{article}.html",
            "channel": channel})
        plan.append((article, channel, record_ops(decode_records(records, {}))))
        if len(batch) >= 3000:
            batch.execute()
    batch.execute()
    records_bytes = used_memory(client) - base

    script = rk.scripts["rank_apply"]
    moods = list(MOODS)
    pipe = client.pipeline(transaction=False)
    for j, (article, channel, ops) in enumerate(plan):
        for scope in (None, channel):
            script(keys=rk.scope_keys(site, scope, moods),
                   args=[NOW, HL, article, len(moods), *moods, len(ops), *flat_ops(ops)],
                   client=pipe)
        if j % 1000 == 999:
            pipe.execute()
    pipe.execute()
    total_bytes = used_memory(client) - base
    return votes_total, records_bytes, total_bytes


def redis_usec(client, command: str) -> float:
    stats = client.info("commandstats").get(f"cmdstat_{command}", {})
    return float(stats.get("usec_per_call", 0.0))


class Size:
    """One filled redis-server holding `n` articles, with the domain objects over it."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.server = RedisServer()
        self.client = self.server.client()
        self.store = Store(self.client)
        self.sites = SiteDirectory(self.store, cache=True)
        self.sites.create("bench", {})
        self.site = self.sites.get("bench")
        t = time.perf_counter()
        self.votes, records_bytes, total_bytes = populate(self.store, "bench", n,
                                                          random.Random(seed))
        self.out = {"articles": n, "votes": self.votes, "fill_s": time.perf_counter() - t,
                    "records_bytes_per_vote": records_bytes / self.votes,
                    "bytes_per_vote": total_bytes / self.votes}
        self.rankings = Rankings(self.store, self.sites, clock=lambda: NOW, half_life_hours=HL)
        self.items: dict[str, int] = {}
        for _ in range(50):  # warm scripts, connections, the settings cache
            self.rankings.ranking("bench", "happy", "all", None, 10)

    def close(self) -> None:
        self.sites.close()
        self.server.stop()


def interleaved(sizes: list[Size], name: str, fn, count: int) -> None:
    """Median seconds of fn(size, i) per size, calls alternating between sizes so that
    machine load affects every size alike."""
    samples: list[list[float]] = [[] for _ in sizes]
    for i in range(count):
        for j, size in enumerate(sizes):
            t = time.perf_counter()
            fn(size, i)
            samples[j].append(time.perf_counter() - t)
    for size, got in zip(sizes, samples):
        size.out[name] = statistics.median(got)


def measure(sizes: list[Size], reads: int, writes: int, seed: int) -> None:
    for window in WINDOWS:
        for channel in (None, "ch3"):
            name = f"read {window} {channel or 'site'}"
            interleaved(sizes, name,
                        lambda s, i: s.rankings.ranking("bench", "happy", window, channel, 10),
                        reads)
            for size in sizes:  # a read's cost depends on how many items it returns
                size.items[name] = len(size.rankings.ranking("bench", "happy", window,
                                                             channel, 10)["items"])
    interleaved(sizes, "read moods 24h site",
                lambda s, i: s.rankings.mood_rankings("bench", "24h", None, 5, "zh-CN"), reads)
    # writes: new votes of new readers on random existing articles. The first pass meets
    # each article for the first time in this process (no channel guess: a second round
    # trip for the channel scope); the second pass is the steady state (one round trip).
    wrng = random.Random(seed + 1)
    for size in sizes:
        size.targets = [article_id(wrng.randrange(size.n)) for _ in range(writes)]
    readers = ["w%015x" % wrng.getrandbits(60) for _ in range(2 * writes)]
    interleaved(sizes, "write ranked, cold",
                lambda s, i: s.rankings.set_vote(s.site, s.targets[i], readers[i],
                                                 MOODS[i % 4], NOW), writes)
    for size in sizes:
        size.client.config_resetstat()
    interleaved(sizes, "write ranked",
                lambda s, i: s.rankings.set_vote(s.site, s.targets[i], readers[writes + i],
                                                 MOODS[i % 4], NOW), writes)
    for size in sizes:
        size.out["write ranked redis_us"] = redis_usec(size.client, "evalsha")
        size.client.config_resetstat()


def size_parser(doc: str) -> argparse.ArgumentParser:
    """The options of a benchmark at two site sizes (this one, bench/reading.py)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser


def at_two_sizes(args, make, measure_them) -> list:
    """Fill the two sizes with make(n, seed), run measure_them(sizes), close them; the sizes."""
    sizes = []
    try:
        for n in (args.small, args.large):
            print(f"filling {n} articles…", flush=True)
            sizes.append(make(n, args.seed))
        measure_them(sizes)
    finally:
        for size in sizes:
            size.close()
    return sizes


def main() -> None:
    parser = size_parser(__doc__)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=5000)
    args = parser.parse_args()
    sizes = at_two_sizes(args, Size, lambda sizes: measure(sizes, args.reads, args.writes,
                                                           args.seed))
    results = [size.out for size in sizes]
    items = [size.items for size in sizes]
    for r in results:
        print(f"{r['articles']} articles:")
        print(f"  {r['votes']} standing votes, filled in {r['fill_s']:.0f} s; "
              f"{r['records_bytes_per_vote']:.0f} B/vote article records, "
              f"{r['bytes_per_vote']:.0f} B/vote with rankings", flush=True)
        for key, value in r.items():
            if key.startswith(("read", "write")) and not key.endswith("redis_us"):
                extra = f" (Redis {r[key + ' redis_us']:.1f} µs/call)" if key + " redis_us" in r else ""
                print(f"  {key:22s} {value * 1e6:8.0f} µs median{extra}")
    small, large = results
    print(f"\n{large['articles']}/{small['articles']} articles:")
    for key in small:
        if key.startswith("read"):
            shown = f", items {items[0][key]}/{items[1][key]}" if key in items[0] else ""
            print(f"  {key:22s} latency ratio {large[key] / small[key]:.2f}  (target ≤ 1.3{shown})")
    print(f"  write ranked           wall ratio {large['write ranked'] / small['write ranked']:.2f}, "
          f"Redis CPU ratio {large['write ranked redis_us'] / small['write ranked redis_us']:.2f}")
    print(f"  bytes per standing vote at {large['articles']}: "
          f"{large['bytes_per_vote']:.0f} (article records {large['records_bytes_per_vote']:.0f}, "
          f"rankings {large['bytes_per_vote'] - large['records_bytes_per_vote']:.0f})")


if __name__ == "__main__":
    main()
