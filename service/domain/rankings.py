"""Rankings (新闻表情排行), article metadata, takedowns and editors' analytics: the rules.

Definitions (docs/rankings.md has the design and cost model):

* An article's score for mood M over window W is the number of readers whose standing vote
  is M and was cast in W; `reactions` counts every mood; `shares`, `views` and `comments`
  count what was counted (shared, viewed, created-then-published) in W.
* W of L hours covers the current clock hour and the L clock hours before it (so between L
  and L+1 hours, always at least L); `all` is everything.
* `hot` sums activity points (vote 3, share 5, comment 5, view 1) each weighted by
  2^(-age / half-life), age counted in whole clock hours, over W.
* Taken-down articles and scores of 0 are left out; ties go to the greater article id.

Writes go through `set_vote` / `add_share` / `add_view` (Engagement calls them) and
`record_comment` (the comments feature calls it), each one store call.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from ..errors import InvalidRange, UnknownMetric, after_commit
from ..store import VoteChange
from ..store.rankings import ArticleRecords, HourCount, Op
from . import ranking_rules as rules
from .articles import format_meta, rfc3339
from .engagement import reaction_counts
from .sites import Site, SiteDirectory

log = logging.getLogger("xinqing.rankings")

TIMELINE_MAX_BUCKETS = {"hour": 24 * 31, "day": 366}
TIMELINE_DEFAULT_SPAN = {"hour": timedelta(hours=48), "day": timedelta(days=30)}
# Items fetched beyond `limit`, so an article taken down in a race (its ranking update
# landing after the takedown's subtraction, possible on Redis Cluster) cannot shorten a list.
_SPARE = 5


def requires_meta(site: Site) -> bool:
    """The site's `require_meta`: only articles whose meta the CMS synced are ranked."""
    return bool(site.settings.get("require_meta"))


def metric_code(site: Site, by: str) -> str:
    """The stored metric name of `by`: a mood key's code, else a fixed metric."""
    if by in rules.METRICS:
        return by
    if by in site.mood_keys:
        return rules.mood_code(by)
    raise UnknownMetric(details={"by": by, "metrics": [m["key"] for m in site.moods]
                                 + list(rules.METRICS)})


def hour_of(unix_seconds: int) -> int:
    """The clock hour (the rankings' bucket) of a time."""
    return int(unix_seconds) // rules.HOUR_SECONDS


def record_ops(records: ArticleRecords) -> list[Op]:
    """Base ops (code, hour, count) an article's records amount to: what rankings hold for it."""
    agg: Counter = Counter()
    for cast in records.votes:
        agg[(rules.mood_code(cast.mood), hour_of(cast.cast_at))] += 1
    for entry in records.activity:
        agg[(entry.code, entry.hour)] += entry.count
    return [Op(code, hour, n) for (code, hour), n in sorted(agg.items()) if n]


def negate(ops: Iterable[Op]) -> list[Op]:
    return [Op(code, hour, -n) for code, hour, n in ops]


