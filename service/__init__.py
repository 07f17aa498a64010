"""xinqing (心情): a headless reaction, share, view and comment service for news sites.

Served by `xinqing serve` (gunicorn with the settings in service/gunicorn_conf.py). Nothing
happens at import time.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask

from .config import load_config

log = logging.getLogger("xinqing")


@dataclass
class Services:
    """Per-app objects the views use (kept in app.extensions["xinqing"])."""

    config: dict[str, Any]
    store: Any
    sites: Any
    tokens: Any
    engagement: Any
    limiter: Any = None
    metrics: Any = None
    comments: Any = None
    page_cache: Any = None
    rankings: Any = None
    portability: Any = None
    erasure: Any = None
    history: Any = None
    overview: Any = None
    reading: Any = None


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from XINQING_* settings, with `test_config` overriding them."""
    from .serving import check_started_correctly

    check_started_correctly()  # a plain `gunicorn 'service:create_app()'` is refused here
    from .api import init_api
    from .api.edge import init_edge
    from .api.observe import init_observe, register_metrics_endpoint
    from .api.limits import init_limits
    from .api.pagecache import PageCache
    from .domain.comments import Comments
    from .domain.engagement import Engagement
    from .domain.readers import ReaderTokens
    from .domain.sites import SiteDirectory
    from .jsonio import OrjsonProvider
    from .logs import init_logging
    from .store import Store
    from .store.comments import CommentStore
    from .store.connection import client_from_url, inprocess_fake_client, limits_storage_uri

    config = load_config(overrides=test_config)
    init_logging(config)

    app = Flask(__name__)
    if config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly PROXY_HOPS entries of X-Forwarded-For/-Proto: the client address
        # (rate limits, view dedupe) is the one the outermost of our proxies saw.
        hops = config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.json_provider_class = OrjsonProvider
    app.json = OrjsonProvider(app)
    app.config.update(config)
    # JSON only, no cookies: skip Flask's cookie session on every request (~20 µs each).
    from flask.sessions import SessionInterface

    class _NoSessions(SessionInterface):
        def open_session(self, app, request):
            return None

        def save_session(self, app, session, response):
            return None

    app.session_interface = _NoSessions()

    client = config.get("REDIS_CLIENT")
    if client is None and config["REDIS_URL"]:
        client = client_from_url(config["REDIS_URL"], config)
        limits_uri = limits_storage_uri(config["REDIS_URL"])
    elif client is None:
        log.warning("XINQING_REDIS_URL is not set: using an in-process embedded store "
                    "(fakeredis); data is lost on exit and not shared between processes")
        client = inprocess_fake_client(config)
        limits_uri = "memory://"
    else:
        limits_uri = config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not config["SECRET_KEY"]:
        log.warning("XINQING_SECRET_KEY is not set: generated a random one; reader tokens "
                    "will not survive a restart")
        config["SECRET_KEY"] = secrets.token_urlsafe(32)
        app.config["SECRET_KEY"] = config["SECRET_KEY"]

    store = Store(client, prefix=config["KEY_PREFIX"])
    sites = SiteDirectory(store, cache=config.get("SETTINGS_CACHE", True))
    tokens = ReaderTokens(config["SECRET_KEY"], config.get("SECRET_KEY_PREVIOUS"))
    engagement = Engagement(store, sites, tokens, clock=config.get("CLOCK") or __import__("time").time)
    services = Services(config, store, sites, tokens, engagement)
    services.comments = Comments(CommentStore(client, store.keys), sites, engagement,
                                 config["SECRET_KEY"], clock=engagement.clock,
                                 previous_secret=config.get("SECRET_KEY_PREVIOUS"))
    services.page_cache = PageCache(max(0, config["PAGE_CACHE_BYTES"]))
    from .domain.rankings import Rankings

    services.rankings = engagement.rankings = Rankings(
        store, sites, clock=engagement.clock, half_life_hours=config["HOT_HALF_LIFE_HOURS"])
    # A published comment counts in the `comments` ranking of the hour it was created.
    services.comments.after_count_change.append(services.rankings.record_comment)
    services.rankings.comment_source = services.comments.published_by_hour
    from .domain.history import ModerationHistory
    from .store.history import HistoryStore

    # Editors' decisions (moderation, bans, takedowns) go to the site's history.
    services.history = ModerationHistory(HistoryStore(client, store.keys), sites,
                                         clock=engagement.clock)
    services.comments.history = services.rankings.history = services.history
    from .domain.erasure import Erasure
    from .store.portability import PortabilityStore

    services.portability = PortabilityStore(client, store.keys)
    services.erasure = Erasure(services.portability, engagement, services.comments,
                               history=services.history)
    from .domain.overview import Overview

    services.overview = Overview(store.rankings, sites, clock=engagement.clock)
    from .domain.reading import Reading
    from .store import load_script
    from .store.reading import ReadingStore

    store.reading = ReadingStore(client, store.keys, load_script, store.rankings)
    services.reading = Reading(
        store, sites, config["SECRET_KEY"], clock=engagement.clock,
        half_life_hours=config["HOT_HALF_LIFE_HOURS"],
        related_cache_seconds=config["RELATED_CACHE_SECONDS"],
        feed_snapshot_seconds=config["FEED_SNAPSHOT_SECONDS"],
        feed_cursor_seconds=config["FEED_CURSOR_SECONDS"])
    app.extensions["xinqing"] = services

    init_observe(app)
    api = init_api(app)
    register_metrics_endpoint(api)
    init_edge(app)
    from .web import init_web

    init_web(app)
    timeouts = {"socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
                "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"]}
    services.limiter = init_limits(app, limits_uri,
                                   timeouts if limits_uri != "memory://" else {})
    return app
