"""Typed errors with a stable code and HTTP status; mapped to JSON in service.api.errors.

Domain and store raise these; nothing matches error text. The table of codes is the set of
subclasses below: each has a stable `code`, its HTTP `status`, a default `message` (what it
means) and `advice` (what a client should do). docs/errors.md is generated from them
(`xinqing errors`; a test fails when the two drift), and every OpenAPI operation lists the
codes it can answer (service/api/operations.py).
"""

from __future__ import annotations

import logging
from typing import Any, Callable


class XinqingError(Exception):
    """Base of every error the API turns into `{"error": {...}}`."""

    status = 500
    code = "internal_error"
    message = "internal error"
    advice = ("A bug in the service, never your input. Retry later; if it persists, report it with "
              "the answer's X-Request-ID.")

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details or {}
        self.headers = headers or {}


class BadRequest(XinqingError):
    status, code, message = 400, "bad_request", "malformed request"
    advice = "Fix the request as the message says; sending it again unchanged fails again."


class MalformedJSON(BadRequest):
    code, message = "malformed_json", "the request body is not valid JSON"
    advice = "Send a valid JSON body encoded as UTF-8."


class JsonTooDeep(BadRequest):
    code, message = "json_too_deep", "the JSON body is nested too deeply"
    advice = "Send the body the operation documents; none nests deeper than details.max_depth."


class InvalidIdempotencyKey(BadRequest):
    code, message = ("invalid_idempotency_key",
                     "Idempotency-Key must be 1-255 visible ASCII characters")
    advice = "Use a key such as a UUID made once per draft, and send the same one on retries."


class InvalidId(BadRequest):
    code, message = "invalid_id", "invalid identifier"
    advice = ("Use an id that follows the rule the message states (site: [a-z0-9][a-z0-9-]{0,31}; "
              "article: 1-128 of [A-Za-z0-9_.:-]); do not retry unchanged.")


class MissingReader(XinqingError):
    status, code, message = 401, "missing_reader", "this call needs an X-Reader-Token header"
    advice = ("Get a reader token with POST /v1/sites/{site}/readers, keep it, and send it as "
              "X-Reader-Token.")


class InvalidReader(XinqingError):
    status, code, message = 401, "invalid_reader", "the reader token is not valid for this site"
    advice = ("Forget the stored reader token, get a new one with POST /v1/sites/{site}/readers and"
              " retry once.")


class Unauthorized(XinqingError):
    status, code, message = 401, "unauthorized", "this call needs a valid Bearer token"
    advice = ("Send the right credential as `Authorization: Bearer ...`: the site's editor token or"
              " the admin token (operator endpoints take only the admin token). Do not retry with "
              "the same token.")


class Forbidden(XinqingError):
    status, code, message = 403, "forbidden", "not allowed"
    advice = "The credential is valid but may not do this; do not retry."


class NotFound(XinqingError):
    status, code, message = 404, "not_found", "not found"
    advice = "Check the id in the path; do not retry unchanged."


class SiteNotFound(NotFound):
    code, message = "site_not_found", "unknown site"
    advice = ("Check the site id, or create the site (POST /v1/admin/sites or `xinqing sites "
              "create`).")


class MethodNotAllowed(XinqingError):
    status, code, message = 405, "method_not_allowed", "method not allowed"
    advice = "Use one of the methods in the Allow header."


class Conflict(XinqingError):
    status, code, message = 409, "conflict", "conflict"
    advice = ("The current state does not allow this; read the resource again before deciding what "
              "to do.")


class SiteExists(Conflict):
    code, message = "site_exists", "a site with this id exists"
    advice = "Pick another site id (an existing site's editor token is never shown again)."


class PayloadTooLarge(XinqingError):
    status, code, message = 413, "payload_too_large", "the request body is too large"
    advice = "Send a smaller body; details.max_bytes is the limit."


class UnsupportedMediaType(XinqingError):
    status, code, message = 415, "unsupported_media_type", "send the body as application/json"
    advice = "Send the body with `Content-Type: application/json`."


class Unprocessable(XinqingError):
    status, code, message = 422, "validation_error", "the request is well-formed but invalid"
    advice = "Fix the fields listed in details.fields; do not retry unchanged."


class UnknownMood(Unprocessable):
    code, message = "unknown_mood", "this site has no such mood"
    advice = ("Send one of the keys in details.moods: a key such as `happy`, not its label such as "
              "开心.")


class UnknownChannel(Unprocessable):
    code, message = "unknown_channel", "this site has no such share channel"
    advice = "Send one of the keys in details.channels (e.g. `wechat`, not 微信好友)."


class RateLimited(XinqingError):
    status, code, message = 429, "rate_limited", "too many requests; slow down"
    advice = "Wait the number of seconds in Retry-After, then retry."


class StorageUnavailable(XinqingError):
    status, code, message = 503, "storage_unavailable", "storage is unavailable; retry shortly"
    advice = ("Retry after the seconds in Retry-After. Retrying a write is safe: it counts once per"
              " reader (a share without a reader token once per client network); send comment "
              "posts with an Idempotency-Key so a retry cannot post twice.")


# -- comments -------------------------------------------------------------------------------

