"""Article metadata, takedowns, rankings (新闻表情排行) and editors' analytics."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from service.domain.ranking_rules import METRICS, WINDOW_NAMES
from service.text import is_blank, is_safe_url, one_line, plain_text

from .common import LANG_DESCRIPTION, FullMatch, StrictSchema, answer
from .engagement import ArticleMetaOutSchema, CountsSchema, MoodLabelSchema

CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
WINDOW_CHOICES = WINDOW_NAMES   # the domain's table (service/domain/ranking_rules.py)
# Times outside this range are refused (422) before any arithmetic can overflow on them.
TIME_RANGE = validate.Range(datetime(1970, 1, 2, tzinfo=timezone.utc),
                            datetime(2200, 1, 1, tzinfo=timezone.utc),
                            error="expected a time between 1970 and 2200")


def channel_field(**kwargs) -> fields.String:
    return fields.String(
        validate=FullMatch(CHANNEL_RE, error="expected 1-64 of [A-Za-z0-9_.-]"),
        metadata={"description": "site section (e.g. gansu): 1-64 of [A-Za-z0-9_.-]"}, **kwargs)


def lang_field() -> fields.String:
    """`?lang=`: read by the request helper (unknown values fall back), accepted here."""
    return fields.String(metadata={"description": LANG_DESCRIPTION})


def window_field(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.OneOf(WINDOW_CHOICES),
        metadata={"description": f"{', '.join(WINDOW_NAMES[:-1])} or {WINDOW_NAMES[-1]}; a "
                                 "window of L hours covers the current clock hour and the L "
                                 "before it"}, **kwargs)


def _safe_url(value: str) -> None:
    if not is_safe_url(value):
        raise ValidationError("expected an absolute http(s) URL without spaces, quotes, "
                              "angle brackets, backslashes or control characters")


def safe_url_field(**kwargs) -> fields.Url:
    """An absolute http(s) URL that is safe in any page context (service.text.is_safe_url)."""
    return fields.Url(schemes={"http", "https"},
                      validate=[validate.Length(max=2048), _safe_url], **kwargs)


class ArticleMetaSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 500), metadata={
        "description": "one line; control and bidi formatting characters are removed"})
    url = safe_url_field(required=True)
    channel = channel_field(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True, default_timezone=timezone.utc,
                                        validate=TIME_RANGE, metadata={"description": "RFC 3339"})
    summary = fields.String(allow_none=True, validate=validate.Length(max=1000), metadata={
        "description": "plain text shown under the title in reading lists (推荐阅读); control "
                       "(but newline) and bidi formatting characters are removed"})
    image = safe_url_field(allow_none=True, metadata={
        "description": "absolute http(s) URL of a thumbnail (no spaces, quotes or angle "
                       "brackets)"})

    @post_load
    def _clean(self, data, **kwargs):
        title = one_line(data["title"])
        if is_blank(title):
            raise ValidationError("the title is empty", "title")
        data["title"] = title
        if data.get("summary"):
            data["summary"] = plain_text(data["summary"])
        return data


@answer()
class ArticleMetaResultSchema(StrictSchema):
    article = fields.String()
    meta = fields.Nested(ArticleMetaOutSchema, allow_none=True)


class RankingQueryArgsSchema(StrictSchema):
    by = fields.String(required=True, validate=validate.Length(1, 32), metadata={
        "description": f"a mood key, {', '.join(METRICS[:-1])} or {METRICS[-1]}"})
    window = window_field(load_default="24h")
    channel = channel_field()
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 100))


class RankingPageQueryArgsSchema(Schema):
    """The public ranking page's query (`/s/{site}/rankings`): like the API's, but a page
    people share may carry extra parameters (utm_source…), which are ignored."""

    class Meta:
        unknown = EXCLUDE

    by = fields.String(load_default=None, validate=validate.Length(1, 32), metadata={
        "description": "a mood key or reactions; default: the site's first mood"})
    window = window_field(load_default="24h")
    channel = channel_field(load_default=None)
    limit = fields.Integer(load_default=30, validate=validate.Range(1, 100))
    lang = lang_field()


class MoodRankingsQueryArgsSchema(StrictSchema):
    window = window_field(load_default="24h")
    channel = channel_field()
    limit = fields.Integer(load_default=5, validate=validate.Range(1, 100))
    lang = lang_field()


@answer()
class RankingItemSchema(StrictSchema):
    rank = fields.Integer()
    article = fields.String()
    score = fields.Raw(metadata={"type": "number",
                                 "description": "an integer count; for hot, decayed points"})
    meta = fields.Nested(ArticleMetaOutSchema, allow_none=True)
    reactions = fields.Nested(CountsSchema)


@answer()
class RankingSchema(StrictSchema):
    by = fields.String()
    window = fields.String()
    channel = fields.String(allow_none=True)
    generated_at = fields.String()
    items = fields.List(fields.Nested(RankingItemSchema))


@answer()
class MoodRankingSchema(StrictSchema):
    key = fields.String()
    label = fields.String()
    emoji = fields.String()
    items = fields.List(fields.Nested(RankingItemSchema))


@answer()
class MoodRankingsSchema(StrictSchema):
    window = fields.String()
    channel = fields.String(allow_none=True)
    generated_at = fields.String()
    moods = fields.List(fields.Nested(MoodRankingSchema))


class TimelineQueryArgsSchema(StrictSchema):
    granularity = fields.String(load_default="hour", validate=validate.OneOf(["hour", "day"]))
    from_ = fields.AwareDateTime(data_key="from", default_timezone=timezone.utc,
                                 validate=TIME_RANGE, metadata={
        "description": "RFC 3339; default: 48 hours (hour) or 30 days (day) before `to`"})
    to = fields.AwareDateTime(default_timezone=timezone.utc, validate=TIME_RANGE,
                              metadata={"description": "RFC 3339; default: now"})
    lang = lang_field()


@answer()
class TimelineBucketSchema(StrictSchema):
    start = fields.String()
    end = fields.String()
    reactions = fields.Nested(CountsSchema,
                              metadata={"description": "standing votes by the hour they were cast"})
    shares = fields.Integer()
    views = fields.Integer()
    comments = fields.Integer()


@answer()
class TimelineSchema(StrictSchema):
    article = fields.String()
    granularity = fields.String()
    timezone = fields.String()
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()
    moods = fields.List(fields.Nested(MoodLabelSchema))
    buckets = fields.List(fields.Nested(TimelineBucketSchema))


class StatsQueryArgsSchema(StrictSchema):
    window = window_field(load_default="24h")
    channel = channel_field()
    lang = lang_field()


@answer()
class StatsMoodSchema(StrictSchema):
    key = fields.String()
    label = fields.String()
    emoji = fields.String()
    count = fields.Integer()
    ratio = fields.Float(metadata={"description": "share of all reactions in the window, 0-1"})


@answer()
class StatsTotalsSchema(StrictSchema):
    reactions = fields.Integer()
    shares = fields.Integer()
    views = fields.Integer()
    comments = fields.Integer()


@answer()
class StatsSchema(StrictSchema):
    site = fields.String()
    window = fields.String()
    channel = fields.String(allow_none=True)
    generated_at = fields.String()
    moods = fields.List(fields.Nested(StatsMoodSchema))
    totals = fields.Nested(StatsTotalsSchema)
