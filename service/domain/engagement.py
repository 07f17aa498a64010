"""Reactions, shares, views and article summaries: the rules, over the store.

Every write goes through the rankings (`service.domain.rankings.Rankings`, wired by the
composition root): one script on a single node or Sentinel writes the article's records and
follows them in its ranking scopes; on Redis Cluster the article's script runs first and the
scopes follow (docs/rankings.md). Other features hang on the named hooks (`after_vote`,
`after_share`, `after_view`): each is a list of callables run after the write, with what
changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..errors import InvalidReader, MissingReader, UnknownChannel, UnknownMood
from ..store.keys import COMMENTS_FIELD, PV_FIELD, REACTION_FIELD, SHARE_FIELD, UV_FIELD
from .articles import format_meta
from .sites import Site, SiteDirectory
from .readers import ReaderTokens


def _int(numbers: dict[str, str], field: str) -> int:
    return int(numbers.get(field, 0) or 0)


def reaction_counts(site: Site, numbers: dict[str, str]) -> dict[str, Any]:
    """Counts of every configured mood, in configured order, and their total."""
    counts = {m["key"]: max(0, _int(numbers, REACTION_FIELD + m["key"])) for m in site.moods}
    return {"counts": counts, "total": sum(counts.values())}


def share_counts(site: Site, numbers: dict[str, str]) -> dict[str, Any]:
    counts = {c["key"]: _int(numbers, SHARE_FIELD + c["key"]) for c in site.share_channels}
    return {"counts": counts, "total": sum(counts.values())}


def view_counts(numbers: dict[str, str]) -> dict[str, int]:
    return {"pv": _int(numbers, PV_FIELD), "uv": _int(numbers, UV_FIELD)}


def unknown_key(error, what: str, value: str, items: list[dict[str, Any]]):
    """unknown_mood / unknown_channel naming the valid keys, and the key a label belongs to."""
    keys = [item["key"] for item in items]
    message = f"this site has no {what} {value!r}; send one of its {what} keys: {', '.join(keys)}"
    for item in items:
        if value in (item.get("labels") or {}).values():
            message += f" ({value!r} is the label of {item['key']!r}: send the key)"
            break
    return error(message, details={what: value[:64], what + "s": keys})


@dataclass(frozen=True)
class VoteEvent:
    """A standing vote that changed: rankings remove the old one and add the new one."""

    site: Site
    article: str
    reader: str
    mood: str | None          # None: retracted
    old_mood: str | None
    old_cast_at: int | None
    now: int


class Engagement:
    def __init__(self, store, sites: SiteDirectory, tokens: ReaderTokens,
                 clock: Callable[[], float] = time.time, rankings=None,
                 after_vote: Iterable[Callable[[VoteEvent], None]] = (),
                 after_share: Iterable[Callable[..., None]] = (),
                 after_view: Iterable[Callable[..., None]] = ()) -> None:
        self.store = store
        self.sites = sites
        self.tokens = tokens
        self.clock = clock
        self.after_vote = list(after_vote)
        self.after_share = list(after_share)
        self.after_view = list(after_view)
        # service.domain.rankings.Rankings, wired by the composition root: every vote, share
        # and view is written through it, so the rankings follow each write.
        self.rankings = rankings

    def now(self) -> int:
        return int(self.clock())

    # -- readers --------------------------------------------------------------------------
    def issue_reader(self, site_id: str) -> str:
        self.sites.get(site_id)
        return self.tokens.issue(site_id)

    def reader(self, site_id: str, token: str | None, required: bool) -> str | None:
        """The reader id of `token`; 401 if forged/foreign, or missing while required."""
        if not token:
            if required:
                raise MissingReader()
            return None
        reader = self.tokens.verify(site_id, token)
        if reader is None:
            raise InvalidReader()
        return reader

    # -- reactions ------------------------------------------------------------------------
    def _reaction_body(self, site: Site, article: str, numbers: dict[str, str], lang: str,
                       mine: str | None, with_mine: bool) -> dict[str, Any]:
        body = {"site": site.site, "article": article, **reaction_counts(site, numbers),
                "moods": site.moods_for(lang)}
        if with_mine:
            body["mine"] = mine if mine in site.mood_keys else None
        return body

    def reactions(self, site_id: str, article: str, token: str | None, lang: str) -> dict[str, Any]:
        site = self.sites.get(site_id)
        reader = self.reader(site_id, token, required=False)
        if reader is None:
            return self._reaction_body(site, article, self.store.numbers(site_id, article),
                                       lang, None, False)
        numbers, mine = self.store.numbers_and_vote(site_id, article, reader)
        return self._reaction_body(site, article, numbers, lang, mine, True)

    def set_mood(self, site_id: str, article: str, token: str | None, mood: str | None,
                 lang: str) -> dict[str, Any]:
        """Hold `mood` for the reader (None retracts); the GET body with `mine` after it."""
        site = self.sites.get(site_id)
        reader = self.reader(site_id, token, required=True)
        if mood is not None and mood not in site.mood_keys:
            raise unknown_key(UnknownMood, "mood", mood, site.moods)
        change = self.hold(site, article, reader, mood)
        return self._reaction_body(site, article, change.numbers, lang, mood, True)

    def hold(self, site: Site, article: str, reader: str, mood: str | None):
        """Hold `mood` for a known reader (None retracts), ranked, then run the vote hooks:
        the one vote write (a reader's PUT/DELETE, and erasure)."""
        now = self.now()
        change = self.rankings.set_vote(site, article, reader, mood, now)
        if change.changed and self.after_vote:
            event = VoteEvent(site, article, reader, mood, change.old_mood, change.old_cast_at, now)
            for hook in self.after_vote:
                hook(event)
        return change

    def my_moods(self, site_id: str, token: str | None, articles: list[str]) -> dict[str, Any]:
        """The reader's standing mood on each of `articles` (a page's mood boxes in one call),
        so the public counts GET never has to carry the reader and stays CDN-cacheable."""
        site = self.sites.get(site_id)
        reader = self.reader(site_id, token, required=True)
        unique = list(dict.fromkeys(articles))
        found = self.store.moods_of(site_id, unique, reader)
        return {"mine": {article: (mood if mood in site.mood_keys else None)
                         for article, mood in zip(unique, found)}}

    # -- shares ---------------------------------------------------------------------------
    def shares(self, site_id: str, article: str, lang: str) -> dict[str, Any]:
        """Share counts of every channel, with the channels' labels in `lang`."""
        site = self.sites.get(site_id)
        return {**share_counts(site, self.store.numbers(site_id, article)),
                "channels": site.channels_for(lang)}

    def share(self, site_id: str, article: str, channel: str, token: str | None,
              client_address: str | None = None) -> dict[str, Any]:
        """Count a share, ranked: once per reader — or, without a token, per client network
        (an IPv4 address or an IPv6 /64, hashed) — article and channel per clock hour."""
        site = self.sites.get(site_id)
        reader = self.reader(site_id, token, required=False)
        if reader is None and client_address is not None:
            reader = self.tokens.network_id(client_address)  # "n…": never a reader id
        if channel not in site.channel_keys:
            raise unknown_key(UnknownChannel, "channel", channel, site.share_channels)
        now = self.now()
        numbers, counted = self.rankings.add_share(site, article, channel, reader, now)
        if counted:
            for hook in self.after_share:
                hook(site, article, channel, now)
        return {**share_counts(site, numbers), "counted": counted}

    # -- views ----------------------------------------------------------------------------
    def view(self, site_id: str, article: str, token: str | None,
             client_address: str) -> dict[str, Any]:
        """Count a page view, ranked: once per visitor (the reader, or a keyed hash of the
        client address) and article per dedupe slot; the counts after it."""
        site = self.sites.get(site_id)
        reader = self.reader(site_id, token, required=False)
        visitor = reader or self.tokens.visitor_id(client_address)
        now = self.now()
        pv, uv, counted = self.rankings.add_view(site, article, visitor, now)
        if counted:
            for hook in self.after_view:
                hook(site, article, now)
        return {"pv": pv, "uv": uv, "counted": counted}

    # -- articles -------------------------------------------------------------------------
    def summaries(self, site_id: str, articles: list[str]) -> list[dict[str, Any]]:
        site = self.sites.get(site_id)
        records = self.store.article_records(site_id, articles)
        return [
            {
                "article": article,
                "meta": format_meta(meta),
                "reactions": reaction_counts(site, numbers),
                "shares": share_counts(site, numbers),
                "views": view_counts(numbers),
                "comments": {"count": _int(numbers, COMMENTS_FIELD)},
            }
            for article, (numbers, meta) in zip(articles, records)
        ]
