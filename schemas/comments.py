"""Comments, votes, moderation and bans: the wire contract of API.md's Comments section."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, post_load, validate

from service.domain.comment_model import QUEUE_STATUSES, Action, Sort, Vote
from service.text import has_control, is_blank, one_line, strip_bidi

from .common import StrictSchema, answer

# Control characters have no place in plain text: C0 and C1 (service.text), DEL, the
# Unicode line/paragraph separators and a stray BOM. A body keeps tab and newline (and CR,
# normalized to a newline); a name is one line.
_SEPARATORS = re.compile(r"[\u2028\u2029\ufeff]")
# No upper bound here: the site's own limit (comment_max_length, at most 20000) is a guard that
# answers comment_rejected naming the limit; the request body cap bounds what reaches it.
CURSOR_MAX = 200


def _plain(value: str) -> None:
    if has_control(value.replace("\r", "\n")) or _SEPARATORS.search(value):
        raise ValidationError("control characters are not allowed")


def _one_line(value: str) -> None:
    if has_control(value, newlines=False) or _SEPARATORS.search(value):
        raise ValidationError("control characters and line breaks are not allowed")


class CommentPostSchema(StrictSchema):
    body = fields.String(required=True, validate=[validate.Length(min=1), _plain],
                         metadata={"description": "plain text, 1..comment_max_length characters "
                                                  "(site setting, default 2000); stored and "
                                                  "returned as given, never rendered as HTML"})
    author_name = fields.String(load_default=None, allow_none=True,
                                validate=[validate.Length(max=32), _one_line],
                                metadata={"description": "shown name; default 网友"})
    parent = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                           metadata={"description": "id of the comment replied to; replies are "
                                                    "one level deep (a reply to a reply joins "
                                                    "its top-level thread)"})

    @post_load
    def _normalize(self, data, **kwargs):
        # Bidi overrides are dropped (they could reorder the page around the comment); a
        # body of only white space and invisible characters is empty.
        body = strip_bidi(data["body"].replace("\r\n", "\n").replace("\r", "\n")).strip()
        if is_blank(body):
            raise ValidationError("the body is empty", "body")
        data["body"] = body
        name = strip_bidi(data.get("author_name") or "").strip()
        data["author_name"] = None if is_blank(name) else name
        return data


class CommentListQueryArgsSchema(StrictSchema):
    sort = fields.String(load_default="new", validate=validate.OneOf([sort.value for sort in Sort]),
                         metadata={"description": "new (default), old, or hot: "
                                                  "sign(up-down)*log10(1+|up-down|) + "
                                                  "created_unix/45000"})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=CURSOR_MAX),
                           metadata={"description": "next_cursor of the previous page"})


class RepliesQueryArgsSchema(StrictSchema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=CURSOR_MAX))


class MyVotesQueryArgsSchema(StrictSchema):
    ids = fields.String(required=True, validate=validate.Length(1, 200 * 140), metadata={
        "description": "comma-separated ids of comments of this article, 1 to 200"})

    @post_load
    def _split(self, data, **kwargs):
        ids = data["ids"].split(",")
        if len(ids) > 200:
            raise ValidationError("give 1 to 200 comment ids", "ids")
        data["ids"] = ids
        return data


@answer()
class MyVotesSchema(StrictSchema):
    votes = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), metadata={
        "description": "comment id -> the reader's standing vote (up, down) or null"})


class ModerationQueryArgsSchema(StrictSchema):
    status = fields.String(load_default="pending",
                           validate=validate.OneOf([status.value for status in QUEUE_STATUSES]),
                           metadata={"description": "pending (oldest first) or published, "
                                                    "rejected, spam (newest first)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=CURSOR_MAX))


class VoteSchema(StrictSchema):
    vote = fields.String(required=True, validate=validate.OneOf([vote.value for vote in Vote]),
                         metadata={"description": "up = 顶, down = 踩"})


class ModerateSchema(StrictSchema):
    action = fields.String(required=True, validate=validate.OneOf(
        [action.value for action in Action]))


class BanSchema(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 3650),
                          metadata={"description": "ban length in days; absent: until lifted"})

    @post_load
    def _clean(self, data, **kwargs):
        if data.get("reason"):
            data["reason"] = one_line(data["reason"])
        return data


class CommentBanSchema(BanSchema):
    network = fields.Boolean(load_default=False, metadata={
        "description": "also ban the client network the comment came from (its IPv4 "
                       "address, or its IPv6 /64), whatever reader token it uses; lifted "
                       "with the author's ban"})


# -- output ----------------------------------------------------------------------------------

@answer()
class AuthorSchema(StrictSchema):
    name = fields.String()


@answer()
class EditorAuthorSchema(AuthorSchema):
    ref = fields.String(metadata={"description": "pseudonymous id of the author for bans "
                                                 "(PUT /v1/sites/{site}/bans/{ref})"})


@answer("mine")
class CommentVotesSchema(StrictSchema):
    up = fields.Integer()
    down = fields.Integer()
    mine = fields.String(allow_none=True, metadata={
        "description": "the reader's standing vote, present when X-Reader-Token was sent"})


@answer()
class CommentSchema(StrictSchema):
    id = fields.String(metadata={"description": "<article>~<number>"})
    article = fields.String()
    parent = fields.String(allow_none=True)
    author = fields.Nested(AuthorSchema)
    body = fields.String(metadata={"description": "plain text; empty for a deleted placeholder"})
    created_at = fields.String()
    status = fields.String(metadata={"description": "published, pending, rejected, spam or "
                                                    "deleted (a placeholder kept for its replies)"})
    votes = fields.Nested(CommentVotesSchema)
    reply_count = fields.Integer(metadata={"description": "published replies"})
    featured = fields.Boolean()


@answer()
class ListedCommentSchema(CommentSchema):
    replies = fields.List(fields.Nested(CommentSchema), metadata={
        "description": "the first replies, oldest first (comment_replies_preview of them)"})


@answer()
class CommentPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ListedCommentSchema))
    next_cursor = fields.String(allow_none=True)
    count = fields.Integer(metadata={"description": "published comments, replies included"})
    max_length = fields.Integer(metadata={
        "description": "the site's comment_max_length: the most characters a new comment may have"})


@answer()
class ReplyPageSchema(StrictSchema):
    items = fields.List(fields.Nested(CommentSchema))
    next_cursor = fields.String(allow_none=True)


@answer()
class EditorCommentSchema(CommentSchema):
    author = fields.Nested(EditorAuthorSchema)
    hold_reasons = fields.List(fields.String(), metadata={
        "description": "why a guard held the comment for review"})


@answer()
class ModerationPageSchema(StrictSchema):
    items = fields.List(fields.Nested(EditorCommentSchema))
    next_cursor = fields.String(allow_none=True)


@answer()
class VoteResultSchema(StrictSchema):
    id = fields.String()
    votes = fields.Nested(CommentVotesSchema)


@answer()
class DeletedSchema(StrictSchema):
    id = fields.String()
    status = fields.String()


@answer()
class BanOutSchema(StrictSchema):
    ref = fields.String()
    reason = fields.String()
    created_at = fields.String()
    until = fields.String(allow_none=True)
    network = fields.Boolean(metadata={"description": "the ban covers the author's client "
                                                     "network too"})


@answer()
class BanListSchema(StrictSchema):
    items = fields.List(fields.Nested(BanOutSchema))
