"""One place that turns every error into `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException

from ..errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unprocessable,
    UnsupportedMediaType,
    XinqingError,
)

log = logging.getLogger("xinqing.api")

_HTTP_CODES = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: Unprocessable,
    429: RateLimited,
}


def error_response(err: XinqingError):
    """Return the one JSON error shape for a typed error."""
    response = jsonify({"error": {"code": err.code, "message": err.message, "details": err.details}})
    response.status_code = err.status
    for name, value in err.headers.items():
        response.headers[name] = value
    if err.status == 503 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER"])
    return response


def _from_http(exc: HTTPException) -> XinqingError:
    cls = _HTTP_CODES.get(exc.code or 500)
    if cls is None:
        err = XinqingError(exc.description)
        err.status = exc.code or 500
        err.code = (exc.name or "error").lower().replace(" ", "_")
        return err
    details = {}
    data = getattr(exc, "data", None) or {}
    if exc.code == 422 and "messages" in data:  # webargs/flask-smorest schema errors
        details = {"fields": data["messages"]}
    message = None if exc.code in (404, 405, 422) else exc.description
    if exc.code == 429:
        message = f"rate limit exceeded ({exc.description})"
    err = cls(message, details=details)
    if exc.code == 429:
        # Flask-Limiter replaces this with the exact window reset when it can reach its
        # storage; the window's length is the safe answer when it cannot.
        rate = getattr(getattr(exc, "limit", None), "limit", None)
        expiry = rate.get_expiry() if hasattr(rate, "get_expiry") else None
        err.headers["Retry-After"] = str(expiry or current_app.config["RETRY_AFTER"])
    if exc.code == 405:
        valid = getattr(exc, "valid_methods", None)
        if valid:
            err.headers["Allow"] = ", ".join(sorted(valid))
    return err


def register_error_handlers(app: Flask) -> None:
    """Map every typed error (and Flask's own) to the JSON error shape."""
    app.register_error_handler(XinqingError, error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return error_response(_from_http(exc))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(XinqingError())
