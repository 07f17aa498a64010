"""Storage side of data ownership: whole-article snapshots and restores, legacy counts, the
per-reader index and erasure. Knows keys and scripts, not rules (service/domain/portability.py
and service/domain/erasure.py hold those; docs/data.md describes the format).

Every article-level call is one script on the article's hash tag, so a snapshot or a restore
of one article is atomic while writes continue. Site-level data (settings, the moderation
indexes, bans) is read key by key.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple, Sequence

from . import guarded, load_script, pairs
from .keys import (
    REPLY_SPAN,
    SHARE_DEDUPE_SECONDS,
    SHARE_DEDUPE_TTL,
    VIEW_DEDUPE_SECONDS,
    VIEW_DEDUPE_TTL,
    Keys,
)
from ..domain.comment_model import CommentState, Status
from .comments import comment_script, encode_state, parse_state
from .rankings import _is_cluster, unflat_ops

# Suffixes of the per-article keys whose presence means the article holds data.
ARTICLE_SUFFIXES = frozenset({"n", "m", "rv", "t", "cs", "cq", "uv"})
SCAN_COUNT = 1000


@dataclass(frozen=True)
class ArticleData:
    """What one article stores (flat hashes as dicts): read by export, written by import."""

    votes: dict[str, str]
    numbers: dict[str, str]
    meta: dict[str, str]
    activity: dict[str, str]
    hll: bytes | None          # the raw HyperLogLog (None: none, or unreadable)
    comment_seq: int | None
    comment_version: int | None
    contents: dict[str, str]
    states: dict[int, CommentState]
    comment_votes: dict[str, str]


@dataclass(frozen=True)
class ArticleSnapshot(ArticleData):
    """An article as export read it, in one script."""

    hll_readable: bool = True  # False: the store keeps HLLs its own way (embedded fakeredis)
    share_dedupe: list[str] = field(default_factory=list)   # this clock hour's
    view_dedupe: list[str] = field(default_factory=list)    # this slot's
    hour: int = 0
    slot: int = 0

    @property
    def empty(self) -> bool:
        """Tell whether the article holds nothing at all."""
        return not (self.votes or self.numbers or self.meta or self.activity or self.states
                    or self.comment_seq or self.hll)


class DedupeSet(NamedTuple):
    """Who was already counted in one dedupe period (a clock hour, a view slot)."""

    period: int
    members: list[str]


@dataclass(frozen=True)
class ArticleRestore(ArticleData):
    """What an article becomes on import, derived structures included."""

    share_dedupe: DedupeSet | None = None   # the shares counted this clock hour
    view_dedupe: DedupeSet | None = None    # the views counted this 10-minute slot


@dataclass(frozen=True)
class Erased:
    comment_votes: int
    comments: list[ErasedComment]


class ErasedComment(NamedTuple):
    """One comment an erasure deleted: its status before, and how the published count moved."""

    seq: int
    old: Status
    delta: int
    created: int


class ArticleIds:
    """A de-duplicating, sorted spool of article ids on disk (SQLite temp file), so listing a
    site's articles costs constant memory however many there are (SCAN may repeat keys)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "": a private temporary database on disk
        self.db.execute("PRAGMA cache_size = -2048")  # at most ~2 MiB of pages in memory
        self.db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID")

    def add(self, ids: Iterable[str]) -> None:
        """Add article ids (repeats are ignored)."""
        self.db.executemany("INSERT OR IGNORE INTO ids VALUES (?)", ((i,) for i in ids))

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM ids").fetchone()[0]

    def __iter__(self) -> Iterator[str]:
        for (article,) in self.db.execute("SELECT id FROM ids ORDER BY id"):
            yield article

    def close(self) -> None:
        """Drop the spool."""
        self.db.close()


def _stream_id(entry_id: str) -> tuple[int, int]:
    ms, _, n = entry_id.partition("-")
    return int(ms), int(n or 0)


def _flat(items: Iterable[tuple]) -> list:
    return [x for item in items for x in item]


