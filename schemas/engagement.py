"""Readers, reactions, shares, views and article summaries."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from .common import StrictSchema, answer


class ReaderPostSchema(StrictSchema):
    """No fields: the body may be absent or `{}`; anything else is refused."""


@answer()
class ReaderCreatedSchema(StrictSchema):
    reader_token = fields.String(metadata={"description": "send back as X-Reader-Token"})


@answer()
class MoodLabelSchema(StrictSchema):
    key = fields.String()
    label = fields.String(metadata={"description": "in the language asked for"})
    emoji = fields.String()


def _count_map(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(),
                       metadata={"description": description})


@answer("mine")
class ReactionsSchema(StrictSchema):
    site = fields.String()
    article = fields.String()
    counts = _count_map("mood key -> count, every configured mood, in configured order")
    total = fields.Integer()
    moods = fields.List(fields.Nested(MoodLabelSchema))
    mine = fields.String(allow_none=True,
                         metadata={"description": "the reader's mood key or null; present when "
                                                  "X-Reader-Token was sent"})


MAX_ARTICLE_IDS = 100


class ArticleIds(fields.String):
    """Comma-separated article ids, 1 to 100, loaded as a list (each id is checked by the
    view: 400 invalid_id). No id at all (`ids=`) and too many are the same mistake: 422."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        ids = raw.split(",") if raw else []
        if not 1 <= len(ids) <= MAX_ARTICLE_IDS:
            raise ValidationError(f"give 1 to {MAX_ARTICLE_IDS} comma-separated article ids "
                                  f"(got {len(ids)})")
        return ids


def article_ids_field(description: str) -> fields.String:
    """Return the `ids` query field: up to 100 comma-separated article ids."""
    return ArticleIds(required=True, metadata={"description": description})


class MyMoodsQueryArgsSchema(StrictSchema):
    articles = article_ids_field("comma-separated article ids, 1 to 100")


@answer()
class MyMoodsSchema(StrictSchema):
    mine = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), metadata={
        "description": "article id -> the reader's standing mood key, or null"})


# Mood and channel values are checked against the site's keys by the domain, which answers
# unknown_mood / unknown_channel with the valid keys (a label such as 开心 included).
class ReactionPutSchema(StrictSchema):
    mood = fields.String(required=True, validate=validate.Length(1, 64),
                         metadata={"description": "a mood key of the site (e.g. happy)"})


@answer()
class CountsSchema(StrictSchema):
    counts = _count_map("key -> count, every configured key in configured order")
    total = fields.Integer()


@answer()
class ChannelLabelSchema(StrictSchema):
    key = fields.String()
    label = fields.String()


@answer()
class SharesSchema(CountsSchema):
    channels = fields.List(fields.Nested(ChannelLabelSchema), metadata={
        "description": "the site's share channels in configured order, labelled in the "
                       "language asked for (?lang= or Accept-Language)"})


class SharePostSchema(StrictSchema):
    channel = fields.String(required=True, validate=validate.Length(1, 64),
                            metadata={"description": "a share channel key of the site "
                                                     "(e.g. wechat)"})


@answer()
class ShareResultSchema(CountsSchema):
    counted = fields.Boolean(metadata={
        "description": "false when this reader already shared on this channel this clock hour "
                       "(the counting rule), so the count did not move"})


class ViewPostSchema(StrictSchema):
    """No fields: the beacon's body may be absent or `{}`; anything else is refused."""


@answer()
class ViewCountsSchema(StrictSchema):
    pv = fields.Integer(metadata={"description": "page views, exact under the counting rule"})
    uv = fields.Integer(metadata={"description": "unique visitors, HyperLogLog estimate"})


@answer()
class ViewsSchema(ViewCountsSchema):
    counted = fields.Boolean(metadata={
        "description": "false when this visitor's view was already counted in this 10-minute slot"})


@answer()
class CommentCountSchema(StrictSchema):
    count = fields.Integer()


@answer("updated_at", "taken_down", "taken_down_at")
class ArticleMetaOutSchema(StrictSchema):
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    channel = fields.String(allow_none=True)
    published_at = fields.String(allow_none=True, metadata={"description": "RFC 3339"})
    summary = fields.String(allow_none=True)
    image = fields.String(allow_none=True, metadata={"description": "absolute http(s) URL"})
    updated_at = fields.String(metadata={"description": "when the CMS last sent it (RFC 3339)"})
    taken_down = fields.Boolean(metadata={"description": "present (true) once taken down"})
    taken_down_at = fields.String(metadata={"description": "RFC 3339"})


@answer()
class ArticleSummarySchema(StrictSchema):
    article = fields.String()
    meta = fields.Nested(ArticleMetaOutSchema, allow_none=True,
                         metadata={"description": "null until the CMS sends it"})
    reactions = fields.Nested(CountsSchema)
    shares = fields.Nested(CountsSchema)
    views = fields.Nested(ViewCountsSchema)
    comments = fields.Nested(CommentCountSchema)


@answer()
class ArticleListSchema(StrictSchema):
    items = fields.List(fields.Nested(ArticleSummarySchema))


class ArticleIdsQueryArgsSchema(StrictSchema):
    ids = article_ids_field("comma-separated article ids, 1 to 100, answered in the order asked")
