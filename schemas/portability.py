"""The export format (JSON Lines, docs/data.md): one schema per record type, and the reader
endpoints of data ownership. Import loads every line through these before writing anything."""

from __future__ import annotations

import re

from marshmallow import INCLUDE, ValidationError, fields, validate, validates, validates_schema

from service.domain.comment_model import QUEUE_STATUSES as QUEUE_STATUS_ENUMS, Status, Vote

from .common import ARTICLE_RE, KEY_RE, SITE_RE, StrictSchema

FORMAT = "xinqing-export"
FORMAT_VERSION = 1
READER_RE = re.compile(r"[A-Za-z0-9_-]{16}")
VISITOR_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
ACTIVITY_FIELD_RE = re.compile(r"[svc][0-9]{1,10}")
COMMENT_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}~[1-9][0-9]{0,7}")
AUTHOR_REF_RE = re.compile(r"u[A-Za-z0-9_-]{16}")
HISTORY_ID_RE = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")
HEX_RE = re.compile(r"(?:[0-9a-f]{2})*")
STATUSES = tuple(status.value for status in Status)
QUEUE_STATUSES = tuple(status.value for status in QUEUE_STATUS_ENUMS)
MAX_COUNT = 2 ** 53
MAX_TIME = 2 ** 33          # unix seconds, past the year 2200


def _full(regex: re.Pattern, what: str):
    """A validator matching the whole string (re.fullmatch: `$` would allow a final newline)."""
    def check(value):
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise ValidationError(f"expected {what}")
    return check


def article_field(**kw):
    """Return a required article id field."""
    return fields.String(required=True, validate=_full(ARTICLE_RE, "an article id"), **kw)


def reader_field(**kw):
    """Return a required reader id field."""
    return fields.String(validate=_full(READER_RE, "a reader id (16 of [A-Za-z0-9_-])"), **kw)


def count_field(**kw):
    """Return a required count field (0 up to 2**53)."""
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_COUNT), **kw)


def time_field(**kw):
    """Return a required unix-seconds field."""
    return fields.Integer(strict=True, validate=validate.Range(0, MAX_TIME), **kw)


def mood_field(**kw):
    """Return a required mood key field."""
    return fields.String(validate=_full(re.compile(KEY_RE.strip("^$")), "a mood key"), **kw)


class Record(StrictSchema):
    type = fields.String(required=True)


class HeaderRecord(Record):
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    version = fields.Integer(strict=True, required=True,
                             validate=validate.Equal(FORMAT_VERSION,
                                                     error="this xinqing reads format version 1"))
    site = fields.String(required=True, validate=_full(SITE_RE, "a site id"))
    exported_at = fields.String(required=True)
    generator = fields.String()


class SiteRecord(Record):
    settings = fields.Dict(required=True)       # checked by SiteSettingsSchema (domain)
    editor_token_sha256 = fields.String(allow_none=True,
                                        validate=_full(re.compile(r"[0-9a-f]{64}"), "a SHA-256 hex digest"))
    created_at = time_field(allow_none=True)
    extra = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)),
                        values=fields.String(validate=validate.Length(max=100_000)))


class DedupeShares(StrictSchema):
    hour = time_field(required=True)
    members = fields.List(fields.String(validate=validate.Length(1, 80)), required=True)


class DedupeViews(StrictSchema):
    slot = time_field(required=True)
    members = fields.List(fields.String(validate=_full(VISITOR_RE, "a visitor id")), required=True)


class Views(StrictSchema):
    pv = count_field(required=True)
    uv = count_field(required=True)


class Visitors(StrictSchema):
    hll = fields.String(validate=_full(HEX_RE, "lowercase hex"))
    estimate = count_field()

    @validates_schema
    def _one(self, data, **kwargs):
        if ("hll" in data) == ("estimate" in data):
            raise ValidationError("give exactly one of hll and estimate")
        if "hll" in data and not hll_ok(bytes.fromhex(data["hll"])):
            raise ValidationError("not a valid Redis HyperLogLog", "hll")


class Meta(StrictSchema):
    """The stored meta hash; fields other features add later come through as strings."""

    class Meta:
        unknown = INCLUDE

    title = fields.String(validate=validate.Length(max=1000))
    url = fields.String(validate=validate.Length(max=2000))
    channel = fields.String(validate=validate.Length(max=64))
    published_at = fields.String(validate=validate.Length(max=40))
    summary = fields.String(validate=validate.Length(max=5000))
    image = fields.String(validate=validate.Length(max=2000))
    updated_at = time_field()
    down = time_field(metadata={"description": "taken down at (unix seconds)"})

    @validates_schema(pass_original=True)
    def _extra(self, data, original, **kwargs):
        for name, value in (original or {}).items():
            if name not in self.fields and (
                    not isinstance(value, str) or len(name) > 64 or len(value) > 10_000):
                raise ValidationError("expected a string of at most 10,000 characters", name)