class PortabilityStore:
    """Redis access for export, import, legacy counts and erasure; one client, scripts once."""

    def __init__(self, client, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self.cluster = _is_cluster(client)
        self.scripts = {name: client.register_script(load_script(name))
                        for name in ("export_article", "legacy_set")}
        self.scripts["import_article"] = client.register_script(comment_script("import_article"))
        # reader_erase uses comment_lib.lua's state format and listings (as the comment
        # scripts do), composed in front of it.
        self.scripts["reader_erase"] = client.register_script(comment_script("reader_erase"))

    # -- listing --------------------------------------------------------------------------
    def _scan(self, pattern: str) -> Iterable[str]:
        if self.cluster:
            return self.client.scan_iter(match=pattern, count=SCAN_COUNT, target_nodes="primaries")
        return self.client.scan_iter(match=pattern, count=SCAN_COUNT)

    @guarded
    def article_ids(self, site: str) -> ArticleIds:
        """Return every article of `site` that holds data, de-duplicated and sorted (on disk)."""
        spool = ArticleIds()
        batch: list[str] = []
        for key in self._scan(self.keys.article_pattern(site)):
            found = self.keys.article_of(site, key)
            if found and found[1] in ARTICLE_SUFFIXES:
                batch.append(found[0])
                if len(batch) >= SCAN_COUNT:
                    spool.add(batch)
                    batch = []
        spool.add(batch)
        return spool

    # -- site-level -----------------------------------------------------------------------
    @guarded
    def site_fields(self, site: str) -> dict[str, str]:
        """Return the site's settings hash, or None."""
        return self.client.hgetall(self.keys.site(site))

    @guarded
    def put_site(self, site: str, fields: dict[str, str], drop: Sequence[str]) -> None:
        """Write settings fields (and drop others) in one MULTI, register the site, announce it."""
        pipe = self.client.pipeline(transaction=True)
        if drop:
            pipe.hdel(self.keys.site(site), *drop)
        pipe.hset(self.keys.site(site), mapping=fields)
        pipe.execute()
        self.client.sadd(self.keys.sites(), site)
        self.client.publish(self.keys.settings_channel(), site)

    @guarded
    def index_entries(self, site: str, status: str) -> Iterator[tuple[str, int]]:
        """(comment id, ms) of one moderation index, oldest first, paged by rank."""
        key = self.keys.moderation_index(site, status)
        start = 0
        while True:
            rows = self.client.zrange(key, start, start + SCAN_COUNT - 1, withscores=True)
            for member, score in rows:
                yield member, int(score)
            if len(rows) < SCAN_COUNT:
                return
            start += SCAN_COUNT

    @guarded
    def put_index_entries(self, site: str, status: str, entries: dict[str, int]) -> None:
        """Add entries to a moderation index."""
        if entries:
            self.client.zadd(self.keys.moderation_index(site, status), entries)

    @guarded
    def bans(self, site: str) -> dict[str, str]:
        """Return every ban record of the site by ref."""
        return self.client.hgetall(self.keys.bans(site))

    @guarded
    def put_bans(self, site: str, bans: dict[str, str]) -> None:
        """Write ban records."""
        if bans:
            self.client.hset(self.keys.bans(site), mapping=bans)

    @guarded
    def history_entries(self, site: str) -> Iterator[tuple[str, dict[str, str]]]:
        """Return the site's moderation history, oldest first, paged by stream id."""
        key = self.keys.moderation_history(site)
        start = "-"
        while True:
            rows = self.client.xrange(key, start, "+", count=SCAN_COUNT)
            yield from rows
            if len(rows) < SCAN_COUNT:
                return
            start = f"({rows[-1][0]}"

    @guarded
    def put_history(self, site: str, entries: Sequence[tuple[str, dict[str, str]]]) -> int:
        """Append entries under their own ids, skipping those at or below the stream's last
        id (so a second import adds nothing); how many were added."""
        key = self.keys.moderation_history(site)
        last = self.client.xrevrange(key, "+", "-", count=1)
        top = _stream_id(last[0][0]) if last else (0, 0)
        fresh = [(i, f) for i, f in entries if _stream_id(i) > top]
        if fresh:
            pipe = self.client.pipeline(transaction=False)
            for entry_id, fields in fresh:
                pipe.xadd(key, fields, id=entry_id)
            pipe.execute()
        return len(fresh)

    # -- one article ----------------------------------------------------------------------
    def _article_keys(self, site: str, article: str, hour: int, slot: int) -> list[str]:
        k = self.keys
        return [k.votes(site, article), k.numbers(site, article), k.meta(site, article),
                k.activity(site, article), k.visitors(site, article),
                k.comment_seq(site, article), k.comment_version(site, article),
                k.comment_content(site, article), k.comment_state(site, article),
                k.comment_votes(site, article), k.share_dedupe(site, article, hour),
                k.view_dedupe(site, article, slot)]

    @guarded
    def snapshot(self, site: str, article: str, now: int) -> ArticleSnapshot:
        """Everything the article holds, as of one instant (one script)."""
        hour, slot = now // SHARE_DEDUPE_SECONDS, now // VIEW_DEDUPE_SECONDS
        (votes, numbers, meta, activity, hll, seq, version, contents, states, cvotes, sd,
         vd) = self.scripts["export_article"](keys=self._article_keys(site, article, hour, slot))
        return ArticleSnapshot(
            votes=pairs(votes), numbers=pairs(numbers), meta=pairs(meta),
            activity=pairs(activity), hll=bytes.fromhex(hll) if hll else None,
            comment_seq=int(seq) if seq else None,
            comment_version=int(version) if version else None, contents=pairs(contents),
            states={int(seq): parse_state(raw) for seq, raw in pairs(states).items()},
            comment_votes=pairs(cvotes), hll_readable=hll is not None,
            share_dedupe=sorted(sd), view_dedupe=sorted(vd), hour=hour, slot=slot)

    @guarded
    def restore(self, site: str, article: str, data: ArticleRestore, now: int,
                hot_period: int) -> None:
        """Replace everything the article holds with `data` (one script); the comment
        listings are derived from its states there (hot scores with `hot_period`)."""
        k = self.keys
        hour, slot = now // SHARE_DEDUPE_SECONDS, now // VIEW_DEDUPE_SECONDS
        # a dedupe set counts only in the clock hour (view slot) it was taken in
        shares, views = data.share_dedupe, data.view_dedupe
        shares = shares if shares and shares.period == hour else None
        views = views if views and views.period == slot else None
        sections: list[tuple[str, str, int, list]] = [
            (k.votes(site, article), "h", 0, _flat(data.votes.items())),
            (k.numbers(site, article), "h", 0, _flat(data.numbers.items())),
            (k.meta(site, article), "h", 0, _flat(data.meta.items())),
            (k.activity(site, article), "h", 0, _flat(data.activity.items())),
            (k.visitors(site, article), "v", 0, [data.hll] if data.hll else []),
            (k.comment_seq(site, article), "v", 0,
             [data.comment_seq] if data.comment_seq else []),
            (k.comment_content(site, article), "h", 0, _flat(data.contents.items())),
            (k.comment_state(site, article), "h", 0,
             _flat((seq, encode_state(state)) for seq, state in data.states.items())),
            (k.comment_votes(site, article), "h", 0, _flat(data.comment_votes.items())),
            (k.comment_dedupe(site, article), "-", 0, []),
            (k.share_dedupe(site, article, hour), "s", SHARE_DEDUPE_TTL,
             shares.members if shares else []),
            (k.view_dedupe(site, article, slot), "s", VIEW_DEDUPE_TTL,
             views.members if views else []),
        ]
        keys = [key for key, _, _, _ in sections]
        args = [str(data.comment_version) if data.comment_version else "", len(sections),
                hot_period, REPLY_SPAN]
        for _, kind, ttl, items in sections:
            width = 2 if kind in ("h", "z") else 1
            args += [kind, ttl, len(items) // width, *items]
        # the listings the script derives from the restored states
        keys += [k.comment_version(site, article), k.comment_state(site, article),
                 k.comments_by_seq(site, article), k.comments_by_hot(site, article),
                 k.comment_replies(site, article)]
        self.scripts["import_article"](keys=keys, args=args)

    @guarded
    def add_visitors(self, site: str, article: str, members: Sequence[str]) -> None:
        """PFADD members in chunks (rebuilding an HLL the export could only estimate)."""
        key = self.keys.visitors(site, article)
        for i in range(0, len(members), 10_000):
            self.client.pfadd(key, *members[i:i + 10_000])

    # -- legacy counts --------------------------------------------------------------------
    @guarded
    def set_legacy(self, site: str, article: str,
                   counts: Sequence[tuple[str, int, int]]) -> tuple[str, bool, list]:
        """Set (code, count, hour) legacy counts; (channel, down, ops the rankings follow)."""
        k = self.keys
        channel, down, flat = self.scripts["legacy_set"](
            keys=[k.activity(site, article), k.numbers(site, article), k.meta(site, article)],
            args=_flat(counts))
        return channel, bool(down), unflat_ops(flat)

    # -- the per-reader index -------------------------------------------------------------
    @guarded
    def index_readers(self, site: str, touches: Iterable[tuple[str, str]]) -> None:
        """Record (reader, article) pairs in the readers' indexes (pipelined, no MULTI: each
        reader's index is its own slot)."""
        pipe = self.client.pipeline(transaction=False)
        for n, (reader, article) in enumerate(touches, 1):
            pipe.hset(self.keys.reader_index(site, reader), article, "1")
            if n % SCAN_COUNT == 0:
                pipe.execute()
        pipe.execute()

    @guarded
    def reader_articles(self, site: str, reader: str) -> list[str]:
        """Return the articles in the reader's index."""
        key = self.keys.reader_index(site, reader)
        return sorted(field for field, _ in self.client.hscan_iter(key, count=SCAN_COUNT))

    @guarded
    def forget_articles(self, site: str, reader: str, articles: Sequence[str]) -> None:
        """Drop visited articles from the reader's index (entries added meanwhile stay)."""
        key = self.keys.reader_index(site, reader)
        for i in range(0, len(articles), SCAN_COUNT):
            self.client.hdel(key, *articles[i:i + SCAN_COUNT])

    @guarded
    def reader_index_bytes(self, site: str, reader: str) -> int:
        """Return the memory the reader's index takes, in bytes."""
        return int(self.client.memory_usage(self.keys.reader_index(site, reader)) or 0)

    # -- erasure --------------------------------------------------------------------------
    @guarded
    def erase_comments(self, site: str, article: str, reader: str, hot_period: int) -> Erased:
        """Erase the reader's comments and comment votes on one article (one script)."""
        k = self.keys
        removed, _, rows = self.scripts["reader_erase"](
            keys=[k.comment_state(site, article), k.comment_content(site, article),
                  k.comment_votes(site, article), k.comments_by_seq(site, article),
                  k.comments_by_hot(site, article), k.comment_replies(site, article),
                  k.numbers(site, article), k.comment_version(site, article),
                  k.comment_dedupe(site, article)],
            args=[reader, hot_period, REPLY_SPAN])
        return Erased(int(removed), [ErasedComment(int(seq), Status(old), int(delta), int(created))
                                     for seq, old, delta, created in rows])
