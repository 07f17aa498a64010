"""Redis CPU per ranked event and Redis bytes per standing vote (docs/rankings.md, "Cost").

    .venv/bin/python bench/ranking_cost.py [--small 10000] [--large 1000000] [--events 10000]
        [--rate 2000] [--rounds 3] [--baseline REV] [--memory-articles 100000]

Goal 1 (Redis CPU per event). For each size it starts a private redis-server, fills it with
`size` ranked articles (the ranking structures written directly, as `rank_apply.lua` would
leave them; `--check` compares the two on a small site first), then streams events through
the store's write path — new votes (a new reader each) and counted page views (a new
visitor each) — with a simulated clock advancing `--rate` events a second, so the pending
deltas of a scope are applied about once per simulated second, as in production. Redis CPU
is the server's used_cpu_user + used_cpu_sys delta over a run of `--events` events divided
by the events; a run ends by applying every scope's pending deltas, so nothing it caused
is left uncharged. Two spreads of events over articles: Zipf (s = 1; article ranks shuffled
over ids) and viral (half of all events on one article, the rest Zipf). With `--baseline
REV` the same events also run through the write scripts of git revision REV (the write path
before folding: every event applied to every window at once), in the same rounds,
interleaved: the ratios are same-run ratios. With `--split` the Redis Cluster write path
(each write's ops through the article's outbox and `rank_pend` per scope) runs in the same
rounds on the same server.

Goal 3 (memory). A third server holds `--memory-votes` standing votes over
`--memory-articles` articles (published over a year, 5% in the last day, votes cast within
48 hours of publication), ranked; it reports bytes per standing vote of the article records
(vote records and counters), of the meta hashes, and of the ranking structures, and ranking
bytes per ranked article.
"""

from __future__ import annotations

import argparse
import bisect
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rankings import HL, MOODS, NOW, RedisServer, article_id, used_memory  # noqa: E402
from service.domain import ranking_rules as rules  # noqa: E402
from service.store import Store  # noqa: E402
from service.store.keys import VIEW_DEDUPE_SECONDS, VIEW_DEDUPE_TTL  # noqa: E402
from service.store.luagen import lua_prelude  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SITE = "bench"
CHANNELS = [f"ch{i}" for i in range(20)]
HOUR = NOW // 3600
START = HOUR * 3600          # events run from the start of the fill's hour: no roll in a run


# -- fill --------------------------------------------------------------------------------
def article_plan(n: int, votes_each, rng: random.Random):
    """(article, channel, {reader: "mood|cast"}) for n articles."""
    for i in range(n):
        fresh = i % 19 == 7
        published = NOW - rng.randrange(20 * 3600 if fresh else 365 * 86400)
        records = {}
        for _ in range(votes_each(i)):
            reader = "%016x" % rng.getrandbits(64)
            cast = min(NOW, published + rng.randrange(48 * 3600))
            records[reader] = f"{rng.choice(MOODS)}|{cast}"
        yield article_id(i), CHANNELS[i % len(CHANNELS)], records


