"""Readers, reactions, shares, views and article summaries."""

from __future__ import annotations

from marshmallow import ValidationError, fields

from .common import StrictSchema, key_field


class ReaderCreatedSchema(StrictSchema):
    reader_token = fields.String(required=True,
                                 metadata={"description": "send back as X-Reader-Token"})


class MoodLabelSchema(StrictSchema):
    key = fields.String()
    label = fields.String()
    emoji = fields.String()


class ReactionsSchema(StrictSchema):
    site = fields.String()
    article = fields.String()
    counts = fields.Dict(metadata={"description": "mood key -> count, every configured mood, "
                                                  "in configured order"})
    total = fields.Integer()
    moods = fields.List(fields.Nested(MoodLabelSchema))
    mine = fields.String(allow_none=True,
                         metadata={"description": "present when X-Reader-Token was sent"})


MAX_ARTICLE_IDS = 100


def _article_count(value: str) -> None:
    if not 1 <= len(value.split(",")) <= MAX_ARTICLE_IDS:
        raise ValidationError(f"give 1 to {MAX_ARTICLE_IDS} article ids")


def article_ids_field(description: str) -> fields.String:
    """Comma-separated article ids, 1 to 100 (each id is checked by the view: 400 invalid_id)."""
    return fields.String(required=True, validate=_article_count,
                         metadata={"description": description})


class MyMoodsQueryArgsSchema(StrictSchema):
    articles = article_ids_field("comma-separated article ids, 1 to 100")


class MyMoodsSchema(StrictSchema):
    mine = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), metadata={
        "description": "article id -> the reader's standing mood key, or null"})


class ReactionPutSchema(StrictSchema):
    mood = key_field(required=True, metadata={"description": "a mood key of the site"})


class CountsSchema(StrictSchema):
    counts = fields.Dict(metadata={"description": "key -> count, every configured key in order"})
    total = fields.Integer()


class ChannelLabelSchema(StrictSchema):
    key = fields.String()
    label = fields.String()


class SharesSchema(CountsSchema):
    channels = fields.List(fields.Nested(ChannelLabelSchema), metadata={
        "description": "the site's share channels in configured order, labelled in the "
                       "language asked for (?lang= or Accept-Language)"})


class SharePostSchema(StrictSchema):
    channel = key_field(required=True, metadata={"description": "a share channel key of the site"})


class ShareResultSchema(CountsSchema):
    counted = fields.Boolean(metadata={
        "description": "POST only: false when this reader already shared on this channel "
                       "this clock hour (the counting rule), so the count did not move"})


class ViewCountsSchema(StrictSchema):
    pv = fields.Integer(metadata={"description": "page views, exact under the counting rule"})
    uv = fields.Integer(metadata={"description": "unique visitors, HyperLogLog estimate"})


class ViewsSchema(ViewCountsSchema):
    counted = fields.Boolean(metadata={
        "description": "false when this visitor's view was already counted in this 10-minute slot"})


class CommentCountSchema(StrictSchema):
    count = fields.Integer()


class ArticleSummarySchema(StrictSchema):
    article = fields.String()
    meta = fields.Dict(allow_none=True)
    reactions = fields.Nested(CountsSchema)
    shares = fields.Nested(CountsSchema)
    views = fields.Nested(ViewCountsSchema)
    comments = fields.Nested(CommentCountSchema)


class ArticleListSchema(StrictSchema):
    items = fields.List(fields.Nested(ArticleSummarySchema))


class ArticleIdsQueryArgsSchema(StrictSchema):
    ids = article_ids_field("comma-separated article ids, 1 to 100, answered in the order asked")
