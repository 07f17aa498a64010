"""The embedded default: one fakeredis server in gunicorn's master, a demo site, a banner.

`make run` with no XINQING_REDIS_URL ends up here (gunicorn.conf.py's on_starting hook).
The master starts the shared store and exports XINQING_REDIS_URL (and a generated secret
key and admin token, unless set) so every forked worker uses the same store and keys.
"""

from __future__ import annotations

import logging
import os
import secrets

log = logging.getLogger("xinqing.embedded")


def start_embedded(public_base: str) -> str:
    """Start the shared embedded store; return the banner to print (with the demo token)."""
    from .config import load_config
    from .domain.sites import SiteDirectory
    from .store import Store
    from .store.connection import EmbeddedServer, client_from_url

    config = load_config()
    server = EmbeddedServer(config["EMBEDDED_PORT"]).start()
    os.environ["XINQING_REDIS_URL"] = server.url
    if not os.environ.get("XINQING_SECRET_KEY"):
        log.warning("embedded mode: generated XINQING_SECRET_KEY; reader tokens end with this process")
        os.environ["XINQING_SECRET_KEY"] = secrets.token_urlsafe(32)
    if not os.environ.get("XINQING_ADMIN_TOKEN"):
        os.environ["XINQING_ADMIN_TOKEN"] = "xqa_" + secrets.token_urlsafe(24)
    admin = os.environ["XINQING_ADMIN_TOKEN"]

    demo = config["DEMO_SITE"]
    if config["DEMO"] == "auto":
        # Workers see the shared store's URL, not "embedded": tell them /demo is on.
        os.environ["XINQING_DEMO"] = "true"
    lines = ["", "xinqing is running on the EMBEDDED store (fakeredis in memory; set "
             "XINQING_REDIS_URL for a real Redis).", f"  admin token : {admin}"]
    if demo:
        from .web.demo import demo_site_settings

        store = Store(client_from_url(server.url, config), prefix=config["KEY_PREFIX"])
        b = public_base.rstrip("/")
        _, editor = SiteDirectory(store, cache=False).create(demo, demo_site_settings(b))
        lines += [
            f"  demo site   : {demo}",
            f"  editor token: {editor}",
        ]
        if config["DEMO"] is not False:
            lines.append(f"  demo page   : {b}/demo  (every widget, on the demo site)")
        lines += [
            "",
            "Try it:",
            f"  TOKEN=$(curl -s -X POST {b}/v1/sites/{demo}/readers | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"reader_token\"])')",
            f"  curl -s -X PUT -H \"X-Reader-Token: $TOKEN\" -H 'Content-Type: application/json' -d '{{\"mood\": \"happy\"}}' {b}/v1/sites/{demo}/articles/38012345/reactions/mine",
            f"  curl -s -X POST -H \"X-Reader-Token: $TOKEN\" -H 'Content-Type: application/json' -d '{{\"channel\": \"wechat\"}}' {b}/v1/sites/{demo}/articles/38012345/shares",
            f"  curl -s {b}/v1/sites/{demo}/articles/38012345",
            f"  curl -s -H 'Authorization: Bearer {editor}' {b}/v1/sites/{demo}/settings",
            f"  curl -s {b}/openapi.json",
        ]
    return "\n".join(lines) + "\n"
