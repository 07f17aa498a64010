"""Dump answers through their schemas at a fraction of marshmallow's per-call cost.

The response schemas stay the output whitelist: `compile_dump(schema)` reads the schema's own
fields once and replaces the instance's `dump` with a loop that does what marshmallow's
`Schema.dump` does (the same fields, keys, attribute lookups, dump defaults and each field's
own `_serialize`), without the per-call machinery around it (hook dispatch, accessor
indirection, missing-value bookkeeping per field). The common plain fields (String, Integer,
Raw, an untyped Dict) are converted inline exactly as their `_serialize` does. A schema with
dump hooks or its own attribute getter, and any field with its own `serialize`/`get_value`,
keep marshmallow's code. Nested schemas are compiled the same way.

With CHECK on (the test suite turns it on) every dump is also made by marshmallow and the two
must be equal, so the whole suite checks the shortcut on every answer it sees.
"""

from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing

CHECK = False  # tests: compare every fast dump with marshmallow's
ENABLED = True  # False: every dump is marshmallow's own (bench/pipeline.py --before)

_COMPILED = "_xinqing_fast_dump"


def _plain(field: fields.Field) -> Callable[[Any], Any] | None:
    """An inline converter doing exactly what this field's `_serialize` does, if simple."""
    kind = type(field)
    if kind is fields.String:
        return lambda v: None if v is None else (v if type(v) is str else field._serialize(v, None, None))
    if kind is fields.Integer and not field.as_string:
        return lambda v: None if v is None else (v if type(v) is int else int(v))
    if kind is fields.Raw:
        return lambda v: v
    if kind is fields.Dict and field.key_field is None and field.value_field is None:
        return lambda v: None if v is None else dict(v)
    if kind is fields.Dict and field.key_field is not None and field.value_field is not None:
        return _plain_dict(field)
    if kind is fields.List:
        return _plain_list(field)
    return None


# the exact types the String and Integer converters above hand back unchanged
_KEEPS = {fields.String: str, fields.Integer: int}


def _plain_dict(field: fields.Dict) -> Callable[[Any], Any] | None:
    """Dict(keys=…, values=…) as its `_serialize` does it, for plain key and value fields."""
    key_field, value_field = field.key_field, field.value_field
    convert_key, convert_value = _plain(key_field), _plain(value_field)
    if convert_key is None or convert_value is None or field.mapping_type is not dict:
        return None
    key_type, value_type = _KEEPS.get(type(key_field)), _KEEPS.get(type(value_field))
    if isinstance(value_field, fields.Integer) and value_field.as_string:
        value_type = None

    def convert(v):
        if v is None:
            return None
        if (key_type is not None and value_type is not None
                and {type(k) for k in v} <= {key_type}
                and {type(x) for x in v.values()} <= {value_type}):
            return dict(v)  # every key and value would come back as itself
        keys = {k: convert_key(k) for k in v}
        return {keys[k]: convert_value(x) for k, x in v.items()}

    return convert


def _plain_list(field: fields.List) -> Callable[[Any], Any] | None:
    """List(inner) as its `_serialize` does it, for a plain inner field or a Nested one."""
    inner = field.inner
    if type(inner) is fields.Nested and type(inner)._serialize is fields.Nested._serialize:
        schema = inner.schema
        if schema.many or inner.many:
            return None
        dump = compile_dump(schema).dump  # what Nested._serialize calls, many=False
        return lambda v: None if v is None else [None if x is None else dump(x) for x in v]
    convert = _plain(inner)
    if convert is None:
        return None
    return lambda v: None if v is None else [convert(x) for x in v]


def _field_step(name: str, field: fields.Field, get_attribute) -> tuple:
    """(output key, getter(obj) -> value or missing) for one field."""
    key = field.data_key if field.data_key is not None else name
    ordinary = (type(field).serialize is fields.Field.serialize
                and type(field).get_value is fields.Field.get_value
                and field._CHECK_ATTRIBUTE)
    attr = field.attribute if field.attribute is not None else name
    if not ordinary or "." in attr:
        return key, lambda obj: field.serialize(name, obj, accessor=get_attribute)
    _compile_nested(field)
    convert = _plain(field) or (lambda v: field._serialize(v, attr, None))
    default = field.dump_default

    def step(obj):
        if type(obj) is dict:
            value = obj[attr] if attr in obj else getattr(obj, attr, missing)
        else:
            try:
                value = obj[attr]
            except (KeyError, IndexError, TypeError, AttributeError):
                value = getattr(obj, attr, missing)
        if value is missing:
            value = default() if callable(default) else default
            if value is missing:
                return missing
        return convert(value)

    return key, step


def _compile_nested(field: fields.Field) -> None:
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        compile_dump(field.schema)
    inner = getattr(field, "inner", None)
    if isinstance(inner, fields.Field):
        _compile_nested(inner)
    value_field = getattr(field, "value_field", None)
    if isinstance(value_field, fields.Field):
        _compile_nested(value_field)


def compile_dump(schema: Schema) -> Schema:
    """Give `schema` (an instance) the fast `dump`; return it. Idempotent."""
    if getattr(schema, _COMPILED, False):
        return schema
    setattr(schema, _COMPILED, True)
    if (schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]
            or type(schema).get_attribute is not Schema.get_attribute):
        return schema
    steps = [_field_step(name, field, schema.get_attribute)
             for name, field in schema.dump_fields.items()]
    dict_class = schema.dict_class
    original = schema.dump

    def one(obj):
        out = dict_class()
        for key, step in steps:
            value = step(obj)
            if value is not missing:
                out[key] = value
        return out

    def dump(obj, *, many: bool | None = None):
        if not ENABLED:
            return original(obj, many=many)
        many = schema.many if many is None else bool(many)
        result = [one(o) for o in obj] if many and obj is not None else one(obj)
        if CHECK:
            expected = original(obj, many=many)
            assert result == expected and list(result) == list(expected), (
                f"{type(schema).__name__}: fast dump {result!r} != marshmallow {expected!r}")
        return result

    schema.dump = dump  # type: ignore[method-assign]
    return schema