class Rankings:
    def __init__(self, store, sites: SiteDirectory, clock: Callable[[], float] = time.time,
                 half_life_hours: float = 12.0,
                 comment_source: Callable[[str, str], dict[int, int]] | None = None,
                 history=None) -> None:
        self.store = store
        self.rk = store.rankings
        self.sites = sites
        self.clock = clock
        self.hl = float(half_life_hours)
        # (site, article) -> {creation hour: published comments}, read from the comment
        # records (service.composition wires it). Rebuild trusts it over the activity hash's
        # "c" fields, which are written in a second step after the comment's own script.
        self.comment_source = comment_source
        # service.domain.history.ModerationHistory, or None: takedowns are recorded.
        self.history = history

    def now(self) -> int:
        return int(self.clock())

    @staticmethod
    def _moods(site: Site) -> list[str]:
        return [m["key"] for m in site.moods]

    # -- writes (one store call each) -----------------------------------------------------
    def set_vote(self, site: Site, article: str, reader: str, mood: str | None,
                 now: int) -> VoteChange:
        """Hold `mood` for the reader (None retracts) and follow it in the rankings."""
        return self.rk.vote(site.site, article, reader, mood, now, self._moods(site), self.hl,
                            require_meta=requires_meta(site))

    def add_share(self, site: Site, article: str, channel: str, reader: str | None,
                  now: int) -> tuple[dict[str, str], bool]:
        """Count a share (once per reader, channel and clock hour) and rank it."""
        return self.rk.share(site.site, article, channel, reader, now, self._moods(site),
                             self.hl, require_meta=requires_meta(site))

    def add_view(self, site: Site, article: str, visitor: str, now: int) -> tuple[int, int, bool]:
        """Count a page view (once per visitor and dedupe slot) and rank it."""
        return self.rk.view(site.site, article, visitor, now, self._moods(site), self.hl,
                            require_meta=requires_meta(site))

    def record_comment(self, site_id: str, article: str, delta: int, created_at: int,
                       now: int | None = None) -> None:
        """Follow a change of the article's published comments in the rankings.

        Call it after a comment became published (+1) or stopped being published (-1):
        the comment counts in the windows of its creation time, not of the change.
        """
        site = self.sites.get(site_id)
        now = self.now() if now is None else now
        self.rk.comment(site_id, article, hour_of(created_at), int(delta), now,
                        self._moods(site), self.hl, require_meta=requires_meta(site))

    def follow(self, site: Site, article: str, channel: str, ops: list[Op],
               now: int | None = None) -> None:
        """Apply ops another write of the article returned (legacy counts) to its scopes."""
        if not ops:
            return
        now = self.now() if now is None else now
        moods = self._moods(site)
        self.rk.apply(site.site, None, article, ops, now, moods, self.hl)
        if channel:
            self.rk.apply(site.site, channel, article, ops, now, moods, self.hl)

    # -- articles -------------------------------------------------------------------------
    def set_meta(self, site_id: str, article: str, meta: dict[str, Any]) -> dict[str, Any]:
        """Replace the article's CMS metadata; a changed channel moves it between rankings."""
        site = self.sites.get(site_id)
        now = self.now()
        published = meta.get("published_at")
        fields = {
            "title": meta["title"],
            "url": meta["url"],
            "channel": meta.get("channel") or "",
            "published_at": published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            if published else "",
            "summary": meta.get("summary") or "",
            "image": meta.get("image") or "",
        }
        change = self.rk.set_meta(site_id, article, fields, now)
        old, new = change.old_channel, change.new_channel
        if change.released:
            # Its activity was held out of every ranking until this first sync: rank it all.
            ops = record_ops(change.records)
            if ops:
                moods = self._moods(site)
                what = (f"{site_id}/{article}'s meta arrived but its activity did not enter "
                        f"the rankings; run `xinqing rankings rebuild --site {site_id}`")
                for scope in (None, new or None) if new else (None,):
                    after_commit(log, what, self.rk.apply, site_id, scope, article, ops, now,
                                 moods, self.hl)
        elif old != new and not change.down:
            ops = record_ops(change.records)
            if ops:
                moods = self._moods(site)
                what = (f"{site_id}/{article} moved from channel {old!r} to {new!r} but its "
                        f"channel rankings did not follow; run `xinqing rankings rebuild`")
                if old:
                    after_commit(log, what, self.rk.apply, site_id, old, article, negate(ops),
                                 now, moods, self.hl)
                if new:
                    after_commit(log, what, self.rk.apply, site_id, new, article, ops, now,
                                 moods, self.hl)
        return {"article": article, "meta": self.article_meta(site_id, article)}

    def article_meta(self, site_id: str, article: str) -> dict[str, Any] | None:
        return format_meta(self.rk.metas(site_id, [article])[0][1])

    def take_down(self, site_id: str, article: str, actor: str | None = None) -> dict[str, Any]:
        """Take the article down: it leaves every ranking (for good) and its comments hide.

        The first takedown is recorded in the moderation history (`actor`: credential kind)."""
        site = self.sites.get(site_id)
        now = self.now()
        takedown = self.rk.take_down(site_id, article, now)
        fresh, channel = takedown.fresh, takedown.channel
        if fresh and self.history is not None:
            self.history.record(site_id, "takedown", actor or "editor", article=article)
        if fresh:
            ops = negate(record_ops(takedown.records))
            if ops:
                moods = self._moods(site)
                what = (f"{site_id}/{article} was taken down but still counts in a ranking; "
                        f"run `xinqing rankings rebuild --site {site_id}`")
                after_commit(log, what, self.rk.apply, site_id, None, article, ops, now, moods,
                             self.hl)
                if channel:
                    after_commit(log, what, self.rk.apply, site_id, channel, article, ops, now,
                                 moods, self.hl)
        return {"article": article, "meta": self.article_meta(site_id, article)}

    def is_taken_down(self, site_id: str, article: str) -> bool:
        return self.rk.is_taken_down(site_id, article)

    # -- reads ----------------------------------------------------------------------------
    def _score(self, metric: str, score: float, e: int, r: int) -> float | int:
        if metric == "hot":
            return float(f"{score * 2 ** ((e - r) / self.hl):.6g}")  # 6 significant digits
        return int(score)

    def _items(self, site: Site, metric: str, found: list[tuple[str, float]], e: int, r: int,
               limit: int, records: dict[str, tuple[dict, dict]]) -> list[dict[str, Any]]:
        items = []
        required = requires_meta(site)
        for article, score in found:
            numbers, meta = records[article]
            if meta.get("down") or (required and not meta.get("url")):
                # (an article ranked before the site required meta, until a rebuild)
                continue
            items.append({"rank": len(items) + 1, "article": article,
                          "score": self._score(metric, score, e, r),
                          "meta": format_meta(meta),
                          "reactions": reaction_counts(site, numbers)})
            if len(items) == limit:
                break
        return items

    def _read(self, site: Site, channel: str | None, queries: list[tuple[str, str, int]],
              now: int):
        e, r, state, results = self.rk.read(site.site, channel, self._moods(site), now,
                                            self.hl, [(m, w, n + _SPARE) for m, w, n in queries])
        articles = sorted({a for found in results for a, _ in found})
        records = dict(zip(articles, self.rk.metas(site.site, articles))) if articles else {}
        return e, r, state, results, records

    def ranking(self, site_id: str, by: str, window: str, channel: str | None,
                limit: int) -> dict[str, Any]:
        site = self.sites.get(site_id)
        metric = metric_code(site, by)
        now = self.now()
        e, r, _, results, records = self._read(site, channel, [(metric, window, limit)], now)
        return {"by": by, "window": window, "channel": channel, "generated_at": rfc3339(now),
                "items": self._items(site, metric, results[0], e, r, limit, records)}

    def mood_rankings(self, site_id: str, window: str, channel: str | None, limit: int,
                      lang: str) -> dict[str, Any]:
        """One list per mood, in configured order (the tabbed 新闻表情排行 box)."""
        site = self.sites.get(site_id)
        now = self.now()
        queries = [(rules.mood_code(m), window, limit) for m in self._moods(site)]
        e, r, _, results, records = self._read(site, channel, queries, now)
        moods = []
        for mood, (metric, _, _), found in zip(site.moods_for(lang), queries, results):
            moods.append({**mood, "items": self._items(site, metric, found, e, r, limit, records)})
        return {"window": window, "channel": channel, "generated_at": rfc3339(now),
                "moods": moods}

    def stats(self, site_id: str, window: str, channel: str | None, lang: str) -> dict[str, Any]:
        """The site's (or channel's) mood distribution and totals over the window."""
        site = self.sites.get(site_id)
        now = self.now()
        totals = self.rk.totals(site_id, channel, self._moods(site), now, self.hl)[window]

        def total(code: str) -> int:
            return max(0, totals.get(code, 0))

        counts = {m["key"]: total(rules.mood_code(m["key"])) for m in site.moods}
        reactions = sum(counts.values())
        return {
            "site": site_id, "window": window, "channel": channel, "generated_at": rfc3339(now),
            "moods": [{**m, "count": counts[m["key"]],
                       "ratio": round(counts[m["key"]] / reactions, 4) if reactions else 0.0}
                      for m in site.moods_for(lang)],
            "totals": {"reactions": reactions, **{activity.metric: total(activity.code)
                                                  for activity in rules.ACTIVITIES
                                                  if activity is not rules.VOTE}},
        }

    def timeline(self, site_id: str, article: str, granularity: str, start: datetime | None,
                 end: datetime | None, lang: str) -> dict[str, Any]:
        """Standing votes per mood (by cast time), shares, views and comments per bucket."""
        site = self.sites.get(site_id)
        tz = ZoneInfo(site.settings.get("timezone") or "Asia/Shanghai")
        end = end or datetime.fromtimestamp(self.now(), tz=timezone.utc)
        start = start or end - TIMELINE_DEFAULT_SPAN[granularity]
        if start >= end:
            raise InvalidRange(details={"from": start.isoformat(), "to": end.isoformat()})
        span = 3600 if granularity == "hour" else 86400
        too_many = InvalidRange("the range holds too many buckets",
                                details={"max_buckets": TIMELINE_MAX_BUCKETS[granularity]})
        if (end - start).total_seconds() > (TIMELINE_MAX_BUCKETS[granularity] + 1) * span:
            raise too_many
        edges = _bucket_edges(granularity, start, end, tz)
        if len(edges) - 1 > TIMELINE_MAX_BUCKETS[granularity]:
            raise too_many
        records, _ = self.rk.records(site_id, article)
        hours: dict[int, Counter] = {}
        for code, hour, count in record_ops(records):
            hours.setdefault(hour, Counter())[code] += count
        buckets = []
        for lo, hi in zip(edges, edges[1:]):
            c: Counter = Counter()
            for hour in range(lo // rules.HOUR_SECONDS, -(-hi // rules.HOUR_SECONDS)):
                if hour in hours and lo <= hour * rules.HOUR_SECONDS < hi:
                    c.update(hours[hour])
            counts = {m["key"]: c.get(rules.mood_code(m["key"]), 0) for m in site.moods}
            buckets.append({"start": rfc3339(lo), "end": rfc3339(hi),
                            "reactions": {"counts": counts, "total": sum(counts.values())},
                            "shares": c.get(rules.SHARE.code, 0),
                            "views": c.get(rules.VIEW.code, 0),
                            "comments": c.get(rules.COMMENT.code, 0)})
        return {"article": article, "granularity": granularity, "timezone": str(tz),
                "from": rfc3339(edges[0]), "to": rfc3339(edges[-1]),
                "moods": site.moods_for(lang), "buckets": buckets}

    # -- repair ---------------------------------------------------------------------------
    def sweep(self, site_id: str) -> tuple[int, int, int]:
        """Fold what the site's article outboxes still owe their scopes (each entry at most
        once; safe under writes); (articles, entries, articles that failed)."""
        self.sites.get(site_id)  # an unknown site is an error, as for rebuild
        return self.rk.sweep(site_id, self.now())

    def rebuild(self, site_id: str, progress: Callable[[int], None] | None = None) -> dict[str, int]:
        """Recompute every ranking of the site from the articles' own records.

        Run it when writes are quiet: a write landing between the drop and its article's
        replay can be counted twice (docs/rankings.md).
        """
        site = self.sites.get(site_id)
        moods = self._moods(site)
        now = self.now()
        dropped = self.rk.drop_rankings(site_id)
        articles = sorted(self.rk.site_articles(site_id))
        replayed = 0
        required = requires_meta(site)
        for i, article in enumerate(articles):
            records, meta = self.rk.records_for_rebuild(site_id, article)
            if meta.get("down"):
                continue
            held = required and not meta.get("url")
            if held != bool(meta.get("hold")):
                # what the write path would have done: hold until the meta comes, or not
                self.rk.set_held(site_id, article, held)
            if held:
                continue
            if self.comment_source is not None:
                records = self._with_comments(site_id, article, records)
            ops = record_ops(records)
            if not ops:
                continue
            self.rk.apply(site_id, None, article, ops, now, moods, self.hl)
            if meta.get("channel"):
                self.rk.apply(site_id, meta["channel"], article, ops, now, moods, self.hl)
            replayed += 1
            if progress and i % 1000 == 999:
                progress(i + 1)
        return {"articles": len(articles), "replayed": replayed, "dropped_keys": dropped}

    def _with_comments(self, site_id: str, article: str,
                       records: ArticleRecords) -> ArticleRecords:
        """The records with their published-comment counts taken from the comment records
        (repairing the stored counts if they differ): those are written in a second step
        after a comment's own script, so a crash in between leaves them short."""
        comment = rules.COMMENT.code
        truth = {hour: n for hour, n in self.comment_source(site_id, article).items() if n}
        stored = {entry.hour: entry.count for entry in records.activity
                  if entry.code == comment and not entry.legacy}
        if truth != stored:
            self.rk.replace_comment_activity(site_id, article, truth)
        kept = tuple(e for e in records.activity if e.code != comment or e.legacy)
        return ArticleRecords(records.votes, kept + tuple(
            HourCount(comment, hour, n) for hour, n in sorted(truth.items())))


def _bucket_edges(granularity: str, start: datetime, end: datetime, tz: ZoneInfo) -> list[int]:
    """Bucket boundaries (unix seconds) covering [start, end): UTC hours, or the site's days."""
    if granularity == "hour":
        lo = int(start.timestamp()) // 3600 * 3600
        hi = -(-int(end.timestamp()) // 3600) * 3600
        return list(range(lo, hi + 1, 3600))
    day = start.astimezone(tz).date()
    last = end.astimezone(tz)
    edges = []
    while True:
        edge = datetime(day.year, day.month, day.day, tzinfo=tz)
        edges.append(int(edge.timestamp()))
        if edge >= last or len(edges) > TIMELINE_MAX_BUCKETS["day"] + 2:
            break
        day += timedelta(days=1)
    return edges
