"""Rate limits per client address and per reader (Flask-Limiter on the same Redis), table-driven.

Each app gets its own Limiter whose storage is the app's Redis (memory:// for the in-process
test store). LIMITED counts per client address, READER_LIMITED per reader
(the id inside a valid X-Reader-Token; a request without a valid token is counted by its
address, and the view then answers 401 anyway). An endpoint may be in both tables (comment
posts and votes are limited per reader and per address).

When Redis is down: `swallow_errors` keeps a storage error from failing the request (500 is
Flask-Limiter's default) and `in_memory_fallback_enabled` switches every limit to counters in
the worker's own memory until Redis answers again — limits still hold, but per process
(a client spread over N workers gets up to N times the rate) and they start from zero. The
request itself then answers 503 if it needs Redis. With XINQING_RATELIMIT_ENABLED=false
nothing here runs.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from .context import client_address, reader_token, services


def reader_key() -> str:
    """Who to count for per-reader limits: the verified reader id, else the address."""
    site = (request.view_args or {}).get("site") or ""
    token = reader_token()
    if token and site:
        reader = services().tokens.verify(site, token)
        if reader:
            return f"reader:{site}:{reader}"
    return f"addr:{client_address()}"


# endpoint -> (setting holding the rate, methods it applies to); counted per client address
LIMITED: dict[str, tuple[str, tuple[str, ...]]] = {
    "engagement.create_reader": ("READER_RATE", ("POST",)),
    "engagement.MyReaction": ("WRITE_RATE", ("PUT", "DELETE")),
    "engagement.Shares": ("WRITE_RATE", ("POST",)),
    "engagement.add_view": ("WRITE_RATE", ("POST",)),
    "sites.AdminSites": ("EDITOR_RATE", ("POST",)),
    "sites.SiteSettings": ("EDITOR_RATE", ("PATCH",)),
    "comments.post_comment": ("COMMENT_RATE", ("POST",)),
    "comments.CommentVote": ("WRITE_RATE", ("PUT", "DELETE")),
}

# The same shape, counted per reader (reader_key); an endpoint may be in both tables.
READER_LIMITED: dict[str, tuple[str, tuple[str, ...]]] = {
    "comments.post_comment": ("COMMENT_READER_RATE", ("POST",)),
    "comments.CommentVote": ("COMMENT_VOTE_RATE", ("PUT", "DELETE")),
}


def init_limits(app: Flask, storage_uri: str, storage_options: dict) -> Limiter:
    limiter = Limiter(
        key_func=client_address,
        app=app,
        storage_uri=storage_uri,
        storage_options=storage_options,
        strategy="fixed-window",
        enabled=app.config["RATELIMIT_ENABLED"],
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=True,
        key_prefix=f"{app.config['KEY_PREFIX']}:limits",
    )
    if not app.config["RATELIMIT_ENABLED"]:
        return limiter  # leave the views unwrapped: no per-request cost at all
    for table, key_func, who in ((LIMITED, client_address, "address"),
                                 (READER_LIMITED, reader_key, "reader")):
        for endpoint, (setting, methods) in table.items():
            view = app.view_functions[endpoint]
            rate = app.config[setting]
            app.view_functions[endpoint] = limiter.limit(
                lambda rate=rate: rate, methods=list(methods), key_func=key_func,
                scope=f"{endpoint}:{who}")(view)
    return limiter