class ScopeImage:
    """The ranking structures of one scope as rank_apply.lua leaves them at R = E = HOUR."""

    def __init__(self) -> None:
        self.windows: dict[str, dict[str, float]] = defaultdict(dict)
        self.hours: dict[str, int] = {}
        self.hour_of: dict[str, int] = {}
        self.totals: dict[str, int] = defaultdict(int)

    def add(self, article: str, code: str, hour: int, n: int) -> None:
        if hour >= HOUR - rules.KEEP_HOURS:
            for member in (f"{hour}|{code}|{article}", f"{hour}|{code}|"):
                self.hours[member] = self.hours.get(member, 0) + n
                self.hour_of[member] = hour
        self.totals[f"all|{code}"] += n
        hot = n * rules.HOT_POINTS[rules.activity_of(code).code] * 2 ** ((hour - HOUR) / HL)
        for window in rules.WINDOWS:
            if window.hours is None or hour >= HOUR - window.hours:
                for metric, by in ((code, n), (rules.VOTE.metric, n), (rules.HOT, hot)):
                    key = f"{metric}:{window.name}"
                    self.windows[key][article] = self.windows[key].get(article, 0) + by

    def write(self, client, keys, channel: str | None) -> None:
        pipe = client.pipeline(transaction=False)
        pipe.hset(keys.rank_state(SITE, channel), mapping={"R": HOUR, "E": HOUR, **self.totals})
        hc, hx = keys.rank_hour_counts(SITE, channel), keys.rank_hour_index(SITE, channel)
        items = list(self.hours.items())
        for i in range(0, len(items), 1000):
            chunk = items[i:i + 1000]
            pipe.hset(hc, mapping=dict(chunk))
            pipe.zadd(hx, {m: self.hour_of[m] for m, _ in chunk})
        for name, members in self.windows.items():
            metric, _, window = name.rpartition(":")
            key = keys.rank_window(SITE, channel, metric, window)
            floor = rules.HOT_EPSILON if metric == rules.HOT else 0   # as rank_lib.lua drops
            pairs = [(a, s) for a, s in members.items() if s and abs(s) >= floor]
            for i in range(0, len(pairs), 1000):
                pipe.zadd(key, dict(pairs[i:i + 1000]))
            if len(pipe) > 200:
                pipe.execute()
        pipe.execute()


