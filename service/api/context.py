"""What every view needs from the request: services, language, tokens, the client address."""

from __future__ import annotations

import hmac

from flask import current_app, g, request

from ..domain.sites import Site, pick_language
from ..domain.defaults import LANGUAGES
from ..errors import Forbidden, Unauthorized


def services():
    return current_app.extensions["xinqing"]


def lang(args: dict | None = None) -> str:
    """The label language: ?lang= if it names a supported one, else Accept-Language, else zh-CN.

    `args` is a view's parsed query (when a schema parsed `lang` already); else the raw query.
    """
    # The answer's labels follow the language negotiation: edge.py makes a public answer
    # Vary on Accept-Language unless ?lang= decided it.
    g.label_language = True
    requested = (args or {}).get("lang") or request.args.get("lang")
    if requested in LANGUAGES:
        return requested
    header = request.headers.get("Accept-Language")
    best = request.accept_languages.best_match(LANGUAGES) if header else None
    return pick_language(requested[:16] if requested else None, best)


def reader_token() -> str | None:
    return request.headers.get("X-Reader-Token") or None


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_admin(token: str | None) -> bool:
    admin = current_app.config.get("ADMIN_TOKEN")
    return bool(token and admin and hmac.compare_digest(token.encode(), admin.encode()))


def require_admin() -> None:
    token = bearer()
    if token is None:
        raise Unauthorized()
    if not is_admin(token):
        raise Forbidden("this call needs the operator (admin) token")


def require_editor(site_id: str) -> Site:
    """The site, if the request carries its editor token or the admin token."""
    token = bearer()
    if token is None:
        raise Unauthorized()
    site = services().sites.get(site_id)
    if not (is_admin(token) or site.check_editor_token(token)):
        raise Unauthorized("the Bearer token is not this site's editor token")
    return site


def client_address() -> str:
    return request.remote_addr or "unknown"
