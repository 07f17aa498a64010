"""The one layer that talks to Redis. It knows keys and scripts, not HTTP or site rules.

Each method is one round trip (a script, one command, or one pipeline on one hash tag) and
returns plain Python values. Backend outages surface as StorageUnavailable.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from typing import Any, Callable, Iterable, Mapping, TypeVar

import logging

from redis.exceptions import NoScriptError

from ..errors import StorageUnavailable, after_commit
from .connection import deferring_replicas, reply_code, unavailable
from .keys import READY_PROBE_TTL_MS, Keys

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("xinqing.store")

SCRIPTS = ("create_site", "update_site")


def guarded(fn: F) -> F:
    """Turn a backend outage inside a store call into StorageUnavailable (503).

    An outage is Redis unreachable, or refusing the command for now: out of memory under
    noeviction, a failed snapshot (MISCONF), a replica (READONLY), loading, busy, a cluster
    slot down (see connection.unavailable), or too few replicas acknowledging a write
    (XINQING_WAIT_REPLICAS: raised once every write of the call is done). Anything else is
    a bug and stays an error.
    """

    deferring = deferring_replicas(fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return deferring(*args, **kwargs)
        except Exception as exc:
            if unavailable(exc):
                raise StorageUnavailable(details={"backend": reply_code(exc)}) from exc
            raise

    return wrapper  # type: ignore[return-value]


def run_touching(client, script, keys: list, args: list, touch: tuple[str, str] | None,
                 cluster: bool = False):
    """Run a registered script, first recording `touch` = (reader index key, article) in the
    reader's index (docs/data.md) in the same round trip: a pipeline of HSET then EVALSHA
    (no MULTI: the index is the reader's own slot). The index is written first, so a failure
    between the two can only leave it naming an article with nothing of the reader's.
    On Redis Cluster (no EVALSHA in a cluster pipeline) it is two calls."""
    if touch is None:
        return script(keys=keys, args=args)
    index_key, article = touch
    if cluster:
        client.hset(index_key, article, "1")
        return script(keys=keys, args=args)
    pipe = client.pipeline(transaction=False)
    pipe.hset(index_key, article, "1")
    pipe.evalsha(script.sha, len(keys), *keys, *args)
    indexed, reply = pipe.execute(raise_on_error=False)
    if isinstance(reply, NoScriptError):  # a restarted or flushed Redis: the index is written
        return script(keys=keys, args=args)
    if isinstance(reply, Exception):
        raise reply
    if isinstance(indexed, Exception):
        # The script has committed: its answer stands; only the index misses the article.
        log.error("the reader index %s missed %s (%s); erasure would not find that write",
                  index_key, article, indexed)
    return reply


def pairs(flat: list) -> dict[str, str]:
    """Turn a flat [k1, v1, k2, v2…] reply into a dict."""
    return dict(zip(flat[::2], flat[1::2]))


def _mood_of(record: str | None) -> str | None:
    """The mood of a vote record "<mood>|<cast unix seconds>"."""
    return record.split("|", 1)[0] if record else None


def load_script(name: str) -> str:
    """Return the source of lua/<name>.lua."""
    return resources.files("service.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


_LUA_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_LUA_VALUE = re.compile(r"[A-Za-z0-9_:.-]*")


def lua_constants(name: str, members: type[Enum] | Mapping[str, str]) -> str:
    """Render a Python enum (or a name -> value mapping) as a Lua constants table.

    `lua_constants("STATUS", Status)` is `local STATUS = {PUBLISHED = 'published', …}`: put in
    front of a script, it lets the Lua name the domain's values (`STATUS.PUBLISHED`) instead
    of repeating them, so the enum stays their one home. Names and values are checked to be
    plain identifiers and words, so nothing needs quoting."""
    pairs_ = ([(member.name, member.value) for member in members]  # type: ignore[union-attr]
              if isinstance(members, type) else list(members.items()))
    body = []
    for key, value in pairs_:
        if not _LUA_NAME.fullmatch(key) or not _LUA_VALUE.fullmatch(str(value)):
            raise ValueError(f"not a plain Lua constant: {key} = {value!r}")
        body.append(f"{key} = '{value}'")
    return f"local {name} = {{{', '.join(body)}}}\n"


def compose_script(*parts: str, constants: Iterable[str] = ()) -> str:
    """Return one script: the constants tables, then lua/<part>.lua for each part, in order
    (shared helpers first, the script last), under a line saying how it was composed."""
    header = f"-- composed by service/store: constants + {' + '.join(p + '.lua' for p in parts)}\n"
    return header + "".join(constants) + "".join(load_script(part) for part in parts)


@dataclass(frozen=True)
class SettingsChange:
    """One message of the settings channel: `site`'s settings changed, or (`site` None) the
    subscription (re)started, so anything cached before it may be stale."""

    site: str | None


class SettingsFeed:
    """A subscription to the settings channel, read without blocking (service.domain.sites)."""

    def __init__(self, client, channel: str) -> None:
        self._pubsub = client.pubsub()
        self._pubsub.subscribe(channel)

    def changes(self) -> list[SettingsChange]:
        """Return the changes announced since the last call (none waits)."""
        found = []
        while True:
            message = self._pubsub.get_message(timeout=0.0)
            if message is None:
                return found
            if message["type"] == "subscribe":
                found.append(SettingsChange(None))
            elif message["type"] == "message":
                found.append(SettingsChange(message["data"]))

    def close(self) -> None:
        """Stop listening and release the connection."""
        self._pubsub.close()


@dataclass(frozen=True)
class VoteChange:
    """What one reaction write did: the article's numbers after it, and the vote it replaced."""

    numbers: dict[str, str]
    changed: bool
    old_mood: str | None
    old_cast_at: int | None


class Store:
    """Redis access for xinqing. Takes a client; registers every script once."""

    def __init__(self, client, prefix: str = "xq", later=None) -> None:
        """`later`: how to run a repair step after the current answer (RankingStore)."""
        self.client = client
        self.keys = Keys(prefix)
        self.scripts = {name: client.register_script(load_script(name)) for name in SCRIPTS}
        from .rankings import RankingStore  # imports this module's helpers
        from .reading import ReadingStore

        self.rankings = RankingStore(client, self.keys, load_script, later)
        self.reading = ReadingStore(client, self.keys, load_script, self.rankings)

    # -- health ---------------------------------------------------------------------------
    @guarded
    def ping(self) -> bool:
        """Tell whether Redis answers."""
        return bool(self.client.ping())

    @guarded
    def probe_write(self) -> None:
        """Write a short-lived key: fails (StorageUnavailable) when Redis refuses writes."""
        self.client.set(self.keys.write_probe(), "1", px=READY_PROBE_TTL_MS)

    # -- sites ----------------------------------------------------------------------------
    @guarded
    def create_site(self, site: str, fields: dict[str, str]) -> bool:
        """Create the site's settings hash unless it exists; True if created."""
        flat = [x for kv in fields.items() for x in kv]
        created = self.scripts["create_site"](keys=[self.keys.site(site)], args=flat)
        if created:
            # The site exists now and its editor token is shown only in this answer: a
            # failure of the registry step (another slot, for listing and rebuilds) is
            # logged, never answered, or the token would be lost with the error.
            after_commit(log, f"site {site} was created but not added to the site list "
                              f"({self.keys.sites()}); add it with SADD",
                         self.client.sadd, self.keys.sites(), site)
        return bool(created)

    @guarded
    def site_fields(self, site: str) -> dict[str, str] | None:
        """Return the site's settings hash, or None if there is no such site."""
        data = self.client.hgetall(self.keys.site(site))
        return data or None

    @guarded
    def update_site(self, site: str, fields: dict[str, str]) -> dict[str, str] | None:
        """Merge `fields` into an existing site; the whole hash after, or None if unknown."""
        flat = [x for kv in fields.items() for x in kv]
        result = self.scripts["update_site"](keys=[self.keys.site(site)], args=flat)
        if not result:
            return None
        # The change is committed. Announcing it lets every worker drop its cached copy; if
        # that fails, Redis is unreachable and so are the workers' subscriptions, which
        # makes them bypass their caches anyway (domain/sites.py): logged, not answered.
        after_commit(log, f"settings of site {site} changed but the change was not announced",
                     self._announce, site)
        return pairs(result)

    def _announce(self, site: str) -> None:
        self.client.publish(self.keys.settings_channel(), site)
        # A barrier: Redis may write PUBLISH's reply before the subscribers' copies of the
        # message (same event-loop turn); once this PING answers, they have been written.
        self.client.ping()

    @guarded
    def site_ids(self) -> list[str]:
        """Return every site id, sorted."""
        return sorted(self.client.smembers(self.keys.sites()))

    def settings_feed(self) -> SettingsFeed:
        """Subscribe to the settings channel (every site's settings changes)."""
        return SettingsFeed(self.client, self.keys.settings_channel())

    # -- reactions (written through RankingStore: service/store/rankings.py) -------------
    @guarded
    def numbers(self, site: str, article: str) -> dict[str, str]:
        """Return the article's numbers hash."""
        return self.client.hgetall(self.keys.numbers(site, article))

    @guarded
    def numbers_and_vote(self, site: str, article: str,
                         reader: str) -> tuple[dict[str, str], str | None]:
        """Return the article's numbers and the reader's standing mood, in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.numbers(site, article))
        pipe.hget(self.keys.votes(site, article), reader)
        numbers, record = pipe.execute()
        return numbers, _mood_of(record)

    @guarded
    def moods_of(self, site: str, articles: list[str], reader: str) -> list[str | None]:
        """Return the reader's standing mood on each article (None where none), in order, in one
        pipelined round trip (one HGET per article; on Cluster, one batch per node)."""
        pipe = self.client.pipeline(transaction=False)
        for article in articles:
            pipe.hget(self.keys.votes(site, article), reader)
        return [_mood_of(record) for record in pipe.execute()]

    @guarded
    def vote_records(self, site: str, article: str) -> dict[str, str]:
        """Return every standing vote of the article: reader id -> "<mood>|<cast unix seconds>"."""
        return self.client.hgetall(self.keys.votes(site, article))

    # -- articles -------------------------------------------------------------------------
    @guarded
    def article_records(self, site: str,
                        articles: Iterable[str]) -> list[tuple[dict[str, str], dict[str, str]]]:
        """Return (numbers, meta) of each article, in order, in one pipelined round trip (the
        same read the rankings make for their items)."""
        return self.rankings.metas(site, list(articles))

    @guarded
    def is_taken_down(self, site: str, article: str) -> bool:
        """True once an editor took the article down (comments hide, rankings leave it)."""
        return self.rankings.is_taken_down(site, article)