def fill(client, store: Store, plan, ranked: bool = True) -> dict[str, int]:
    """Write the plan's article records (and their rankings); bytes of each part."""
    keys = store.keys
    base = used_memory(client)
    pipe = client.pipeline(transaction=False)
    scopes: dict[str | None, ScopeImage] = defaultdict(ScopeImage)
    votes = articles = 0
    channels = {}
    meta_pipe = []
    for article, channel, records in plan:
        articles += 1
        votes += len(records)
        channels[article] = channel
        counts: dict[str, int] = defaultdict(int)
        for record in records.values():
            counts["r:" + record.split("|")[0]] += 1
        pipe.hset(keys.votes(SITE, article), mapping=records)
        pipe.hset(keys.numbers(SITE, article), mapping=counts)
        meta_pipe.append((article, channel))
        if ranked:
            for record in records.values():
                mood, _, cast = record.partition("|")
                for scope in (None, channel):
                    scopes[scope].add(article, rules.mood_code(mood), int(cast) // 3600, 1)
        if len(pipe) >= 3000:
            pipe.execute()
    pipe.execute()
    records_bytes = used_memory(client) - base
    for article, channel in meta_pipe:
        pipe.hset(keys.meta(SITE, article), mapping={
            "title": f"新闻 {article}", "url": f"https://news.example.com/{article}.html",
            "channel": channel})
        if len(pipe) >= 3000:
            pipe.execute()
    pipe.execute()
    meta_bytes = used_memory(client) - base - records_bytes
    for scope, image in scopes.items():
        image.write(client, keys, scope)
    rank_bytes = used_memory(client) - base - records_bytes - meta_bytes
    return {"articles": articles, "votes": votes, "records": records_bytes, "meta": meta_bytes,
            "rankings": rank_bytes, "channels": channels}


def check_fill(n: int = 3000) -> None:
    """The direct fill leaves what rank_apply.lua leaves (every ranking key compared)."""
    from service.domain.rankings import record_ops
    from service.store.rankings import decode_records

    plan = list(article_plan(n, lambda i: 1 + i % 4, random.Random(3)))
    dumps = []
    for direct in (True, False):
        server = RedisServer()
        try:
            client = server.client()
            store = Store(client)
            fill(client, store, plan, ranked=direct)
            if not direct:
                rk = store.rankings
                for article, channel, records in plan:
                    ops = record_ops(decode_records(records, {}))
                    for scope in (None, channel):
                        rk.apply(SITE, scope, article, ops, NOW, list(MOODS), HL)
            dumps.append(ranking_image(client))
        finally:
            server.stop()
    if dumps[0] != dumps[1]:
        for key in sorted(set(dumps[0]) | set(dumps[1])):
            a, b = dumps[0].get(key), dumps[1].get(key)
            if a != b:
                diff = {m: (a.get(m) if a else None, b.get(m) if b else None)
                        for m in set(a or {}) | set(b or {})
                        if (a or {}).get(m) != (b or {}).get(m)}
                print(key, len(diff), list(diff.items())[:3])
        raise SystemExit("the direct fill differs from rank_apply's")
    print(f"fill check: {n} articles, the direct fill equals rank_apply's", flush=True)


def ranking_image(client) -> dict:
    out = {}
    for key in client.scan_iter(match=f"xq:rk:{{{SITE}/*", count=1000):
        kind = client.type(key)
        if kind == "zset":
            out[key] = {m: round(s, 9) for m, s in client.zrange(key, 0, -1, withscores=True)}
        elif kind == "hash":
            out[key] = {f: v for f, v in client.hgetall(key).items() if f != "A"}
    return out


# -- events ------------------------------------------------------------------------------
class Baseline:
    """The write scripts of git revision `rev` (before folding), called as its store did."""

    def __init__(self, client, store: Store, rev: str) -> None:
        def show(name: str) -> str:
            return subprocess.run(["git", "show", f"{rev}:service/store/lua/{name}.lua"],
                                  cwd=ROOT, check=True, capture_output=True,
                                  text=True).stdout

        prelude = lua_prelude(rules.lua_constants(), "service/domain/ranking_rules.py")
        lib = show("rank_lib")
        self.scripts = {name: client.register_script(prelude + lib + "\n" + show(name))
                        for name in ("vote_ranked", "view_ranked")}
        for script in self.scripts.values():
            client.script_load(script.script)
        self.client, self.keys = client, store.keys
        self.moods = list(MOODS)
        self._scope: dict[str | None, list[str]] = {}

    def scope(self, channel: str | None) -> list[str]:
        keys = self._scope.get(channel)
        if keys is None:
            k = self.keys
            keys = [k.rank_state(SITE, channel), k.rank_hour_index(SITE, channel),
                    k.rank_hour_counts(SITE, channel)]
            for metric in [rules.mood_code(m) for m in self.moods] + list(rules.METRICS):
                keys += [k.rank_window(SITE, channel, metric, w) for w in rules.WINDOW_NAMES]
            self._scope[channel] = keys
        return keys

    def block(self, article: str, channel: str) -> tuple[list, list]:
        return ([*self.scope(None), *self.scope(channel)],
                [2, HL, channel, article, "0", len(self.moods), *self.moods])

    def vote(self, article, channel, reader, mood, now):
        k = self.keys
        keys, args = self.block(article, channel)
        pipe = self.client.pipeline(transaction=False)
        pipe.hset(k.reader_index(SITE, reader), article, "1")
        script = self.scripts["vote_ranked"]
        pipe.evalsha(script.sha, 3 + len(keys), k.votes(SITE, article), k.numbers(SITE, article),
                     k.meta(SITE, article), *keys, reader, mood, now, *args)
        pipe.execute()

    def view(self, article, channel, visitor, now):
        k = self.keys
        keys, args = self.block(article, channel)
        self.scripts["view_ranked"](
            keys=[k.numbers(SITE, article), k.visitors(SITE, article),
                  k.view_dedupe(SITE, article, now // VIEW_DEDUPE_SECONDS),
                  k.activity(SITE, article), k.meta(SITE, article), *keys],
            args=[visitor, VIEW_DEDUPE_TTL, now, *args])

    def finish(self, now):
        pass


class Current:
    """The store's write path (service/store/rankings.py)."""

    def __init__(self, store: Store) -> None:
        self.rk = store.rankings
        self.moods = list(MOODS)

    def vote(self, article, channel, reader, mood, now):
        self.rk._channels[(SITE, article)] = channel   # the worker's channel guess: right
        self.rk.vote(SITE, article, reader, mood, now, self.moods, HL)

    def view(self, article, channel, visitor, now):
        self.rk._channels[(SITE, article)] = channel
        self.rk.view(SITE, article, visitor, now, self.moods, HL)

    def finish(self, now):
        """Apply what is still pending in every scope: charged to the run that caused it."""
        for scope in (None, *CHANNELS):
            self.rk.settle(SITE, scope, self.moods, HL, now)


class Split(Current):
    """The Redis Cluster write path (the article's script with its outbox, `rank_pend` per
    scope, `HDEL` of the folded entries), run on the same single server: what Redis does per
    event on a Cluster, all of it on one node instead of spread over the masters."""

    def __init__(self, client) -> None:
        store = Store(client)
        store.rankings.cluster = True
        super().__init__(store)


def redis_cpu(client) -> float:
    cpu = client.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


class Size:
    def __init__(self, n: int, seed: int, baseline: str | None, split: bool = False) -> None:
        self.n = n
        self.server = RedisServer()
        self.client = self.server.client()
        self.store = Store(self.client)
        t = time.perf_counter()
        filled = fill(self.client, self.store,
                      article_plan(n, lambda i: 1 + i % 4, random.Random(seed)))
        self.channels = filled.pop("channels")
        self.fill_s = time.perf_counter() - t
        self.writers = {"after": Current(self.store)}
        if baseline:
            self.writers["before"] = Baseline(self.client, self.store, baseline)
        if split:
            self.writers["cluster"] = Split(self.client)
        rng = random.Random(seed + 1)
        ranks = rng.sample(range(n), min(n, 200_000))   # the popular ones, shuffled over ids
        rest = n - len(ranks)
        self.popular = [article_id(i) for i in ranks]
        self.cum = list(accumulate(1.0 / (r + 1) for r in range(n)))
        self.rest = rest
        self.rng = rng
        self.serial = 0

    def article(self, viral: bool) -> str:
        if viral and self.rng.random() < 0.5:
            return self.popular[0]
        r = bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])
        if r < len(self.popular):
            return self.popular[r]
        return article_id(self.rng.randrange(self.n))   # the long tail: any article

    def run(self, mode: str, kind: str, viral: bool, events: int, rate: int,
            clock: list[int]) -> float:
        """Redis CPU µs per event of one run."""
        writer = self.writers[mode]
        targets = [self.article(viral) for _ in range(events)]
        cpu = redis_cpu(self.client)
        for i, article in enumerate(targets):
            now = clock[0] + i // rate
            self.serial += 1
            who = "b%015x" % self.serial
            if kind == "vote":
                writer.vote(article, self.channels[article], who, MOODS[i % 4], now)
            else:
                writer.view(article, self.channels[article], who, now)
        clock[0] += events // rate + 1
        writer.finish(clock[0] - 1)
        return (redis_cpu(self.client) - cpu) * 1e6 / events

    def close(self) -> None:
        self.server.stop()


