"""Reading lists: 相关阅读 (articles readers felt the same way about) and 推荐阅读 (the hot feed).

The rules; docs/reading.md has the design, the cost per call and the reasons.

相关阅读 of article A, over the standing votes cast in the last 7 days (`RELATED_WINDOW`):

* Each article's mood distribution is smoothed toward the site's (additive smoothing, a
  Dirichlet prior worth `SMOOTHING_VOTES` votes): p_m = (n_m + α·q_m) / (N + α), where n_m is
  its votes for mood m in the window, N their sum, and q_m = (T_m + 1) / (T + M) the site's
  all-time distribution (T_m standing votes for m, M moods). One vote does not decide.
* similarity(A, B) = Σ_m min(p_m(A), p_m(B)): the share of feeling the two have in common,
  1 − total variation distance (1 identical, toward 0 opposite).
* score = similarity × channel (1 for the same channel or when A has none, else
  `OTHER_CHANNEL_WEIGHT`) × recency (0.5 + 0.5 · 2^(−age / 7 days), age from published_at;
  an article without one counts as a week old).
* Candidates: the `per_list` best other articles of each mood's 7-day ranking and of the 7-day
  `hot` ranking, in the site scope and in A's channel scope. Listed: candidates with at least
  one vote in the window and similarity ≥ `MIN_SIMILARITY`, by score (ties: greater article
  id first), then topped up from the hot lists (channel first, then site) with
  `similarity: null`.
* Fewer than `MIN_VOTES` votes on A in the window: basis `hot`, the hot lists only.
* Never A itself, taken-down articles, or — when the site setting `require_meta` is on —
  articles without meta.

推荐阅读: the scope's (site or channel) 7-day `hot` order, frozen in a snapshot shared by every
first page of a `FEED_SNAPSHOT_SECONDS` slot; the signed cursor names the snapshot and the
offset, so 加载更多 never repeats or skips; only articles with meta are listed.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Hashable, Sequence

from ..errors import CursorExpired, InvalidCursor
from ..store.keys import COMMENTS_FIELD
from ..store.reading import FeedSnapshotQuery, RelatedQuery
from .articles import format_meta, rfc3339
from .cursors import CursorCodec
from .engagement import reaction_counts
from .sites import Site, SiteDirectory

RELATED_WINDOW = "7d"
RELATED_MAX = 20             # the most items one related answer may ask for
RELATED_KEEP = RELATED_MAX + 10   # ranked entries cached per article (spares for takedowns)
CANDIDATES_PER_LIST = 20     # K: articles taken from each mood's and hot's list, per scope
SMOOTHING_VOTES = 5.0        # α: how many votes of the site's distribution each article gets
MIN_VOTES = 5                # fewer votes in the window: the hot lists instead
MIN_SIMILARITY = 0.5         # below: readers did not feel the same way
OTHER_CHANNEL_WEIGHT = 0.8
RECENCY_HALF_LIFE_DAYS = 7.0
UNKNOWN_AGE_DAYS = 7.0

FEED_WINDOW = "7d"
FEED_DEPTH = 500             # articles one snapshot keeps: 加载更多 ends after them
_FEED_SPARE = 5              # entries read beyond a page, for unlisted (no meta, down) ones
_FEED_READS = 3              # snapshot reads one page may take to fill itself


def requires_meta(site: Site) -> bool:
    """Return the site setting `require_meta` (on: reading lists skip articles without meta)."""
    return bool(site.settings.get("require_meta", False))


def listable(meta: dict[str, str], need_meta: bool) -> bool:
    """May an article with this (stored) meta hash appear in a reading list?"""
    return not meta.get("down") and (not need_meta or bool(meta.get("title")))


# -- 相关阅读: the scoring, pure ---------------------------------------------------------------

def prior(totals: Sequence[int]) -> list[float]:
    """Return the site's mood distribution, add-one smoothed so no mood is impossible."""
    totals = [max(0, t) for t in totals]
    whole = sum(totals) + len(totals)
    return [(t + 1) / whole for t in totals]


def smoothed(counts: Sequence[int], q: Sequence[float],
             alpha: float = SMOOTHING_VOTES) -> list[float]:
    """Return an article's votes per mood as a distribution pulled toward `q` by `alpha` votes."""
    n = sum(counts)
    return [(c + alpha * qm) / (n + alpha) for c, qm in zip(counts, q)]


def similarity(p: Sequence[float], r: Sequence[float]) -> float:
    """Σ min(p_m, r_m): 1 for identical distributions, 1 − their total variation distance."""
    return sum(min(a, b) for a, b in zip(p, r))


