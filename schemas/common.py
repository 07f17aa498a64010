"""Shared fields and patterns of the contract."""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from service.domain.defaults import LANGUAGES

# Identifier patterns. They are always applied with `fullmatch` (FullMatch below for schemas):
# Python's `$` also matches before a final newline, so `re.match("^x$", "x\n")` succeeds.
# The `^…$` anchors stay for the OpenAPI document, where they mean the whole string.
SITE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ARTICLE_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
KEY_RE = r"^[a-z0-9][a-z0-9_-]{0,31}$"  # a pattern string (portability strips its anchors)


class FullMatch(validate.Regexp):
    """`validate.Regexp` that must match the whole value (marshmallow's uses `re.match`)."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value
# The rules as a person reads them, for error messages.
SITE_RULE = "a site id is 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit"
ARTICLE_RULE = "an article id is 1-128 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'"


class StrictSchema(Schema):
    """Unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE


def key_field(**kwargs) -> fields.String:
    """Return a mood/channel key: lowercase letters, digits, '-' and '_', at most 32 characters."""
    return fields.String(validate=FullMatch(KEY_RE, error="expected 1-32 of [a-z0-9_-]"), **kwargs)


def answer(*optional: str):
    """Mark a response schema (class decorator): its fields are always present (OpenAPI
    `required`, so a generated client types them as present), except the `optional` ones.

    marshmallow's `required` only matters when loading; response schemas are only dumped."""
    def mark(cls):
        unknown = set(optional) - set(cls._declared_fields)
        if unknown:
            raise ValueError(f"{cls.__name__} has no field {sorted(unknown)}")
        for name, field in cls._declared_fields.items():
            field.required = name not in optional
        return cls
    return mark


@answer()
class ErrorDetailSchema(Schema):
    code = fields.String(metadata={"description": "stable snake_case code (docs/errors.md)"})
    message = fields.String(metadata={"description": "what went wrong, for a person"})
    details = fields.Dict(keys=fields.String(), metadata={
        "description": "specifics of this code (valid keys, limits, the offending field…)"})


@answer()
class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema)


LANG_DESCRIPTION = ("label language: zh-CN (default), zh-TW or en (a label missing in the "
                    "language falls back to zh-CN); without it, Accept-Language decides")
# `lang` only selects among fixed label languages and never reaches storage; the request
# helper maps anything unknown to the default, so it is documented here rather than parsed
# by a schema on the hot reaction path (a webargs parse costs ~30 µs a request).
LANG_PARAM = {
    "name": "lang", "in": "query", "required": False,
    "schema": {"type": "string", "enum": list(LANGUAGES)},
    "description": LANG_DESCRIPTION,
}
