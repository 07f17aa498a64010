"""Load request bodies through their schemas at a fraction of marshmallow's per-call cost.

The input schemas stay the only input filter: `compile_load(schema)` reads the schema's own
fields once and gives the instance a `load` that accepts, without marshmallow's per-call
machinery, only a body it can tell marshmallow would accept unchanged — a JSON object whose
keys are all load fields (or, with `unknown=EXCLUDE`, any keys), every required field
present, each value already of its field's type (a str for String, an int for Integer)
and passing that field's own validators (run as marshmallow runs them).
It returns what marshmallow would: the same keys, in the schema's field order, with each
absent optional field's load default. Anything else — a wrong type, a missing or unknown
field, a failing validator, null — goes to marshmallow's own `load`, so every error is
marshmallow's, word for word.

A schema with load hooks (pre_load, post_load, validates, validates_schema), `many`,
`partial`, `unknown=INCLUDE`, or any field of another kind or with its own pre/post-load
functions, `attribute` or `data_key`, keeps marshmallow's `load` untouched.

With CHECK on (the test suite turns it on) every accepted body is also loaded by marshmallow
and the two must be equal; tests/test_pipeline_fast_paths.py compares them on many
generated bodies, valid and invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.utils import missing
from marshmallow.validate import Validator

CHECK = False  # tests: compare every fast load with marshmallow's

_COMPILED = "_xinqing_fast_load"
FAST: set[type[Schema]] = set()  # the schema classes given a fast load (tests compare them)

# field class -> the exact value types its _deserialize returns unchanged
_PLAIN_TYPES: dict[type, tuple[type, ...]] = {
    fields.String: (str,),
    fields.Integer: (int,),
}


class _Rejected(Exception):
    """The fast path cannot vouch for this body: marshmallow decides."""


def _field_check(field: fields.Field) -> Callable[[Any], bool] | None:
    """A test that `value` comes out of `field.deserialize` as itself, or None if unknown."""
    kind = type(field)
    types = _PLAIN_TYPES.get(kind)
    if types is None or field.pre_load or field.post_load:
        return None
    if kind is fields.Integer and not isinstance(field.strict, bool):
        return None
    validators = list(field.validators)

    def check(value) -> bool:
        if type(value) not in types:  # (bool is not int here: type(), not isinstance())
            return False
        for validator in validators:
            try:
                result = validator(value)
            except Exception:  # noqa: BLE001 - any refusal: marshmallow words it
                return False
            if result is False and not isinstance(validator, Validator):
                return False
        return True

    return check


def compile_load(schema: Schema) -> Schema:
    """Give `schema` (an instance) the fast `load`; return it. Idempotent."""
    if getattr(schema, _COMPILED, False):
        return schema
    setattr(schema, _COMPILED, True)
    hooks = schema._hooks
    if (hooks[PRE_LOAD] or hooks[POST_LOAD] or hooks[VALIDATES] or hooks[VALIDATES_SCHEMA]
            or schema.many or schema.partial or schema.unknown not in (RAISE, EXCLUDE)
            or schema.dict_class is not dict):
        return schema
    steps = []
    for name, field in schema.load_fields.items():
        check = _field_check(field)
        if check is None or field.data_key is not None or field.attribute is not None:
            return schema
        steps.append((name, field.required, field.load_default, check))
    known = frozenset(name for name, *_ in steps)
    raise_unknown = schema.unknown == RAISE
    original = schema.load

    def fast(data) -> dict:
        if type(data) is not dict or (raise_unknown and not known.issuperset(data)):
            raise _Rejected
        out = {}
        for name, required, default, check in steps:
            if name in data:
                value = data[name]
                if not check(value):
                    raise _Rejected
                out[name] = value
            elif required:
                raise _Rejected
            else:
                value = default() if callable(default) else default
                if value is not missing:
                    out[name] = value
        return out

    def load(data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown is None:
            try:
                result = fast(data)
            except _Rejected:
                pass
            else:
                if CHECK:
                    expected = original(data)
                    assert result == expected and list(result) == list(expected), (
                        f"{type(schema).__name__}: fast load {result!r} != "
                        f"marshmallow {expected!r}")
                return result
        return original(data, many=many, partial=partial, unknown=unknown)

    schema.load = load  # type: ignore[method-assign]
    FAST.add(type(schema))
    return schema
