"""Rate limits per client address (Flask-Limiter on the same Redis), table-driven.

Each app gets its own Limiter whose storage is the app's Redis (memory:// for the in-process
test store). When Redis is down, limits fall back to per-process memory counters instead of
failing requests (the request itself then answers 503 if it needs Redis). With
XINQING_RATELIMIT_ENABLED=false nothing here runs.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter

from .context import client_address

# endpoint -> (setting holding the rate, methods it applies to)
LIMITED: dict[str, tuple[str, tuple[str, ...]]] = {
    "engagement.create_reader": ("READER_RATE", ("POST",)),
    "engagement.MyReaction": ("WRITE_RATE", ("PUT", "DELETE")),
    "engagement.Shares": ("WRITE_RATE", ("POST",)),
    "engagement.add_view": ("WRITE_RATE", ("POST",)),
    "sites.AdminSites": ("EDITOR_RATE", ("POST",)),
    "sites.SiteSettings": ("EDITOR_RATE", ("PATCH",)),
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
    for endpoint, (setting, methods) in LIMITED.items():
        view = app.view_functions[endpoint]
        rate = app.config[setting]
        app.view_functions[endpoint] = limiter.limit(
            lambda rate=rate: rate, methods=list(methods), key_func=client_address)(view)
    return limiter
