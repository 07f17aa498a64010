"""Benchmark: 相关阅读 and 推荐阅读 per call, next to a ranking read, at two site sizes.

    .venv/bin/python bench/reading.py [--small 10000] [--large 1000000] [--calls 1000]

Fills two private redis-servers the way bench/rankings.py does (articles over a year,
1-4 votes each, 20 channels), plus 200 "targets" published within the last day with 8-15
votes each (so their 相关阅读 uses the mood basis). Then, in-process through the domain layer,
taking each measured call in turn (all measures and both sizes interleaved, so load on the
shared machine hits them alike), the median wall time and the Redis CPU per call (INFO cpu
of the redis-server process) of:

* a ranking read (`by=hot&window=7d&limit=10`), the yardstick (its ratio is what to trust);
* 相关阅读 computed afresh (per-worker cache off): meta read, the candidate script on the site
  and channel scopes (one pipeline), the candidates' meta, then the items' records;
* 相关阅读 from the per-worker cache: the items' records only;
* 推荐阅读's first page from an existing snapshot, a later page, and making a snapshot.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rankings import HL, MOODS, NOW, Size, article_id, at_two_sizes, size_parser  # noqa: E402
from service.domain.rankings import record_ops  # noqa: E402
from service.domain.reading import Reading  # noqa: E402
from service.store import load_script  # noqa: E402
from service.store.rankings import decode_records, flat_ops  # noqa: E402
from service.store.reading import ReadingStore  # noqa: E402

TARGETS = 200


class ReadingSize:
    def __init__(self, n: int, seed: int) -> None:
        self.size = Size(n, seed)
        store = self.size.store
        store.reading = ReadingStore(store.client, store.keys, load_script, store.rankings)
        self.targets = self._targets(random.Random(seed + 2))
        clock = lambda: NOW  # noqa: E731
        self.fresh = Reading(store, self.size.sites, "bench-secret-0123456789",
                             clock=clock, half_life_hours=HL, related_cache_seconds=0)
        self.cached = Reading(store, self.size.sites, "bench-secret-0123456789",
                              clock=clock, half_life_hours=HL, related_cache_seconds=3600)
        self.out = self.size.out

    def _targets(self, rng: random.Random) -> list[str]:
        """Fresh articles with enough votes in the last 7 days for the mood basis."""
        store, site = self.size.store, "bench"
        rk, k = store.rankings, store.keys
        pipe = store.client.pipeline(transaction=False)
        names = []
        for t in range(TARGETS):
            article = f"t{t}"
            channel = f"ch{t % 20}"
            lean = rng.choice(MOODS)
            records = {f"tr{t}-{j}": f"{lean if rng.random() < 0.6 else rng.choice(MOODS)}|"
                                     f"{NOW - rng.randrange(86400)}"
                       for j in range(rng.randrange(8, 16))}
            counts: dict[str, int] = {}
            for rec in records.values():
                counts["r:" + rec.split("|")[0]] = counts.get("r:" + rec.split("|")[0], 0) + 1
            pipe.hset(k.votes(site, article), mapping=records)
            pipe.hset(k.numbers(site, article), mapping=counts)
            pipe.hset(k.meta(site, article), mapping={
                "title": f"新闻 {article}", "url": f"https://news.example.com/{article}.html",
                "channel": channel, "published_at": "2026-09-21T00:00:00Z"})
            ops = record_ops(decode_records(records, {}))
            for scope in (None, channel):
                rk.scripts["rank_apply"](keys=rk.scope_keys(site, scope, list(MOODS)),
                                         args=[NOW, HL, article, len(MOODS), *MOODS, len(ops),
                                               *flat_ops(ops)], client=pipe)
            names.append(article)
        pipe.execute()
        return names

    def redis_cpu(self) -> float:
        """The redis-server process's CPU seconds so far (INFO cpu: user + system), which
        counts everything a call costs it, network I/O included."""
        cpu = self.size.client.info("cpu")
        return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])

    def close(self) -> None:
        self.size.close()


def measure(sizes, calls: int) -> None:
    """Every measured call in turn, size by size, `calls` rounds: machine load (the machine is
    shared) hits every measure alike, so the ratios hold even when absolute times wander.
    Redis CPU per call is the redis-server's CPU across the call, less that of an empty
    step (the two INFO calls around it)."""
    for s in sizes:   # fill the per-worker cache and the feed snapshot
        for t in s.targets:
            s.cached.related("bench", t, 6)
        s.first = s.fresh.feed("bench", None, 10, None)
        assert len(s.first["items"]) == 10, s.first
        s.snapshot = s.size.store.keys.feed_snapshot("bench", None, NOW // 60 * 60)

    def new_snapshot(s, i):
        s.size.client.delete(s.snapshot)
        s.fresh.feed("bench", None, 10, None)

    steps = {
        "(empty step)": lambda s, i: None,
        "ranking read hot 7d": lambda s, i: s.size.rankings.ranking("bench", "hot", "7d", None, 10),
        "related, computed": lambda s, i: s.fresh.related("bench", s.targets[i % TARGETS], 6),
        "related, hot basis": lambda s, i: s.fresh.related(
            "bench", article_id(i * 7919 % s.size.n), 6),
        "related, cached": lambda s, i: s.cached.related("bench", s.targets[i % TARGETS], 6),
        "feed new snapshot": new_snapshot,
        "feed first page": lambda s, i: s.fresh.feed("bench", None, 10, None),
        "feed next page": lambda s, i: s.fresh.feed("bench", None, 10, s.first["next_cursor"]),
    }
    wall = {(j, name): [] for j in range(len(sizes)) for name in steps}
    cpu = {(j, name): 0.0 for j in range(len(sizes)) for name in steps}
    for i in range(calls):
        for j, s in enumerate(sizes):
            for name, fn in steps.items():
                before = s.redis_cpu()
                t = time.perf_counter()
                fn(s, i)
                wall[(j, name)].append(time.perf_counter() - t)
                cpu[(j, name)] += s.redis_cpu() - before
    for j, s in enumerate(sizes):
        empty = cpu[(j, "(empty step)")]
        for name in steps:
            if name != "(empty step)":
                s.out[name] = (statistics.median(wall[(j, name)]),
                               max(0.0, cpu[(j, name)] - empty) / calls * 1e6)
        s.out["snapshot entries"] = s.size.client.llen(s.snapshot)
        s.out["snapshot bytes"] = s.size.client.memory_usage(s.snapshot)


def main() -> None:
    parser = size_parser(__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    sizes = at_two_sizes(args, ReadingSize, lambda sizes: measure(sizes, args.calls))
    base = "ranking read hot 7d"
    for s in sizes:
        out = s.out
        print(f"{out['articles']} articles (snapshot: {out['snapshot entries']} entries, "
              f"{out['snapshot bytes']} B):")
        for key, value in out.items():
            if isinstance(value, tuple):
                wall, cpu = value
                print(f"  {key:22s} {wall * 1e6:8.0f} µs median wall ({wall / out[base][0]:.2f}x "
                      f"the ranking read), Redis {cpu:6.0f} µs/call")
    small, large = (s.out for s in sizes)
    print(f"\n{large['articles']}/{small['articles']} articles, wall ratio:")
    for key, value in small.items():
        if isinstance(value, tuple):
            print(f"  {key:22s} {large[key][0] / value[0]:.2f}")


if __name__ == "__main__":
    main()
