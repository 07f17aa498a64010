"""The moderation decision history (GET …/moderation/history) and queue counts (…/counts)."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import StrictSchema, answer

# \Z, not $: `$` also matches before a final newline.
ENTRY_ID_PATTERN = r"^[0-9]{1,15}-[0-9]{1,19}\Z"
DECISIONS = ("approve", "reject", "spam", "feature", "unfeature", "delete", "ban", "unban",
             "takedown", "reader_erased")


class HistoryQueryArgsSchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None, validate=validate.Regexp(
        ENTRY_ID_PATTERN, error="not a cursor of this listing"), metadata={
        "description": "next_cursor of the previous page"})


@answer()
class HistoryItemSchema(StrictSchema):
    id = fields.String(metadata={"description": "entry id; entries are listed newest first"})
    action = fields.String(metadata={"description": "one of " + ", ".join(DECISIONS),
                                     "enum": list(DECISIONS)})
    actor = fields.String(metadata={
        "description": "the kind of credential that decided: editor (the site's editor "
                       "token), admin (the operator token) or cli (the command line); "
                       "never the token itself", "enum": ["editor", "admin", "cli"]})
    at = fields.String(metadata={"description": "when, RFC 3339 UTC"})
    comment = fields.String(allow_none=True, metadata={"description": "comment id, if any"})
    article = fields.String(allow_none=True, metadata={"description": "article id, if any"})
    author = fields.String(allow_none=True, metadata={
        "description": "the author's ref (as bans use it), if any; never a reader id"})
    status = fields.String(allow_none=True, metadata={
        "description": "the comment's status after the decision, if any"})
    until = fields.String(allow_none=True, metadata={"description": "end of a ban (null: until lifted)"})
    reason = fields.String(allow_none=True, metadata={"description": "the editor's reason for a ban"})


@answer()
class HistoryPageSchema(StrictSchema):
    items = fields.List(fields.Nested(HistoryItemSchema))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "pass as cursor for older entries; null at the end"})


@answer()
class QueueCountsSchema(StrictSchema):
    pending = fields.Integer(metadata={"description": "comments waiting for review"})
    published = fields.Integer(metadata={"description": "published (the newest 10,000 at most)"})
    rejected = fields.Integer(metadata={"description": "rejected (the newest 10,000 at most)"})
    spam = fields.Integer(metadata={"description": "marked spam (the newest 10,000 at most)"})
