"""Rate limits per client network and per reader (Flask-Limiter on the same Redis), table-driven.

Who is counted: a *client network* — an IPv4 address, or an IPv6 /64 (a home or a phone is
handed a whole /64, so counting by address would give one client 2^64 budgets) — as a keyed
hash (`ReaderTokens.network_id`), so limiter keys hold no address; or a reader (the id
inside a valid X-Reader-Token; without one, the client network).

What is counted:
- SHARED_WRITES: every reader write one client network makes — reactions, shares, views,
  comments, 顶/踩 — draws on one budget, XINQING_WRITE_RATE (scope "writes");
- LIMITED: per-endpoint caps on top, per client network (reader tokens, comments, editor
  and operator writes);
- READER_LIMITED: the same shape, per reader (comments, 顶/踩).

The moving-window strategy of `limits` keeps each hit's time, so a client cannot spend a
budget at the end of one window and again at the start of the next; its cost is one list
entry per hit while the hit is within its window. Keys live under
`<XINQING_KEY_PREFIX>:limits:`.

When Redis is down: `swallow_errors` keeps a storage error from failing the request (500 is
Flask-Limiter's default) and `in_memory_fallback_enabled` switches every limit to counters in
the worker's own memory until Redis answers again — limits still hold, but per process
(a client spread over N workers gets up to N times the rate) and they start from zero. The
request itself then answers 503 if it needs Redis (with the same Retry-After as any other
503: service/api/edge.py). With XINQING_RATELIMIT_ENABLED=false nothing here runs.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter

from .context import client_address, reader_token, services


def network_key() -> str:
    """Return the client network, hashed: what per-address limits count."""
    return services().tokens.network_id(client_address())


def reader_key() -> str:
    """Return who per-reader limits count: the verified reader id, else the client network."""
    site = (request.view_args or {}).get("site") or ""
    token = reader_token()
    if token and site:
        reader = services().tokens.verify(site, token)
        if reader:
            return f"reader:{site}:{reader}"
    return network_key()


# endpoint -> methods: the reader writes that share one XINQING_WRITE_RATE budget
SHARED_WRITES: dict[str, tuple[str, ...]] = {
    "engagement.MyReaction": ("PUT", "DELETE"),
    "engagement.Shares": ("POST",),
    "engagement.add_view": ("POST",),
    "comments.post_comment": ("POST",),
    "comments.CommentVote": ("PUT", "DELETE"),
}

# endpoint -> (setting holding the rate, methods it applies to); counted per client network
LIMITED: dict[str, tuple[str, tuple[str, ...]]] = {
    "engagement.create_reader": ("READER_RATE", ("POST",)),
    "sites.AdminSites": ("EDITOR_RATE", ("POST",)),
    "sites.SiteSettings": ("EDITOR_RATE", ("PATCH",)),
    "sites.rotate_editor_token": ("EDITOR_RATE", ("POST",)),
    "comments.post_comment": ("COMMENT_RATE", ("POST",)),
}

# The same shape, counted per reader (reader_key); an endpoint may be in both tables.
READER_LIMITED: dict[str, tuple[str, tuple[str, ...]]] = {
    "comments.post_comment": ("COMMENT_READER_RATE", ("POST",)),
    "comments.CommentVote": ("COMMENT_VOTE_RATE", ("PUT", "DELETE")),
}


def init_limits(app: Flask, storage_uri: str, storage_options: dict) -> Limiter:
    """Install the rate limits on their views; return the limiter."""
    limiter = Limiter(
        key_func=network_key,
        app=app,
        storage_uri=storage_uri,
        # limits' own prefix (it defaults to "LIMITS"): every key under the deployment's
        storage_options={**storage_options, "key_prefix": f"{app.config['KEY_PREFIX']}:limits"},
        strategy="moving-window",
        enabled=app.config["RATELIMIT_ENABLED"],
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        headers_enabled=True,
    )
    if not app.config["RATELIMIT_ENABLED"]:
        return limiter  # leave the views unwrapped: no per-request cost at all
    for endpoint, methods in SHARED_WRITES.items():
        # one scope for all of them: the same key, so one budget
        app.view_functions[endpoint] = limiter.shared_limit(
            lambda: app.config["WRITE_RATE"], scope="writes", key_func=network_key,
            methods=list(methods))(app.view_functions[endpoint])
    for table, key_func, who in ((LIMITED, network_key, "network"),
                                 (READER_LIMITED, reader_key, "reader")):
        for endpoint, (setting, methods) in table.items():
            if endpoint not in app.view_functions:
                continue
            view = app.view_functions[endpoint]
            rate = app.config[setting]
            app.view_functions[endpoint] = limiter.limit(
                lambda rate=rate: rate, methods=list(methods), key_func=key_func,
                scope=f"{endpoint}:{who}")(view)
    return limiter
