"""What every view needs from the request: services, language, tokens, the client address."""

from __future__ import annotations

import functools
import hmac
from typing import TYPE_CHECKING

from flask import after_this_request, current_app, g, has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ..domain.defaults import LANGUAGES, pick_language
from ..domain.sites import Site
from ..errors import Unauthorized

if TYPE_CHECKING:
    from ..composition import Services


def services() -> "Services":
    """Return the app's services (built once by service.composition.build_services)."""
    return current_app.extensions["xinqing"]


def after_response(step) -> None:
    """Run `step` once the current response has been sent (WSGI close), so the client does
    not wait for it; outside a request, at once. A failing step is the step's to log."""
    if not has_request_context():
        step()
        return

    @after_this_request
    def _on_close(response):
        response.call_on_close(step)
        return response


def lang(args: dict | None = None) -> str:
    """Return the label language: ?lang= if supported, else Accept-Language, else zh-CN.

    `args` is a view's parsed query (when a schema parsed `lang` already); else the raw query.
    """
    # The answer's labels follow the language negotiation: edge.py makes a public answer
    # Vary on Accept-Language unless ?lang= decided it.
    g.label_language = True
    req = request._get_current_object()
    requested = (args or {}).get("lang") or (
        # (an empty query string has no lang: not parsed for nothing)
        req.args.get("lang") if req.environ.get("QUERY_STRING") or "args" in req.__dict__
        else None)
    if requested in LANGUAGES:
        return requested
    header = req.environ.get("HTTP_ACCEPT_LANGUAGE")  # req.headers.get("Accept-Language")
    if not header:
        return pick_language(requested[:16] if requested else None, [])
    if len(header) <= _CACHED_HEADER_MAX and not requested:
        return _language_for_header(header)
    return pick_language(requested[:16] if requested else None, _accepted(header))


def _accepted(header: str) -> list[str]:
    """The tags of an Accept-Language header in preference order (q=0 left out)."""
    return [tag for tag, quality in parse_accept_header(header, LanguageAccept) if quality > 0]


# Parsing Accept-Language costs ~20 µs; browsers send a handful of distinct values, so the
# answer is cached per value (short values only: a long one could be an attempt to fill it).
_CACHED_HEADER_MAX = 256


@functools.lru_cache(maxsize=1024)
def _language_for_header(header: str) -> str:
    return pick_language(None, _accepted(header))


def reader_token() -> str | None:
    """Return the X-Reader-Token header, if any."""
    # the environ, not request.headers: a missing header there costs a raised KeyError
    return request.environ.get("HTTP_X_READER_TOKEN") or None


def bearer() -> str | None:
    """Return the Bearer token of the Authorization header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_admin(token: str | None) -> bool:
    """Tell whether the request carries the admin token."""
    admin = current_app.config.get("ADMIN_TOKEN")
    return bool(token and admin and hmac.compare_digest(token.encode(), admin.encode()))


# RFC 9110: a 401 names the scheme it wants.
_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="xinqing"'}


def require_admin() -> None:
    """Require the admin token; anything else (none, an editor token) is 401."""
    token = bearer()
    if token is None:
        raise Unauthorized("this call needs the admin token as Bearer", headers=_BEARER_CHALLENGE)
    if not is_admin(token):
        raise Unauthorized("the Bearer token is not the admin token", headers=_BEARER_CHALLENGE)


def require_editor(site_id: str) -> Site:
    """Require the site's editor token or the admin token (else 401); return the site."""
    token = bearer()
    if token is None:
        raise Unauthorized("this call needs the site's editor token (or the admin token) as "
                           "Bearer", headers=_BEARER_CHALLENGE)
    site = services().sites.get(site_id)
    if not (is_admin(token) or site.check_editor_token(token)):
        raise Unauthorized("the Bearer token is not this site's editor token",
                           headers=_BEARER_CHALLENGE)
    return site


def client_address() -> str:
    """Return the client's address as the app sees it (after PROXY_HOPS)."""
    return request.remote_addr or "unknown"