class ArticleRecord(Record):
    article = article_field()
    meta = fields.Nested(Meta, allow_none=True, required=True)
    views = fields.Nested(Views, required=True)
    shares = fields.Dict(keys=mood_field(), values=count_field(), required=True)
    activity = fields.Dict(keys=fields.String(validate=_full(ACTIVITY_FIELD_RE, "s|v|c<hour>")),
                           values=fields.Integer(strict=True, validate=validate.Range(-MAX_COUNT, MAX_COUNT)),
                           required=True)
    visitors = fields.Nested(Visitors, allow_none=True, required=True)
    comment_seq = fields.Integer(strict=True, allow_none=True, required=True,
                                 validate=validate.Range(1, 2 ** 26 - 1))
    comment_version = count_field(allow_none=True, required=True)
    share_dedupe = fields.Nested(DedupeShares, allow_none=True)
    view_dedupe = fields.Nested(DedupeViews, allow_none=True)


class VoteRecord(Record):
    article = article_field()
    reader = reader_field(required=True)
    mood = mood_field(required=True)
    cast_at = time_field(required=True)


class LegacyRecord(Record):
    article = article_field()
    kind = fields.String(required=True, validate=validate.OneOf(["mood", "views"]))
    mood = mood_field()
    count = count_field(required=True)
    at = time_field(required=True, metadata={"description": "counted as cast at (unix s)"})

    @validates_schema
    def _mood(self, data, **kwargs):
        if (data["kind"] == "mood") != ("mood" in data):
            raise ValidationError("a mood count names its mood; a views count names none", "mood")


class CommentRecord(Record):
    article = article_field()
    seq = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2 ** 26 - 1))
    parent = fields.Integer(strict=True, required=True, validate=validate.Range(0, 2 ** 26 - 1))
    reader = reader_field(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    featured = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True, format="iso")
    body = fields.String(required=True, validate=validate.Length(max=20_000))
    author_name = fields.String(required=True, validate=validate.Length(max=200))
    hold_reasons = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)

    @validates("created_at")
    def _utc(self, value, **kwargs):
        if value.tzinfo is None or value.utcoffset().total_seconds() != 0 or value.microsecond:
            raise ValidationError("expected whole seconds in UTC, like 2025-01-31T08:00:00Z")


class CommentVoteRecord(Record):
    article = article_field()
    seq = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2 ** 26 - 1))
    reader = reader_field(required=True)
    vote = fields.String(required=True, validate=validate.OneOf([vote.value for vote in Vote]))


class QueueRecord(Record):
    status = fields.String(required=True, validate=validate.OneOf(QUEUE_STATUSES))
    comment = fields.String(required=True, validate=_full(COMMENT_ID_RE, "a comment id"))
    at = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_TIME * 1000))


class BanRecord(Record):
    ref = fields.String(required=True, validate=_full(AUTHOR_REF_RE, "an author ref"))
    record = fields.Dict(required=True)


class HistoryRecord(Record):
    id = fields.String(required=True, validate=_full(HISTORY_ID_RE, "a stream id like 1700000000000-0"))
    fields_ = fields.Dict(data_key="fields", required=True,
                          keys=fields.String(validate=validate.Length(1, 64)),
                          values=fields.String(validate=validate.Length(max=10_000)))


class EndRecord(Record):
    records = count_field(required=True, metadata={"description": "lines before this one"})
    articles = count_field(required=True)


RECORDS: dict[str, type[Record]] = {
    "header": HeaderRecord, "site": SiteRecord, "article": ArticleRecord, "vote": VoteRecord,
    "legacy": LegacyRecord, "comment": CommentRecord, "comment_vote": CommentVoteRecord,
    "queue": QueueRecord, "ban": BanRecord, "history": HistoryRecord, "end": EndRecord,
}
ARTICLE_RECORDS = frozenset({"vote", "legacy", "comment", "comment_vote"})
SITE_RECORDS = frozenset({"queue", "ban", "history"})


def hll_ok(raw: bytes) -> bool:
    """Tell whether `raw` is a well-formed Redis HyperLogLog (dense, or sparse opcodes covering
    exactly its 16384 registers), so a restored one can never make PFADD fail."""
    if len(raw) < 16 or raw[:4] != b"HYLL" or raw[5:8] != b"\0\0\0":
        return False
    if raw[4] == 0:
        return len(raw) == 16 + 12288
    if raw[4] != 1:
        return False
    covered, i = 0, 16
    while i < len(raw):
        b = raw[i]
        if b & 0x80:                  # VAL: 1vvvvvxx, (xx + 1) registers
            covered += (b & 0x03) + 1
            i += 1
        elif b & 0x40:                # XZERO: 01xxxxxx yyyyyyyy, 14-bit length + 1
            if i + 1 >= len(raw):
                return False
            covered += (((b & 0x3F) << 8) | raw[i + 1]) + 1
            i += 2
        else:                         # ZERO: 00xxxxxx, (xxxxxx + 1) registers
            covered += (b & 0x3F) + 1
            i += 1
    return covered == 16384


# -- the reader endpoints -------------------------------------------------------------------

class ReaderIdSchema(StrictSchema):
    site = fields.String(required=True)
    reader = fields.String(required=True, metadata={
        "description": "the reader id of this token: what a privacy request names, and what "
                       "DELETE /v1/sites/{site}/readers/{reader} erases"})


class ErasureSchema(StrictSchema):
    site = fields.String(required=True)
    reader = fields.String(required=True)
    articles = fields.Integer(required=True, metadata={"description": "articles visited"})
    votes = fields.Integer(required=True, metadata={"description": "mood votes removed"})
    comments = fields.Integer(required=True, metadata={"description": "comments erased"})
    comment_votes = fields.Integer(required=True, metadata={"description": "顶/踩 removed"})
