"""Reading lists: 相关阅读 (related by how readers felt) and 推荐阅读 (the hot feed)."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import StrictSchema, answer
from .engagement import ArticleMetaOutSchema, CommentCountSchema, CountsSchema
from .rankings import channel_field


class RelatedQueryArgsSchema(StrictSchema):
    limit = fields.Integer(load_default=6, validate=validate.Range(1, 20))


@answer()
class RelatedItemSchema(StrictSchema):
    article = fields.String()
    meta = fields.Nested(ArticleMetaOutSchema, allow_none=True)
    similarity = fields.Float(allow_none=True, metadata={
        "description": "0-1: the share of readers' feeling the two articles have in common "
                       "(smoothed mood distributions of the window, docs/reading.md); null for "
                       "an item from the hot list (basis hot, or topping up a short mood list)"})
    reactions = fields.Nested(CountsSchema, metadata={"description": "all-time reactions"})


@answer()
class RelatedSchema(StrictSchema):
    article = fields.String()
    basis = fields.String(metadata={
        "description": "mood: ranked by similarity of readers' moods (topped up from the hot "
                       "list); hot: the article has too few votes in the window, so the "
                       "channel's hot list (then the site's) is given"})
    window = fields.String(metadata={"description": "the window whose standing votes count"})
    votes = fields.Integer(metadata={"description": "the article's standing votes cast in "
                                                    "the window"})
    generated_at = fields.String(metadata={
        "description": "when the list was computed (each worker keeps it for "
                       "XINQING_RELATED_CACHE_SECONDS; counts are read fresh)"})
    items = fields.List(fields.Nested(RelatedItemSchema))


class FeedQueryArgsSchema(StrictSchema):
    channel = channel_field()
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    cursor = fields.String(validate=validate.Length(1, 200), metadata={
        "description": "next_cursor of the previous page; an expired one answers 409 "
                       "cursor_expired (start again without a cursor)"})


@answer()
class FeedItemSchema(StrictSchema):
    article = fields.String()
    meta = fields.Nested(ArticleMetaOutSchema)
    reactions = fields.Nested(CountsSchema)
    comments = fields.Nested(CommentCountSchema)


@answer()
class FeedSchema(StrictSchema):
    channel = fields.String(allow_none=True)
    items = fields.List(fields.Nested(FeedItemSchema))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "follow it for 加载更多; null at the end"})
