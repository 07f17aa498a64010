"""The editors' overview (GET /v1/sites/{site}/overview) and the operator's site list."""

from __future__ import annotations

from marshmallow import fields

from .common import StrictSchema, answer
from .rankings import channel_field, lang_field


class OverviewQueryArgsSchema(StrictSchema):
    channel = channel_field()
    lang = lang_field()


@answer()
class ActivitySchema(StrictSchema):
    reactions = fields.Integer(metadata={"description": "standing votes cast (any configured mood)"})
    shares = fields.Integer(metadata={"description": "shares counted"})
    views = fields.Integer(metadata={"description": "page views counted"})
    comments = fields.Integer(metadata={"description": "published comments created"})


@answer()
class DaySchema(ActivitySchema):
    date = fields.String(metadata={"description": "the site-local date, YYYY-MM-DD"})
    from_ = fields.String(data_key="from", attribute="from",
                          metadata={"description": "first clock hour of the day, RFC 3339 UTC"})
    to = fields.String(metadata={"description": "end (exclusive), RFC 3339 UTC; for today, the "
                                                "end of the current clock hour"})


@answer()
class AverageSchema(StrictSchema):
    reactions = fields.Float()
    shares = fields.Float()
    views = fields.Float()
    comments = fields.Float()


@answer()
class HourSchema(ActivitySchema):
    start = fields.String(metadata={"description": "the clock hour, RFC 3339 UTC"})


@answer()
class OverviewSchema(StrictSchema):
    site = fields.String()
    channel = fields.String(allow_none=True)
    timezone = fields.String()
    generated_at = fields.String()
    today = fields.Nested(DaySchema, metadata={"description": "today so far, site-local day"})
    previous_days = fields.List(fields.Nested(DaySchema), metadata={
        "description": "the 7 site-local days before today, oldest first"})
    previous_average = fields.Nested(AverageSchema, metadata={
        "description": "the average per day of previous_days (sum / 7, 2 decimals)"})
    hours = fields.List(fields.Nested(HourSchema), metadata={
        "description": "the last 48 clock hours, oldest first, the current one last"})
    previous_hours = fields.List(fields.Nested(HourSchema), metadata={
        "description": "the 48 clock hours before those, oldest first"})


@answer()
class AdminSiteSchema(StrictSchema):
    site = fields.String()
    timezone = fields.String()


@answer()
class AdminSiteListSchema(StrictSchema):
    items = fields.List(fields.Nested(AdminSiteSchema), metadata={
        "description": "every site, by id"})