def published_seconds(meta: dict[str, str]) -> int | None:
    """Return the meta's publication time in unix seconds, if it has one."""
    raw = meta.get("published_at")
    if not raw:
        return None
    try:  # stored as "%Y-%m-%dT%H:%M:%SZ"; fromisoformat is ~10x faster than strptime
        return int(datetime.fromisoformat(raw).timestamp())
    except ValueError:
        return None


def recency(published: int | None, now: int) -> float:
    """0.5 + 0.5 · 2^(−age / 7 days): 1 when just published, ½ when long past."""
    age_days = UNKNOWN_AGE_DAYS if published is None else max(0, now - published) / 86400
    return 0.5 + 0.5 * 2 ** (-age_days / RECENCY_HALF_LIFE_DAYS)


@dataclass(frozen=True)
class Related:
    """A computed 相关阅读 list, before the items' records are read."""

    basis: str                                   # "mood" or "hot"
    votes: int                                   # the article's votes in the window
    computed_at: int
    ranked: list[tuple[str, float | None, float | None]]   # (article, similarity, score)


def similarities(counts: Sequence[int], totals: Sequence[int],
                 candidates: dict[str, Sequence[int]]) -> dict[str, float]:
    """Return candidates readers felt the same way about: similarity ≥ MIN_SIMILARITY, ≥ 1 vote.

    Empty when the article itself has fewer than MIN_VOTES votes (`counts`): basis hot."""
    if sum(counts) < MIN_VOTES:
        return {}
    q = prior(totals)
    mine = smoothed(counts, q)
    out = {}
    for article, theirs in candidates.items():
        if sum(theirs) >= 1:
            sim = similarity(mine, smoothed(theirs, q))
            if sim >= MIN_SIMILARITY:
                out[article] = sim
    return out


def rank_related(counts: Sequence[int], similar: dict[str, float],
                 metas: dict[str, dict[str, str]], hot: Sequence[str], channel: str,
                 need_meta: bool, now: int, keep: int = RELATED_KEEP) -> Related:
    """Return the list for an article with `counts` votes per mood (see the module doc).

    `similar` is what `similarities` found, `metas` the meta (CANDIDATE_META_FIELDS) of
    every article in it and in `hot`, the top-up order (channel's hot, then site's)."""
    votes = sum(counts)
    scored = []
    for article, sim in similar.items():
        meta = metas[article]
        if listable(meta, need_meta):
            weight = 1.0 if not channel or meta.get("channel") == channel else OTHER_CHANNEL_WEIGHT
            scored.append((sim * weight * recency(published_seconds(meta), now), article, sim))
    scored.sort(reverse=True)
    ranked: list[tuple[str, float | None, float | None]] = [
        (article, sim, score) for score, article, sim in scored[:keep]]
    listed = {a for a, _, _ in ranked}
    for article in hot:
        if len(ranked) >= keep:
            break
        if article not in listed and listable(metas[article], need_meta):
            listed.add(article)
            ranked.append((article, None, None))
    return Related("mood" if votes >= MIN_VOTES else "hot", votes, now, ranked)


