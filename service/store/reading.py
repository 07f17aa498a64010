"""Reading-list storage (docs/reading.md): candidate lists for 相关阅读, snapshots for 推荐阅读.

Both read the ranking scopes of service/store/rankings.py (their scripts are composed with
`rank_lib.lua`, so a scope is rolled before it is read, as every ranking read does):

* `related_lists` runs `related_read.lua` on the site scope and, when given, the channel
  scope: one pipelined round trip on a single node, one script per scope on Redis Cluster
  (a cluster pipeline refuses scripts; each scope is one slot).
* `feed_first_page` runs `feed_snapshot.lua`: the scope's `hot` order copied into a list
  under the scope's hash tag, shared by every first page of the same slot, with a TTL;
  `feed_page` reads a later page of it (`feed_page.lua`, one key).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from . import guarded
from .keys import Keys
from .rankings import compose

# Meta fields the candidate check needs (listable? same channel? how recent?)
CANDIDATE_META_FIELDS = ("title", "channel", "published_at", "down")


@dataclass(frozen=True)
class ScopeLists:
    """What `related_read.lua` found in one scope."""

    totals: list[int]                   # all-time standing votes per mood
    counts: list[int]                   # the article's votes per mood in the window
    candidates: dict[str, list[int]]    # candidate -> votes per mood in the window, in order
    hot: list[str]                      # the hot list, best first

    @classmethod
    def from_reply(cls, reply: Sequence, moods: int) -> "ScopeLists":
        """Read related_read.lua's reply: the candidates' votes come mood-major, flat."""
        totals, mine, candidates, flat, hot = reply
        width = len(candidates)
        votes = {candidate: [int(float(flat[mood * width + index])) for mood in range(moods)]
                 for index, candidate in enumerate(candidates)}
        return cls([int(total) for total in totals] or [0] * moods,
                   [int(float(count)) for count in mine] or [0] * moods, votes, list(hot))


@dataclass(frozen=True)
class RelatedQuery:
    """What related_read.lua reads on each scope: the article, the moods, the window, hot's
    half-life and how many candidates each list keeps."""

    site: str
    channels: Sequence[str | None]      # the scopes, None being the whole site
    moods: Sequence[str]
    now: int
    half_life_hours: float
    window: str
    per_list: int
    min_votes: int
    article: str


@dataclass(frozen=True)
class FeedSnapshotQuery:
    """What feed_snapshot.lua needs to take (or reuse) a scope's hot order snapshot."""

    site: str
    channel: str | None
    start: int                          # the snapshot slot's start, unix seconds
    moods: Sequence[str]
    now: int
    half_life_hours: float
    window: str
    depth: int                          # entries the snapshot keeps
    ttl: int                            # seconds it lives
    count: int                          # entries of its first page


class ReadingStore:
    """Redis access for reading lists; one client, scripts registered once."""

    def __init__(self, client, keys: Keys, load, rankings) -> None:
        self.client = client
        self.keys = keys
        self.rankings = rankings          # RankingStore: scope keys, cluster or not
        self.scripts = {
            "related_read": client.register_script(compose(load, "related_read")),
            "feed_snapshot": client.register_script(compose(load, "feed_snapshot")),
            "feed_page": client.register_script(load("feed_page")),
        }

    # -- 相关阅读 ---------------------------------------------------------------------------
    @guarded
    def article_channel(self, site: str, article: str) -> str:
        """Return the article's channel from its meta ("" none)."""
        return self.client.hget(self.keys.meta(site, article), "channel") or ""

    @guarded
    def related_lists(self, query: RelatedQuery) -> list[ScopeLists]:
        """Run `related_read.lua` on each scope of the query (None: the site), in order."""
        script = self.scripts["related_read"]
        moods = query.moods
        args = [query.now, query.half_life_hours, len(moods), *moods, query.window,
                query.per_list, query.min_votes, query.article]
        scopes = [self.rankings.scope_keys(query.site, channel, moods)
                  for channel in query.channels]
        if self.rankings.cluster:
            replies = [script(keys=keys, args=args) for keys in scopes]
        else:
            pipe = self.client.pipeline(transaction=False)
            for keys in scopes:
                script(keys=keys, args=args, client=pipe)
            replies = pipe.execute()
        return [ScopeLists.from_reply(reply, len(moods)) for reply in replies]

    @guarded
    def candidate_metas(self, site: str, articles: Sequence[str]) -> list[dict[str, str]]:
        """CANDIDATE_META_FIELDS of each article's meta (absent fields left out), pipelined."""
        pipe = self.client.pipeline(transaction=False)
        for article in articles:
            pipe.hmget(self.keys.meta(site, article), CANDIDATE_META_FIELDS)
        return [{name: value for name, value in zip(CANDIDATE_META_FIELDS, values)
                 if value is not None}
                for values in pipe.execute()]

    # -- 推荐阅读 ---------------------------------------------------------------------------
    @guarded
    def feed_first_page(self, query: FeedSnapshotQuery) -> tuple[int, list[str]]:
        """Return (snapshot length, its first `count` entries); the snapshot of the slot
        starting at `start` is made from the scope's hot order if it does not exist yet."""
        moods = query.moods
        length, entries = self.scripts["feed_snapshot"](
            keys=[self.keys.feed_snapshot(query.site, query.channel, query.start),
                  *self.rankings.scope_keys(query.site, query.channel, moods)],
            args=[query.now, query.half_life_hours, len(moods), *moods, query.window,
                  query.depth, query.ttl, query.count])
        return int(length), list(entries)

    @guarded
    def feed_page(self, site: str, channel: str | None, start: int, offset: int,
                  count: int) -> tuple[int, list[str]]:
        """(snapshot length, entries from `offset`); length 0: the snapshot has expired."""
        length, entries = self.scripts["feed_page"](
            keys=[self.keys.feed_snapshot(site, channel, start)], args=[offset, count])
        return int(length), list(entries)
