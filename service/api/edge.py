"""What a browser and a CDN see: per-site CORS, Cache-Control, ETag and 304s.

App-level hooks driven by the `site` view argument and the site's settings
(`allowed_origins`, `cache_max_age`), so every site-scoped endpoint gets them, including
blueprints added later.

CORS: an `Origin` listed in the site's `allowed_origins` (or any origin, if `*` is listed) gets
`Access-Control-Allow-Origin` and friends; a preflight from it is answered 204 here, before
rate limits and body checks. Any other origin gets no CORS headers at all.

Caching (a view that sets Cache-Control itself keeps it; a public one — made with
`cache_publicly`, the one helper for it — still gets the Vary, ETag and 304 handling below):
- a successful GET/HEAD of a site-scoped route without reader or editor credentials is
  `public, max-age=<cache_max_age>` with an ETag, and `If-None-Match` is answered 304; it
  varies on X-Reader-Token and Authorization (a request carrying one is a cache miss) and,
  when the view chose labels by language (context.lang()) and no `?lang=` decided it, on
  Accept-Language;
- a request carrying `X-Reader-Token` or `Authorization` gets `private, no-store`: one
  reader's state is never stored for another;
- everything else — writes, errors, operations endpoints — is `no-store`.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
import time

from werkzeug.http import generate_etag, http_date, quote_etag

from schemas.common import SITE_RE
from ..domain.defaults import LANGUAGES
from ..errors import XinqingError
from .context import services
from .response import add_new, header_names

CREDENTIAL_HEADERS = ("X-Reader-Token", "Authorization")
ALLOWED_HEADERS = "Content-Type, X-Reader-Token, Authorization, X-Request-ID, Idempotency-Key"
EXPOSED_HEADERS = ("X-Request-ID, Retry-After, ETag, X-RateLimit-Limit, "
                   "X-RateLimit-Remaining, X-RateLimit-Reset, Idempotent-Replayed, "
                   "X-Reader-Token-Refresh")
PREFLIGHT_MAX_AGE = "600"
_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
# What makes werkzeug's make_conditional do more than add Date and Content-Length
_CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
                        "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE")
_NO_SITE = object()
_VARY_LANGUAGE = (*CREDENTIAL_HEADERS, "Accept-Language")


def _query_lang(req) -> str | None:
    """`req.args.get("lang")`, without parsing an empty query string."""
    if not req.environ.get("QUERY_STRING") and "args" not in req.__dict__:
        return None
    return req.args.get("lang")


# The hooks below run on every request: each binds the request once (`req`) and hands it
# on, since every `request.` through the proxy is a context-variable lookup (~1-2 µs).

def _site(req):
    """The Site of a site-scoped request (cached on g), or None (no site, unknown, Redis down)."""
    site = g.get("_edge_site", _NO_SITE)
    if site is _NO_SITE:
        site_id = (req.view_args or {}).get("site")
        site = None
        if site_id is not None and SITE_RE.fullmatch(site_id):  # a malformed id never reaches Redis
            try:
                site = services().sites.get(site_id)
            except XinqingError:
                site = None
        g._edge_site = site
    return site


def _allowed_origin(req, site) -> str | None:
    """The value for Access-Control-Allow-Origin, or None if this origin is not allowed."""
    origin = req.environ.get("HTTP_ORIGIN")
    if not origin or site is None:
        return None
    allowed = site.settings.get("allowed_origins") or ()
    if origin in allowed:
        return origin
    if "*" in allowed:
        return "*"
    return None


def _preflight():
    """Answer a CORS preflight from an allowed origin with 204 (headers added in _decorate)."""
    req = request._get_current_object()
    if req.method != "OPTIONS" or "Access-Control-Request-Method" not in req.headers:
        return None
    if _allowed_origin(req, _site(req)) is None:
        return None  # Flask's default OPTIONS answer, without CORS headers
    return current_app.response_class(status=204)


def _cors(req, response, site) -> None:
    allowed = site.settings.get("allowed_origins") or ()
    if allowed and list(allowed) != ["*"]:
        response.vary.add("Origin")  # the answer differs by Origin
    origin = _allowed_origin(req, site)
    if origin is None:
        return
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if req.method == "OPTIONS":
        rule = req.url_rule
        methods = sorted(rule.methods) if rule is not None and rule.methods else []
        headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE


# CREDENTIAL_HEADERS as WSGI environ keys: looked up there, since a header missing from
# req.headers costs a raised (and caught) KeyError
_CREDENTIAL_KEYS = tuple("HTTP_" + h.upper().replace("-", "_") for h in CREDENTIAL_HEADERS)


def _has_credentials(req) -> bool:
    environ = req.environ
    return any(environ.get(key) for key in _CREDENTIAL_KEYS)


def _vary(response, names, present: set[str] | None = None) -> None:
    """Add `names` to the response's Vary header.

    Without a Vary yet (the usual case) the header is written directly: werkzeug's
    `response.vary` parses it into a HeaderSet and serializes it back, ~3 µs for the same
    result ("X-Reader-Token, Authorization"). `present`: the header names already known
    (response.header_names), kept up to date here."""
    if present is None:
        present = header_names(response.headers)
    if "vary" not in present:
        add_new(response.headers, "Vary", ", ".join(names))
        present.add("vary")
    else:
        response.vary.update(names)


# (second, its HTTP date): a public answer carries the current second's date
_date_cache: tuple[int, str] = (-1, "")


def _http_date_now() -> str:
    """`werkzeug.http.http_date()` (the current time), formatted once per second."""
    global _date_cache
    second = int(time.time())
    cached = _date_cache
    if cached[0] != second:
        cached = _date_cache = (second, http_date(second))  # one tuple, swapped whole
    return cached[1]


def _make_conditional(req, response, present: set[str] | None = None) -> None:
    """`response.make_conditional(req)`, skipping its parsing when nothing is conditional.

    A request without any of _CONDITIONAL_HEADERS can neither get a 304/412 nor a range,
    so werkzeug's make_conditional would only add Date and Content-Length: do just that
    (measured ~30 µs less per public GET in bench/inprocess.py)."""
    environ = req.environ
    if any(name in environ for name in _CONDITIONAL_HEADERS):
        response.make_conditional(req)
        return
    headers = response.headers
    if present is None:
        present = header_names(headers)
    if "date" not in present:
        add_new(headers, "Date", _http_date_now())
        present.add("date")
    if response.automatically_set_content_length and "content-length" not in present:
        length = response.calculate_content_length()
        if length is not None:
            add_new(headers, "Content-Length", str(length))
            present.add("content-length")


def cache_publicly(response, max_age: int | None = None, etag: str | None = None, *,
                   directives: str | None = None):
    """Let browsers and shared caches keep `response`: for `max_age` seconds, or with
    `directives` (a full Cache-Control value, e.g. a year and `immutable`).

    `etag` is a validator the caller already has (a version label, a content hash); without
    one, a hash of the body is used. The edge hook then gives every public answer the same
    Vary, ETag and If-None-Match → 304 handling (one place for all of them: API views,
    pages, static assets)."""
    response.headers["Cache-Control"] = directives or f"public, max-age={int(max_age or 0)}"
    if etag:
        response.set_etag(etag)
    return response


def _add_etag(response, present: set[str]) -> None:
    """`response.add_etag()`: an ETag hashing the body, unless the answer has one."""
    if "etag" in present:
        return
    body = response.response
    if type(body) is list and len(body) == 1 and type(body[0]) is bytes:
        data = body[0]  # what get_data() would join, without its checks
    else:
        data = response.get_data()
    add_new(response.headers, "ETag", quote_etag(generate_etag(data)))
    present.add("etag")


def _public(req, response, status: int, present: set[str] | None = None):
    """What every publicly cacheable answer needs besides its max-age: Vary and validators."""
    if present is None:
        present = header_names(response.headers)
    vary = CREDENTIAL_HEADERS
    # (the label flag first: it is cheap, and when it is off the query string is not parsed)
    if (g.get("label_language") or "accept_languages" in req.__dict__) and (
            _query_lang(req) not in LANGUAGES):
        # The view picked labels by language negotiation (context.lang()) and no ?lang=
        # decided it: Accept-Language — even its absence, which picks zh-CN — chose the
        # answer, so a cache must not hand it to a reader with another language.
        vary = _VARY_LANGUAGE
    _vary(response, vary, present)
    if status == 200 and not response.is_streamed:  # a view's own 304 keeps its validators
        _add_etag(response, present)  # keeps an ETag the view set
        _make_conditional(req, response, present)
    return response


def _cache(req, response, site, present: set[str]):
    status = response.status_code
    cacheable = req.method in _CACHEABLE_METHODS and status in (200, 304)
    headers = response.headers
    if "cache-control" in present:
        # The view chose its lifetime (rankings, comment pages); a public answer still gets
        # the Vary and ETag handling, anything else is left exactly as the view made it.
        if cacheable and (headers["Cache-Control"].lstrip().startswith("public")
                          or "etag" in present):
            _public(req, response, status, present)  # (an ETag: a validator to revalidate against)
        return response
    if not cacheable:
        add_new(headers, "Cache-Control", "no-store")
        return response
    if _has_credentials(req):
        add_new(headers, "Cache-Control", "private, no-store")
        present.add("cache-control")
        _vary(response, CREDENTIAL_HEADERS, present)
        return response
    if site is None:  # not site-scoped: health, metrics, the OpenAPI document
        add_new(headers, "Cache-Control", "no-store")
        return response
    add_new(headers, "Cache-Control", f"public, max-age={int(site.settings.get('cache_max_age', 0) or 0)}")
    present.add("cache-control")
    return _public(req, response, status, present)


def _decorate(response):
    req = request._get_current_object()
    status = response.status_code
    present = header_names(response.headers)
    if status == 503:
        # Storage unavailable: the one configured Retry-After, also on a rate-limited
        # endpoint, where Flask-Limiter would put its own window reset.
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER"])
        present.add("retry-after")
    elif status != 429 and "retry-after" in present:
        # Flask-Limiter puts its window reset on every limited response; on a success it
        # reads as "come back in 60 s" to caches and clients, so it stays on 429 only.
        response.headers.pop("Retry-After", None)
        present.discard("retry-after")
    site = None
    if (req.view_args or {}).get("site") is not None and status < 500 and (
            "HTTP_ORIGIN" in req.environ
            or (req.method in _CACHEABLE_METHODS and status in (200, 304))):
        # Only when it matters, and never after a 5xx: with Redis down, a second lookup
        # would only add another timeout to the answer.
        site = _site(req)
    if site is not None:
        _cors(req, response, site)
        present = header_names(response.headers)  # (CORS may have added some)
    return _cache(req, response, site, present)


def init_edge(app: Flask) -> None:
    """Install the preflight and CORS/caching hooks (after init_observe)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(1 if funcs else 0, _preflight)  # right after the request-id hook
    app.after_request_funcs.setdefault(None, []).insert(1, _decorate)
