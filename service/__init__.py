"""xinqing (心情): a headless reaction, share, view and comment service for news sites.

Served by `xinqing serve` (gunicorn with the settings in service/gunicorn_conf.py). Nothing
happens at import time.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Flask

from .config import load_config

log = logging.getLogger("xinqing")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app from XINQING_* settings, with `test_config` overriding them."""
    from .serving import check_started_correctly

    check_started_correctly()  # a plain `gunicorn 'service:create_app()'` is refused here
    from .api import init_api
    from .api.edge import init_edge
    from .api.observe import init_observe, register_metrics_endpoint
    from .api.context import after_response
    from .api.limits import init_limits
    from .composition import build_services
    from .jsonio import OrjsonProvider
    from .logs import init_logging
    from .store.connection import client_from_url, inprocess_fake_client, limits_storage_uri

    config = load_config(overrides=test_config)
    init_logging(config)

    app = Flask(__name__)
    from .api.response import Response

    app.response_class = Response  # hands its headers to the server without a copy
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

    # a worker's retry of ranking folds that failed runs once the answer has been sent
    services = build_services(config, client, later=after_response)
    app.extensions["xinqing"] = services

    init_observe(app)
    api = init_api(app)
    register_metrics_endpoint(api)
    init_edge(app)
    from .web import init_web

    init_web(app)
    timeouts = {"socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
                "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"]}
    init_limits(app, limits_uri, timeouts if limits_uri != "memory://" else {})
    return app
