"""The embedded default: one fakeredis server in gunicorn's master, a demo site, a banner.

`make run` (or `xinqing serve`) with no XINQING_REDIS_URL ends up here: service/gunicorn_conf.py's
on_starting hook starts the store, and its when_ready hook prints the banner once gunicorn
listens.
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
    from .composition import build_services
    from .config import load_config
    from .store.connection import EmbeddedServer, client_from_url
    from .walkthrough import for_banner

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
    b = public_base.rstrip("/")
    if config["DEMO"] == "auto":
        # Workers see the shared store's URL, not "embedded": tell them /demo is on.
        os.environ["XINQING_DEMO"] = "true"
    lines = ["", "xinqing is running on the EMBEDDED store (fakeredis in memory; set "
             "XINQING_REDIS_URL for a real Redis).",
             f"  listening on: {b}",
             f"  admin token : {admin}"]
    if demo:
        from .web.demo import demo_site_settings

        services = build_services({**config, "SETTINGS_CACHE": False,
                                   "SECRET_KEY": os.environ["XINQING_SECRET_KEY"]},
                                  client_from_url(server.url, config))
        _, editor = services.sites.create(demo, demo_site_settings(b))
        lines += [
            f"  demo site   : {demo}",
            f"  editor token: {editor}",
        ]
        if config["DEMO"] is not False:
            lines.append(f"  demo page   : {b}/demo  (every widget, on the demo site)")
        lines += [
            "",
            "Try it: paste these lines into a shell (the README's walk-through, with these tokens):",
            "",
            for_banner(b, editor, admin, demo),
        ]
    else:
        lines += ["", "No demo site (XINQING_DEMO_SITE is empty): create one with",
                  f"  curl -s -X POST -H 'Authorization: Bearer {admin}' -H 'Content-Type: "
                  f"application/json' -d '{{\"site\": \"gmw\"}}' {b}/v1/admin/sites"]
    return "\n".join(lines) + "\n"