def measure_memory(args) -> dict[str, float]:
    server = RedisServer()
    try:
        client = server.client()
        store = Store(client)
        per = args.memory_votes // args.memory_articles
        got = fill(client, store, article_plan(args.memory_articles, lambda i: per,
                                               random.Random(args.seed + 5)))
        votes, articles = got["votes"], got["articles"]
        size = client.zcard(store.keys.rank_window(SITE, None, rules.VOTE.metric, "all"))
        parts = ranking_breakdown(client)
        return {"votes": votes, "articles": articles, "ranked articles": size,
                **{f"{part}: {what}": value for part, got_part in parts.items()
                   for what, value in got_part.items()},
                "records B/vote": got["records"] / votes, "meta B/vote": got["meta"] / votes,
                "rankings B/vote": got["rankings"] / votes,
                "rankings B/ranked article": got["rankings"] / max(1, size),
                "all-in B/vote": (got["records"] + got["rankings"]) / votes,
                "with meta B/vote": (got["records"] + got["meta"] + got["rankings"]) / votes}
    finally:
        server.stop()


def ranking_breakdown(client) -> dict[str, dict[str, float]]:
    """Bytes and entries of the ranking structures by kind (window sorted sets, hour
    entries), and bytes per entry: what a standing vote's ranking bytes are made of."""
    out: dict[str, dict[str, float]] = {}
    for key in client.scan_iter(match=f"xq:rk:{{{SITE}/*", count=1000):
        kind = key.rsplit(":", 2)
        part = "window sorted sets" if ":w:" in key else {"hx": "hour index", "hc": "hour counts"}.get(
            kind[-1], "state")
        n = client.zcard(key) if client.type(key) == "zset" else client.hlen(key)
        got = out.setdefault(part, {"bytes": 0, "entries": 0})
        got["bytes"] += client.memory_usage(key, samples=0) or 0
        got["entries"] += n
    for got in out.values():
        got["B/entry"] = got["bytes"] / max(1, got["entries"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=2000,
                        help="events per simulated second (the site's event rate)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=None,
                        help="git revision whose write scripts to compare with")
    parser.add_argument("--memory-articles", type=int, default=100_000)
    parser.add_argument("--memory-votes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", action="store_true",
                        help="first check the direct fill against rank_apply.lua")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--split", action="store_true",
                        help="also run the Redis Cluster write path (outbox) in the same rounds")
    args = parser.parse_args()
    if args.check:
        check_fill()
    sizes = []
    try:
        for n in (args.small, args.large):
            print(f"filling {n} articles…", flush=True)
            sizes.append(Size(n, args.seed, args.baseline, args.split))
            print(f"  filled in {sizes[-1].fill_s:.0f} s", flush=True)
        modes = list(sizes[0].writers)
        workloads = [(kind, viral) for kind in ("vote", "view") for viral in (False, True)]
        samples: dict[tuple, list[float]] = defaultdict(list)
        clock = {size.n: [START] for size in sizes}
        for r in range(args.rounds):
            for kind, viral in workloads:
                for mode in modes:
                    for size in sizes:
                        us = size.run(mode, kind, viral, args.events, args.rate, clock[size.n])
                        samples[(size.n, mode, kind, viral)].append(us)
            print(f"round {r + 1} of {args.rounds} done", flush=True)
    finally:
        for size in sizes:
            size.close()
    small, large = args.small, args.large
    print(f"\nGoal 1: Redis CPU per ranked event (µs, median of {args.rounds} interleaved "
          f"rounds of {args.events} events at {args.rate} events/s; Zipf s=1 or viral)")
    print(f"  {'event':16s} {'mode':7s} {small:>9d} {large:>9d}  {large}/{small}")
    med = {key: statistics.median(v) for key, v in samples.items()}
    for kind, viral in workloads:
        for mode in modes:
            a, b = med[(small, mode, kind, viral)], med[(large, mode, kind, viral)]
            name = f"{'new vote' if kind == 'vote' else 'counted view'}, {'viral' if viral else 'zipf'}"
            print(f"  {name:16s} {mode:7s} {a:9.1f} {b:9.1f}  {b / a:5.2f}x")
        for top, bottom in (("after", "before"), ("cluster", "after")):
            if "before" in modes if top == "after" else top in modes:
                for n in (small, large):
                    ratio = med[(n, top, kind, viral)] / med[(n, bottom, kind, viral)]
                    print(f"  {'':16s} {top}/{bottom} at {n}: {ratio:.2f}x")
    print("  goals at 1M articles: ≤ 60 µs per new vote, ≤ 30 µs per counted view, "
          "1M/10k ≤ 1.15x")
    if not args.no_memory:
        print(f"\nGoal 3: memory, {args.memory_votes} standing votes over "
              f"{args.memory_articles} articles (goal ≤ 120 B per vote all-in)")
        for key, value in measure_memory(args).items():
            print(f"  {key:28s} {value:10.1f}" if isinstance(value, float)
                  else f"  {key:28s} {value:10d}")


if __name__ == "__main__":
    main()