class InvalidCursor(BadRequest):
    code, message = "invalid_cursor", "the cursor is not valid for this listing"
    advice = "Start the listing again from its first page (no cursor)."


class CursorExpired(XinqingError):
    status, code, message = 409, "cursor_expired", ("the listing this cursor pages has expired; "
                                                    "start again from the first page")
    advice = ("The feed's pinned order has expired (XINQING_FEED_CURSOR_SECONDS after its first "
              "page): load the first page again, without a cursor, and page on from there.")


class CommentNotFound(NotFound):
    code, message = "comment_not_found", "unknown comment"
    advice = "The comment does not exist, or not any more; refresh the listing."


class NotCommentAuthor(Forbidden):
    code, message = "not_comment_author", "only the comment's author or an editor may do this"
    advice = ("Only the comment's author (the same reader token) or an editor may do this; do not "
              "retry.")


class ReaderBanned(Forbidden):
    code, message = "reader_banned", "this reader may not comment on this site"
    advice = ("This reader may not comment on this site (until details.until, if set); hide the "
              "comment form.")


class CommentsClosed(Forbidden):
    code, message = "comments_closed", "this article takes no comments"
    advice = "The article takes no (more) comments; hide the comment form."


class BanNotFound(NotFound):
    code, message = "ban_not_found", "this author is not banned on this site"
    advice = "Nothing to lift; refresh the list of bans (GET /v1/sites/{site}/bans)."


class InvalidTransition(Conflict):
    code, message = "invalid_transition", "the comment's status does not allow this action"
    advice = ("The comment's status changed; reload it and choose an action its current status "
              "allows.")


class DuplicateComment(Conflict):
    code, message = "duplicate_comment", "the same comment was just posted"
    advice = "The same comment was just posted; show the first one instead of posting again."


class CommentNotVotable(Conflict):
    code, message = "comment_not_votable", "only published comments take votes"
    advice = "Only published comments take votes; refresh the listing."


class ParentClosed(Unprocessable):
    code, message = "invalid_parent", "the parent comment is unknown or takes no replies"
    advice = "Reply to a published comment of the same article, or post a top-level comment."


class IdempotencyKeyReused(Unprocessable):
    code, message = ("idempotency_key_reused",
                     "this Idempotency-Key was used for a different comment")
    advice = ("A key names one post: send a new key with a changed comment, the same key only to "
              "retry the same one.")


class CommentRejected(Unprocessable):
    code, message = "comment_rejected", "the comment breaks a rule of this site"
    advice = ("Show the message to the reader so they can change the comment; details.rule names "
              "the rule.")


# -- rankings -------------------------------------------------------------------------------

class UnknownMetric(Unprocessable):
    code, message = "unknown_metric", "rank by a mood key of this site, reactions, shares, views, comments or hot"
    advice = ("Rank by a key from details.metrics: a mood key, reactions, shares, views, comments "
              "or hot.")


class InvalidRange(Unprocessable):
    code, message = "invalid_range", "the time range is empty or too long"
    advice = "Ask for a shorter or non-empty time range, as the message says."


# -- the catalogue ----------------------------------------------------------------------------

def all_errors() -> list[type[XinqingError]]:
    """Return every error class, base first, then by status and code."""
    found: list[type[XinqingError]] = []
    pending = [XinqingError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: (c is not XinqingError, c.status, c.code))


def by_code() -> dict[str, type[XinqingError]]:
    """Return every error class by its code."""
    return {cls.code: cls for cls in all_errors()}


def catalogue() -> str:
    """docs/errors.md: every code with its status, meaning and what a client should do."""
    rows = ["# Error codes", "",
            "Every error the API answers is `{\"error\": {\"code\", \"message\", \"details\"}}` "
            "with one of these codes. Clients should branch on `code` (stable), may show `message` "
            "(for a person; its wording may change) and find the specifics in `details` (the "
            "last column names the useful ones). Each operation "
            "of `GET /openapi.json` lists the codes it can answer, per status, in "
            "`x-error-codes`.", "",
            "Generated from `service/errors.py` by `xinqing errors > docs/errors.md`; a test "
            "fails when the two differ.", "",
            "| code | status | meaning | what a client should do |",
            "| --- | --- | --- | --- |"]
    for cls in sorted(all_errors(), key=lambda c: (c.status, c.code)):
        cell = lambda text: text.replace("|", "\\|")  # noqa: E731
        rows.append(f"| `{cls.code}` | {cls.status} | {cell(cls.message)} | {cell(cls.advice)} |")
    return "\n".join(rows) + "\n"


# -- after a commit ---------------------------------------------------------------------------

def after_commit(log: logging.Logger, what: str, step: Callable[..., Any], *args: Any,
                 **kwargs: Any) -> bool:
    """Run a step that follows a committed write; a failure is logged, never raised.

    Once a write has committed, an error answer would make the client retry a write that
    happened (a comment posted twice, a site created twice with its token lost). Steps
    after it (indexes in other slots, rankings on Redis Cluster, cache announcements) are
    repairable; `what` tells the operator what was missed. True if the step succeeded."""
    try:
        step(*args, **kwargs)
        return True
    except Exception:  # noqa: BLE001 - whatever failed, the commit stands
        log.error("%s", what, exc_info=True)
        return False