class TtlCache:
    """A small per-worker LRU whose entries live `ttl` seconds (of the domain's clock)."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, now: float) -> Any:
        """Return the value kept under `key` if still fresh at `now`, else None."""
        if self.ttl <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now - entry[0] >= self.ttl or now < entry[0]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Any, now: float) -> None:
        """Keep `value` under `key` from `now` (the oldest entries go past max_entries)."""
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class Reading:
    """相关阅读 and 推荐阅读 over the ranking scopes."""

    def __init__(self, store, sites: SiteDirectory, cursors: CursorCodec,
                 clock: Callable[[], float] = time.time, half_life_hours: float = 12.0,
                 related_cache_seconds: float = 60, feed_snapshot_seconds: int = 60,
                 feed_cursor_seconds: int = 600,
                 candidates_per_list: int = CANDIDATES_PER_LIST) -> None:
        self.store = store                       # Store: article records
        self.reading_store = store.reading                  # ReadingStore
        self.sites = sites
        self.clock = clock
        self.half_life_hours = float(half_life_hours)
        self.cache = TtlCache(related_cache_seconds)
        self.snapshot_seconds = int(feed_snapshot_seconds)
        self.cursor_seconds = int(feed_cursor_seconds)
        self.per_list = candidates_per_list
        self.cursors = cursors

    def now(self) -> int:
        """Return the clock's time in unix seconds."""
        return int(self.clock())

    def _records(self, site: Site, articles: Sequence[str]) -> list[tuple[dict, dict]]:
        return self.store.article_records(site.site, articles) if articles else []

    # -- 相关阅读 ---------------------------------------------------------------------------
    def related(self, site_id: str, article: str, limit: int) -> dict[str, Any]:
        """Return articles readers felt the same way about (or the channel's hot list)."""
        site = self.sites.get(site_id)
        need_meta = requires_meta(site)
        now = self.now()
        key = (site_id, article, tuple(m["key"] for m in site.moods), need_meta)
        found: Related | None = self.cache.get(key, now)
        if found is None:
            found = self._related(site, article, need_meta, now)
            self.cache.put(key, found, now)
        head = found.ranked[:limit + 5]
        items = []
        for (other, sim, _), (numbers, meta) in zip(head, self._records(site, [a for a, _, _ in head])):
            if not listable(meta, need_meta):
                continue  # taken down (or meta dropped) since the list was made
            items.append({"article": other, "meta": format_meta(meta),
                          "similarity": None if sim is None else round(sim, 4),
                          "reactions": reaction_counts(site, numbers)})
            if len(items) == limit:
                break
        return {"article": article, "basis": found.basis, "window": RELATED_WINDOW,
                "votes": found.votes, "generated_at": rfc3339(found.computed_at), "items": items}

    def _related(self, site: Site, article: str, need_meta: bool, now: int) -> Related:
        moods = [m["key"] for m in site.moods]
        channel = self.reading_store.article_channel(site.site, article)
        scopes = self.reading_store.related_lists(RelatedQuery(
            site.site, [None, channel] if channel else [None], moods, now,
            self.half_life_hours, RELATED_WINDOW, self.per_list, MIN_VOTES, article))
        site_scope = scopes[0]
        candidates: dict[str, list[int]] = {}
        for scope in reversed(scopes):     # the site's numbers win; they are the same data
            candidates.update(scope.candidates)
        hot: list[str] = []
        for scope in reversed(scopes):     # channel's hot first, then the site's
            hot += [a for a in scope.hot if a not in hot]
        similar = similarities(site_scope.counts, site_scope.totals, candidates)
        names = sorted(set(similar) | set(hot))
        metas = dict(zip(names, self.reading_store.candidate_metas(site.site, names))) if names else {}
        return rank_related(site_scope.counts, similar, metas, hot, channel, need_meta, now)

    # -- 推荐阅读 ---------------------------------------------------------------------------
    def feed(self, site_id: str, channel: str | None, limit: int,
             cursor: str | None) -> dict[str, Any]:
        """Return a page of the site's (or channel's) hot articles from a pinned snapshot."""
        site = self.sites.get(site_id)
        scope = f"feed|{site_id}|{channel or ''}"
        now = self.now()
        if cursor:
            start, offset = self._decode(scope, cursor)
        else:
            start, offset = now // self.snapshot_seconds * self.snapshot_seconds, 0
        moods = [m["key"] for m in site.moods]
        items: list[dict[str, Any]] = []
        position, length = offset, 0
        for attempt in range(_FEED_READS):
            want = limit - len(items) + _FEED_SPARE
            if cursor is None and attempt == 0:
                length, entries = self.reading_store.feed_first_page(FeedSnapshotQuery(
                    site_id, channel, start, moods, now, self.half_life_hours, FEED_WINDOW,
                    FEED_DEPTH, self.snapshot_seconds + self.cursor_seconds, want))
            else:
                length, entries = self.reading_store.feed_page(site_id, channel, start, position, want)
            if length == 0:
                if cursor is None and attempt == 0:
                    break                       # nothing hot in this scope: an empty feed
                raise CursorExpired(details={"snapshot_expired": rfc3339(start)})
            for entry, (numbers, meta) in zip(entries, self._records(site, entries)):
                position += 1
                if listable(meta, True):
                    items.append({"article": entry, "meta": format_meta(meta),
                                  "reactions": reaction_counts(site, numbers),
                                  "comments": {"count": max(0, int(numbers.get(COMMENTS_FIELD) or 0))}})
                    if len(items) == limit:
                        break
            if len(items) == limit or position >= length or not entries:
                break
        more = 0 < length and position < length
        return {"channel": channel, "items": items,
                "next_cursor": self.cursors.encode(scope, str(start), str(position))
                if more else None}

    def _decode(self, scope: str, cursor: str) -> tuple[int, int]:
        start, offset = self.cursors.decode(scope, cursor)
        try:
            start_s, offset_i = int(start), int(offset)
        except ValueError:
            raise InvalidCursor() from None
        if start_s < 0 or not 0 <= offset_i <= FEED_DEPTH:
            raise InvalidCursor()
        return start_s, offset_i
