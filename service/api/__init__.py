"""HTTP layer: thin views over the domain; one blueprint per feature."""

from __future__ import annotations

import json

import orjson
from flask import Flask, current_app, g, request
from flask_smorest import Api
from werkzeug.wsgi import get_content_length

from schemas.common import ARTICLE_RE, ARTICLE_RULE, SITE_RE, SITE_RULE, ErrorSchema
from schemas.portability import READER_RE
from ..domain.comment_model import AUTHOR_REF_RE, COMMENT_ID_RE
from ..errors import InvalidId, JsonTooDeep, MalformedJSON, PayloadTooLarge, UnsupportedMediaType
from ..jsonio import MAX_JSON_DEPTH, nesting_exceeds
from . import comments, engagement, history, ops, overview, rankings, readers, reading, sites
from .blueprint import BODY_ATTR
from .errors import register_error_handlers

BLUEPRINTS = (ops.blp, sites.blp, engagement.blp, comments.blp, rankings.blp, history.blp,
              overview.blp, reading.blp, readers.blp)
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _check_ids(endpoint, values):
    """Reject malformed site/article ids with 400 before anything reaches Redis."""
    if not values:
        return
    site = values.get("site")
    if site is not None and not SITE_RE.fullmatch(site):
        raise InvalidId(f"invalid site id: {SITE_RULE}", details={"site": site[:64]})
    article = values.get("article")
    if article is not None and not ARTICLE_RE.fullmatch(article):
        raise InvalidId(f"invalid article id: {ARTICLE_RULE}", details={"article": article[:160]})
    comment_id = values.get("comment_id")
    if comment_id is not None and not COMMENT_ID_RE.fullmatch(comment_id):
        raise InvalidId("invalid comment id", details={"comment_id": comment_id[:200]})
    reader = values.get("reader")
    if reader is not None and not READER_RE.fullmatch(reader):
        raise InvalidId("invalid reader id", details={"reader": reader[:64]})
    ref = values.get("ref")
    if ref is not None and not AUTHOR_REF_RE.fullmatch(ref):
        raise InvalidId("invalid author ref", details={"ref": ref[:64]})


def _check_body():
    """413 for oversized bodies, 415 for non-JSON bodies, 400 for malformed or too deep JSON.

    The one place a JSON body is parsed (orjson): the result goes on `g` for the schemas
    (service.api.blueprint), so no second parser ever sees the bytes.
    """
    req = request._get_current_object()  # one proxy lookup, not five (hot path)
    if req.method not in _BODY_METHODS:
        return
    environ = req.environ
    length = get_content_length(environ)  # req.content_length, read off the environ
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if length is not None and length > limit:
        raise PayloadTooLarge(details={"max_bytes": limit})
    if not length and not environ.get("HTTP_TRANSFER_ENCODING"):
        return  # no body (beacons, empty POSTs): schemas report missing fields
    # (the plain type, the usual case, without parsing the header)
    if environ.get("CONTENT_TYPE") != "application/json" and not req.is_json:
        raise UnsupportedMediaType(details={"content_type": req.mimetype or None})
    req.max_content_length = limit  # what Flask would look up on the app again, per read
    data = req.get_data(cache=True)
    if length is None and len(data) >= limit:
        # A chunked body (no Content-Length) is read through werkzeug's stream capped at
        # MAX_CONTENT_LENGTH, which stops quietly at the cap: reaching it means there was
        # more (or exactly the cap, which a chunked body cannot be told apart from).
        raise PayloadTooLarge(details={"max_bytes": limit})
    if not data:
        return
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise MalformedJSON() from None
    if nesting_exceeds(body, MAX_JSON_DEPTH):
        raise JsonTooDeep(details={"max_depth": MAX_JSON_DEPTH})
    setattr(g, BODY_ATTR, body)


READER_TOKEN_REFRESH = "X-Reader-Token-Refresh"


def _refresh_reader_token(response):
    """During a secret-key rotation: a reader token signed with the previous key gets, on
    any answer, the same reader's token signed with the current one to switch to."""
    req = request._get_current_object()
    token = req.headers.get("X-Reader-Token")
    site = (req.view_args or {}).get("site")
    if token and site and SITE_RE.fullmatch(site):
        fresh = current_app.extensions["xinqing"].tokens.refresh(site, token)
        if fresh:
            response.headers[READER_TOKEN_REFRESH] = fresh
    return response


class _Api(Api):
    """flask-smorest's Api serving the completed document (service/api/openapi.py)."""

    ERROR_SCHEMA = ErrorSchema

    def document(self) -> dict:
        """The OpenAPI document as served: built once, after every blueprint registered."""
        cached = getattr(self, "_xinqing_document", None)
        if cached is None:
            from .openapi import complete_document

            cached = self._xinqing_document = complete_document(self.spec.to_dict(), self._app)
        return cached

    def _openapi_json(self):
        return current_app.response_class(json.dumps(self.document(), ensure_ascii=False),
                                          mimetype="application/json")


SECURITY_SCHEMES = {
    "reader": {"type": "apiKey", "in": "header", "name": "X-Reader-Token",
               "description": "a reader token from POST /v1/sites/{site}/readers"},
    "editor": {"type": "http", "scheme": "bearer",
               "description": "the site's editor token (the admin token works too)"},
    "admin": {"type": "http", "scheme": "bearer",
              "description": "the operator's token, XINQING_ADMIN_TOKEN"},
    "metrics": {"type": "http", "scheme": "bearer",
                "description": "XINQING_METRICS_TOKEN, when set"},
}


def _remember_sync_functions(app: Flask) -> None:
    """Answer Flask's `ensure_sync` from memory for functions already found synchronous.

    Flask asks it of every hook and view on every request, and each answer goes through
    `inspect` (about 40 Python calls a request here); a function's nature does not change.
    Keyed by the underlying function, so the bound methods MethodView makes per request
    are remembered once."""
    ask = app.ensure_sync
    sync: set = set()

    def ensure_sync(func):
        key = getattr(func, "__func__", func)
        try:
            if key in sync:
                return func
        except TypeError:  # unhashable: ask every time
            return ask(func)
        answer = ask(func)
        if answer is func:
            sync.add(key)
        return answer

    app.ensure_sync = ensure_sync  # type: ignore[method-assign]


def init_api(app: Flask) -> Api:
    """Register every API blueprint, the id and body checks and the error handlers."""
    app.config.setdefault("API_TITLE", "xinqing")
    app.config.setdefault("API_VERSION", "v1")
    # 3.1: a nullable nested object is `anyOf: [{$ref}, {type: null}]`, typed branch first
    # (3.0's form puts an untyped object first, which generated clients return as a dict).
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "xinqing (心情): mood reactions, shares, views, comments and "
                                "rankings for news sites. Every error is "
                                "{\"error\": {\"code\", \"message\", \"details\"}}; each "
                                "operation lists the codes it can answer per status in "
                                "`x-error-codes` (catalogue: docs/errors.md)."},
        "components": {"securitySchemes": SECURITY_SCHEMES},
    })
    api = _Api(app)
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    _remember_sync_functions(app)
    app.url_value_preprocessor(_check_ids)
    app.before_request(_check_body)
    if app.config.get("SECRET_KEY_PREVIOUS"):
        app.after_request(_refresh_reader_token)
    register_error_handlers(app)
    return api
