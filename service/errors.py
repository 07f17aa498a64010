"""Typed errors with a stable code and HTTP status; mapped to JSON in service.api.errors.

Domain and store raise these; nothing matches error text. The table of codes is the set of
subclasses below (the OpenAPI document lists them too).
"""

from __future__ import annotations

from typing import Any


class XinqingError(Exception):
    """Base of every error the API turns into `{"error": {...}}`."""

    status = 500
    code = "internal_error"
    message = "internal error"

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}
        self.headers = headers or {}


class BadRequest(XinqingError):
    status, code, message = 400, "bad_request", "malformed request"


class MalformedJSON(BadRequest):
    code, message = "malformed_json", "the request body is not valid JSON"


class InvalidId(BadRequest):
    code, message = "invalid_id", "invalid identifier"


class MissingReader(XinqingError):
    status, code, message = 401, "missing_reader", "this call needs an X-Reader-Token header"


class InvalidReader(XinqingError):
    status, code, message = 401, "invalid_reader", "the reader token is not valid for this site"


class Unauthorized(XinqingError):
    status, code, message = 401, "unauthorized", "this call needs a valid Bearer token"


class Forbidden(XinqingError):
    status, code, message = 403, "forbidden", "not allowed"


class NotFound(XinqingError):
    status, code, message = 404, "not_found", "not found"


class SiteNotFound(NotFound):
    code, message = "site_not_found", "unknown site"


class MethodNotAllowed(XinqingError):
    status, code, message = 405, "method_not_allowed", "method not allowed"


class Conflict(XinqingError):
    status, code, message = 409, "conflict", "conflict"


class SiteExists(Conflict):
    code, message = "site_exists", "a site with this id exists"


class PayloadTooLarge(XinqingError):
    status, code, message = 413, "payload_too_large", "the request body is too large"


class UnsupportedMediaType(XinqingError):
    status, code, message = 415, "unsupported_media_type", "send the body as application/json"


class Unprocessable(XinqingError):
    status, code, message = 422, "validation_error", "the request is well-formed but invalid"


class UnknownMood(Unprocessable):
    code, message = "unknown_mood", "this site has no such mood"


class UnknownChannel(Unprocessable):
    code, message = "unknown_channel", "this site has no such share channel"


class RateLimited(XinqingError):
    status, code, message = 429, "rate_limited", "too many requests; slow down"


class StorageUnavailable(XinqingError):
    status, code, message = 503, "storage_unavailable", "storage is unavailable; retry shortly"


# -- comments -------------------------------------------------------------------------------

class InvalidCursor(BadRequest):
    code, message = "invalid_cursor", "the cursor is not valid for this listing"


class CursorExpired(XinqingError):
    status, code, message = 410, "cursor_expired", ("the listing this cursor pages has expired; "
                                                    "start again from the first page")


class CommentNotFound(NotFound):
    code, message = "comment_not_found", "unknown comment"


class NotCommentAuthor(Forbidden):
    code, message = "not_comment_author", "only the comment's author or an editor may do this"


class ReaderBanned(Forbidden):
    code, message = "reader_banned", "this reader may not comment on this site"


class CommentsClosed(Forbidden):
    code, message = "comments_closed", "this article takes no comments"


class InvalidTransition(Conflict):
    code, message = "invalid_transition", "the comment's status does not allow this action"


class DuplicateComment(Conflict):
    code, message = "duplicate_comment", "the same comment was just posted"


class CommentNotVotable(Conflict):
    code, message = "comment_not_votable", "only published comments take votes"


class ParentClosed(Unprocessable):
    code, message = "invalid_parent", "the parent comment is unknown or takes no replies"


class CommentRejected(Unprocessable):
    code, message = "comment_rejected", "the comment breaks a rule of this site"


# -- rankings -------------------------------------------------------------------------------

class UnknownMetric(Unprocessable):
    code, message = "unknown_metric", "rank by a mood key of this site, reactions, shares, views, comments or hot"


class InvalidRange(Unprocessable):
    code, message = "invalid_range", "the time range is empty or too long"
