"""Shared fields and patterns of the contract."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, fields, validate

SITE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ARTICLE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
KEY_RE = r"^[a-z0-9][a-z0-9_-]{0,31}$"


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def key_field(**kwargs) -> fields.String:
    """A mood/channel key: lowercase letters, digits, '-' and '_', at most 32 characters."""
    return fields.String(validate=validate.Regexp(KEY_RE, error="expected 1-32 of [a-z0-9_-]"), **kwargs)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = fields.String(required=True)
    details = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# `lang` only selects among fixed label languages and never reaches storage; the request
# helper maps anything unknown to the default, so it is documented here rather than parsed
# by a schema on the hot reaction path (a webargs parse costs ~30 µs a request).
LANG_PARAM = {
    "name": "lang", "in": "query", "required": False,
    "schema": {"type": "string", "enum": ["zh-CN", "en"]},
    "description": "label language: zh-CN (default) or en; without it, Accept-Language decides",
}
