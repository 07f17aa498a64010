"""What browsers load from the service itself: static assets, the widget, server pages.

The JSON API lives in `service.api`; this package serves the front end over it:

- `assets`: every file under `static/` at a content-hashed, immutable URL (`/assets/…`);
- server-rendered pages (Flask's Jinja, templates under `templates/`), each sent with the
  strict Content-Security-Policy of `page_headers`: no inline script or style, nothing from
  another origin, no frames.

Feature modules (the reader widget, public pages, the editors' dashboard) are blueprints
listed in `BLUEPRINTS`; `init_web(app)` registers them after the API.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask

from .assets import init_assets

# Page policy: everything from this origin only, nothing inline, no frames, no plugins.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self' data: https:; font-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")

# Feature blueprints, registered in this order: a module of this package exposing `blp`,
# named (imported when the app is built, so a module may import this package), or a Blueprint.
BLUEPRINTS: tuple = ("dashboard", "widget", "pages")


def page_headers(response, csp: str = PAGE_CSP):
    """Give an HTML page the strict policy and the usual hardening headers."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def init_web(app: Flask) -> None:
    """Register the asset registry and every front-end blueprint on `app`."""
    init_assets(app)
    for blp in BLUEPRINTS:
        if isinstance(blp, str):
            blp = import_module(f"{__name__}.{blp}").blp
        app.register_blueprint(blp)
