"""The one layer that talks to Redis. It knows keys and scripts, not HTTP or site rules.

Each method is one round trip (a script, one command, or one pipeline on one hash tag) and
returns plain Python values. Backend outages surface as StorageUnavailable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Iterable, TypeVar

import logging

from redis.exceptions import NoScriptError

from ..errors import StorageUnavailable, after_commit
from .connection import reply_code, unavailable
from .keys import READY_PROBE_TTL_MS, Keys

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("xinqing.store")

SCRIPTS = ("create_site", "update_site")


def guarded(fn: F) -> F:
    """Turn a backend outage inside a store call into StorageUnavailable (503).

    An outage is Redis unreachable, or refusing the command for now: out of memory under
    noeviction, a failed snapshot (MISCONF), a replica (READONLY), loading, busy, a cluster
    slot down (see connection.unavailable). Anything else is a bug and stays an error.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
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
    if cluster:
        client.hset(touch[0], touch[1], "1")
        return script(keys=keys, args=args)
    pipe = client.pipeline(transaction=False)
    pipe.hset(touch[0], touch[1], "1")
    pipe.evalsha(script.sha, len(keys), *keys, *args)
    indexed, reply = pipe.execute(raise_on_error=False)
    if isinstance(reply, NoScriptError):  # a restarted or flushed Redis: the index is written
        return script(keys=keys, args=args)
    if isinstance(reply, Exception):
        raise reply
    if isinstance(indexed, Exception):
        # The script has committed: its answer stands; only the index misses the article.
        log.error("the reader index %s missed %s (%s); erasure would not find that write",
                  touch[0], touch[1], indexed)
    return reply


def pairs(flat: list) -> dict[str, str]:
    """Turn a flat [k1, v1, k2, v2…] reply into a dict."""
    return dict(zip(flat[::2], flat[1::2]))


def _mood_of(record: str | None) -> str | None:
    """The mood of a vote record "<mood>|<cast unix seconds>"."""
    return record.split("|", 1)[0] if record else None


def load_script(name: str) -> str:
    return resources.files("service.store").joinpath("lua", f"{name}.lua").read_text("utf-8")


@dataclass(frozen=True)
class VoteChange:
    """What one reaction write did: the article's numbers after it, and the vote it replaced."""

    numbers: dict[str, str]
    changed: bool
    old_mood: str | None
    old_cast_at: int | None


class Store:
    """Redis access for xinqing. Takes a client; registers every script once."""

    def __init__(self, client, prefix: str = "xq") -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.scripts = {name: client.register_script(load_script(name)) for name in SCRIPTS}
        from .rankings import RankingStore  # imports this module's helpers

        self.rankings = RankingStore(client, self.keys, load_script)

    # -- health ---------------------------------------------------------------------------
    @guarded
    def ping(self) -> bool:
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
        return sorted(self.client.smembers(self.keys.sites()))

    def settings_channel(self) -> str:
        return self.keys.settings_channel()

    # -- reactions (written through RankingStore: service/store/rankings.py) -------------
    @guarded
    def numbers(self, site: str, article: str) -> dict[str, str]:
        return self.client.hgetall(self.keys.numbers(site, article))

    @guarded
    def numbers_and_vote(self, site: str, article: str,
                         reader: str) -> tuple[dict[str, str], str | None]:
        """The article's numbers and the reader's standing mood, in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.numbers(site, article))
        pipe.hget(self.keys.votes(site, article), reader)
        numbers, record = pipe.execute()
        return numbers, _mood_of(record)

    @guarded
    def moods_of(self, site: str, articles: list[str], reader: str) -> list[str | None]:
        """The reader's standing mood on each article (None where none), in order, in one
        pipelined round trip (one HGET per article; on Cluster, one batch per node)."""
        pipe = self.client.pipeline(transaction=False)
        for article in articles:
            pipe.hget(self.keys.votes(site, article), reader)
        return [_mood_of(record) for record in pipe.execute()]

    @guarded
    def vote_records(self, site: str, article: str) -> dict[str, str]:
        """Every standing vote of the article: reader id -> "<mood>|<cast unix seconds>"."""
        return self.client.hgetall(self.keys.votes(site, article))

    # -- articles -------------------------------------------------------------------------
    @guarded
    def article_records(self, site: str,
                        articles: Iterable[str]) -> list[tuple[dict[str, str], dict[str, str]]]:
        """(numbers, meta) of each article, in order, in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        articles = list(articles)
        for article in articles:
            pipe.hgetall(self.keys.numbers(site, article))
            pipe.hgetall(self.keys.meta(site, article))
        replies = pipe.execute()
        return [(replies[i], replies[i + 1]) for i in range(0, len(replies), 2)]

    @guarded
    def is_taken_down(self, site: str, article: str) -> bool:
        """True once an editor took the article down (comments hide, rankings leave it)."""
        return self.rankings.is_taken_down(site, article)
