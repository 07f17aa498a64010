"""Shared fields and patterns of the contract."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# Identifier patterns. They are always applied with `fullmatch` (FullMatch below for schemas):
# Python's `$` also matches before a final newline, so `re.match("^x$", "x\n")` succeeds.
# The `^…$` anchors stay for the OpenAPI document, where they mean the whole string.
SITE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ARTICLE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class FullMatch(validate.Regexp):
    """`validate.Regexp` that must match the whole value (marshmallow's uses `re.match`)."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def key_field(**kwargs) -> fields.String:
    """A mood/channel key: lowercase letters, digits, '-' and '_', at most 32 characters."""
    return fields.String(validate=FullMatch(KEY_RE, error="expected 1-32 of [a-z0-9_-]"), **kwargs)


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
