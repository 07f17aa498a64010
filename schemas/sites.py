"""Sites and their settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from service.domain.defaults import LANGUAGES
from service.text import has_control, is_blank, strip_bidi

from .common import SITE_RE, FullMatch, StrictSchema, answer, key_field

_TIMEZONES = frozenset(available_timezones()) | {"UTC"}
ORIGIN_RE = r"^(\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$"


def _label(value: str) -> None:
    if has_control(value, newlines=False) or strip_bidi(value) != value:
        raise ValidationError("control and bidi formatting characters are not allowed")
    if is_blank(value):
        raise ValidationError("the label is empty")


class LabelsSchema(StrictSchema):
    """A label per language of LANGUAGES (tests/test_sites.py checks they agree)."""

    zh_cn = fields.String(data_key="zh-CN", validate=[validate.Length(1, 32), _label])
    zh_tw = fields.String(data_key="zh-TW", validate=[validate.Length(1, 32), _label])
    en = fields.String(validate=[validate.Length(1, 32), _label])

    @validates_schema
    def _one(self, data, **kwargs):
        if not data:
            raise ValidationError(f"give at least one label ({', '.join(LANGUAGES)})")


class _LabelledSchema(StrictSchema):
    key = key_field(required=True)
    labels = fields.Nested(LabelsSchema, required=True)


class MoodSchema(_LabelledSchema):
    emoji = fields.String(load_default="", validate=validate.Length(max=16))


class ShareChannelSchema(_LabelledSchema):
    pass


def _unique_keys(items, what):
    # An item whose own key failed validation has none here: the field error says why.
    keys = [item["key"] for item in items if "key" in item]
    if len(set(keys)) != len(keys):
        raise ValidationError(f"{what} keys must be unique")


class SiteSettingsSchema(StrictSchema):
    """Every editable setting; PATCH accepts any subset, GET returns all."""

    site = fields.String(dump_only=True)
    timezone = fields.String(metadata={"description": "IANA time zone for windows and days"})
    moods = fields.List(fields.Nested(MoodSchema), validate=validate.Length(1, 12),
                        metadata={"description": "moods in display order; counts are keyed by key"})
    share_channels = fields.List(fields.Nested(ShareChannelSchema), validate=validate.Length(1, 20))
    allowed_origins = fields.List(
        fields.String(validate=FullMatch(ORIGIN_RE, error="expected an origin like https://www.example.com")),
        validate=validate.Length(max=50))
    moderation = fields.String(validate=validate.OneOf(["post", "pre"]))
    banned_words = fields.List(fields.String(validate=validate.Length(1, 64)),
                               validate=validate.Length(max=5000))
    banned_words_action = fields.String(validate=validate.OneOf(["hold", "reject"]))
    cache_max_age = fields.Integer(validate=validate.Range(0, 3600),
                                   metadata={"description": "seconds a CDN may cache public GETs"})
    comment_max_length = fields.Integer(validate=validate.Range(1, 20000), metadata={
        "description": "longest comment body in characters (default 2000)"})
    comment_max_links = fields.Integer(validate=validate.Range(0, 100), metadata={
        "description": "links a comment may carry before comment_links_action applies"})
    comment_links_action = fields.String(validate=validate.OneOf(["hold", "reject"]))
    comment_duplicate_window = fields.Integer(validate=validate.Range(0, 86400), metadata={
        "description": "seconds in which the same reader may not post the same body under the "
                       "same parent twice (0: off)"})
    comment_replies_preview = fields.Integer(validate=validate.Range(0, 10), metadata={
        "description": "replies shown inline under each top-level comment"})
    require_meta = fields.Boolean(metadata={
        "description": "only articles whose meta the CMS synced (PUT …/meta) appear in "
                       "rankings and reading lists; activity on other articles is counted "
                       "and enters the rankings when their meta arrives. On for new sites; "
                       "off for sites created before the setting existed. After switching "
                       "it, run `xinqing rankings rebuild`"})

    @validates("timezone")
    def _tz(self, value, **kwargs):
        if value not in _TIMEZONES:
            raise ValidationError("unknown time zone")

    @validates("moods")
    def _moods(self, value, **kwargs):
        _unique_keys(value, "mood")

    @validates("share_channels")
    def _channels(self, value, **kwargs):
        _unique_keys(value, "share channel")


def _labels_out(item):
    labels = item.pop("labels")
    fields_ = LabelsSchema().fields
    item["labels"] = {fields_[k].data_key or k: v for k, v in labels.items()}
    return item


def normalize_settings(loaded: dict) -> dict:
    """Turn loaded settings (labels under attribute names) back into their stored JSON shape."""
    out = dict(loaded)
    for name in ("moods", "share_channels"):
        if name in out:
            out[name] = [_labels_out(dict(item)) for item in out[name]]
    return out


class EditorTokenPostSchema(StrictSchema):
    """No fields: the body may be absent or `{}` (the operator's token says who asks)."""


class SiteCreateSchema(SiteSettingsSchema):
    site = fields.String(required=True, validate=FullMatch(SITE_RE, error="invalid site id"))


@answer()
class SiteCreatedSchema(StrictSchema):
    site = fields.String()
    editor_token = fields.String(metadata={"description": "shown once; keep it"})


@answer("zh_cn", "en")
class LabelsOutSchema(StrictSchema):
    """Labels as stored; zh-TW only where one was given (the default moods have one)."""

    zh_cn = fields.String(data_key="zh-CN", attribute="zh-CN")
    zh_tw = fields.String(data_key="zh-TW", attribute="zh-TW")
    en = fields.String()


@answer()
class ShareChannelOutSchema(StrictSchema):
    key = fields.String()
    labels = fields.Nested(LabelsOutSchema, metadata={"description": "label per language"})


@answer()
class MoodOutSchema(ShareChannelOutSchema):
    emoji = fields.String()


@answer()
class SiteSettingsOutSchema(StrictSchema):
    site = fields.String()
    timezone = fields.String()
    moods = fields.List(fields.Nested(MoodOutSchema), metadata={
        "description": "in display order; counts are keyed by key"})
    share_channels = fields.List(fields.Nested(ShareChannelOutSchema))
    allowed_origins = fields.List(fields.String())
    moderation = fields.String()
    banned_words = fields.List(fields.String())
    banned_words_action = fields.String()
    cache_max_age = fields.Integer()
    comment_max_length = fields.Integer()
    comment_max_links = fields.Integer()
    comment_links_action = fields.String()
    comment_duplicate_window = fields.Integer()
    comment_replies_preview = fields.Integer()
    require_meta = fields.Boolean()
