"""The composition root: the one place that builds the domain services and wires them.

`create_app`, the `xinqing` command line, the embedded server and the web pages all get
their services from `build_services`, so a rule wired here (a published comment feeds the
`comments` ranking, a rebuild reads the comment records, editors' decisions go to the
history) holds the same way wherever a service is used. Each object receives what it
depends on in its constructor; nothing is attached afterwards.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from .api.pagecache import PageCache
from .config import ConfigError, load_config
from .domain.comment_listing import CommentListing
from .domain.comments import CommentCounts, Comments
from .domain.cursors import CursorCodec
from .domain.engagement import Engagement
from .domain.erasure import Erasure
from .domain.history import ModerationHistory
from .domain.migration import LegacyCounts
from .domain.moderation import AuthorRefs, Bans, Moderation
from .domain.overview import Overview
from .domain.portability import Exporter, Importer
from .domain.rankings import Rankings
from .domain.readers import ReaderTokens
from .domain.reading import Reading
from .domain.sites import SiteDirectory
from .metrics import Metrics
from .store import Store
from .store.comments import CommentStore
from .store.history import HistoryStore
from .store.portability import PortabilityStore

log = logging.getLogger("xinqing")


@dataclass(frozen=True)
class Services:
    """Every per-process object the views and commands use (app.extensions["xinqing"])."""

    config: Mapping[str, Any]
    store: Store
    sites: SiteDirectory
    tokens: ReaderTokens
    history: ModerationHistory
    rankings: Rankings
    engagement: Engagement
    comments: Comments
    comment_listing: CommentListing
    moderation: Moderation
    bans: Bans
    portability: PortabilityStore
    exporter: Exporter
    importer: Importer
    legacy_counts: LegacyCounts
    erasure: Erasure
    overview: Overview
    reading: Reading
    metrics: Metrics
    page_cache: PageCache


def build_services(config: Mapping[str, Any], client,
                   later: Callable[[Callable[[], None]], None] | None = None) -> Services:
    """Build every domain service over one Redis `client`, wired for `config`.

    `config` is load_config()'s dict: SECRET_KEY must be set; CLOCK (tests) replaces the
    wall clock and SETTINGS_CACHE=False turns the per-process settings cache off. `later`
    runs a repair step once the current answer is sent (the app's; a command runs it at
    once).
    """
    if not config.get("SECRET_KEY"):
        raise ConfigError("build_services needs SECRET_KEY (signs reader tokens and cursors)")
    clock: Callable[[], float] = config.get("CLOCK") or time.time
    secret, previous = config["SECRET_KEY"], config.get("SECRET_KEY_PREVIOUS")
    half_life = config["HOT_HALF_LIFE_HOURS"]

    store = Store(client, prefix=config["KEY_PREFIX"], later=later)
    comment_store = CommentStore(client, store.keys)
    sites = SiteDirectory(store, cache=config.get("SETTINGS_CACHE", True))
    tokens = ReaderTokens(secret, previous)
    metrics = Metrics()
    # Editors' decisions (moderation, bans, takedowns) go to the site's history.
    history = ModerationHistory(HistoryStore(client, store.keys), sites, clock=clock)
    # A rebuild recomputes the `comments` metric from the comment records themselves.
    rankings = Rankings(store, sites, clock=clock, half_life_hours=half_life,
                        comment_source=CommentCounts(comment_store).published_by_hour,
                        history=history)
    engagement = Engagement(store, sites, tokens, clock=clock, rankings=rankings,
                            after_vote=[metrics.on_vote], after_share=[metrics.on_share],
                            after_view=[metrics.on_view])
    refs = AuthorRefs(secret, previous)
    comment_cursors = CursorCodec(secret, previous)
    bans = Bans(comment_store, sites, refs, history=history, clock=clock)
    # A published comment counts in the `comments` ranking of the hour it was created.
    comments = Comments(comment_store, sites, engagement, bans, clock=clock, history=history,
                        after_count_change=[rankings.record_comment])
    portability = PortabilityStore(client, store.keys)
    return Services(
        config=MappingProxyType(dict(config)),
        store=store,
        sites=sites,
        tokens=tokens,
        history=history,
        rankings=rankings,
        engagement=engagement,
        comments=comments,
        comment_listing=CommentListing(comment_store, sites, engagement, comment_cursors),
        moderation=Moderation(comment_store, sites, comments, refs, comment_cursors,
                              history=history),
        bans=bans,
        portability=portability,
        exporter=Exporter(portability, sites, clock=clock),
        importer=Importer(portability, sites, rankings, clock=clock),
        legacy_counts=LegacyCounts(portability, rankings),
        erasure=Erasure(portability, engagement, comments, refs, history=history),
        overview=Overview(store.rankings, sites, clock=clock),
        # feed cursors are signed with the current key only (they live minutes)
        reading=Reading(store, sites, CursorCodec(secret), clock=clock, half_life_hours=half_life,
                        related_cache_seconds=config["RELATED_CACHE_SECONDS"],
                        feed_snapshot_seconds=config["FEED_SNAPSHOT_SECONDS"],
                        feed_cursor_seconds=config["FEED_CURSOR_SECONDS"]),
        metrics=metrics,
        page_cache=PageCache(max(0, config["PAGE_CACHE_BYTES"])),
    )


def command_line_services(environ: Mapping[str, str] | None = None) -> Services:
    """Build the services a command-line task uses: the configured shared Redis, no cache.

    Raise ConfigError without XINQING_REDIS_URL (the embedded store lives inside the
    running server). Without XINQING_SECRET_KEY a throwaway key is used: no command signs
    anything a reader keeps.
    """
    from .store.connection import client_from_url

    config = load_config(environ, require_secret=False)
    if not config["REDIS_URL"]:
        raise ConfigError("set XINQING_REDIS_URL: the command line needs a shared Redis "
                          "(the embedded store lives inside the running server)")
    # Another process (a server) may change settings at any moment: read them afresh.
    config["SETTINGS_CACHE"] = False
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = secrets.token_urlsafe(32)
    return build_services(config, client_from_url(config["REDIS_URL"], config))
