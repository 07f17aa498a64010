"""The request pipeline's shortcuts answer exactly what the code they stand in for answers.

- service/api/fastload.py: a compiled body load against marshmallow's `load`, on generated
  bodies of every JSON body schema the API declares, valid and invalid;
- service/metrics.py: histogram and counter children written directly against
  prometheus-client's `observe`/`inc`;
- service/api/response.py: the Response handed to the server against werkzeug's own
  `get_wsgi_response`, for statuses and headers that need its fix-ups and ones that do not.
"""

from __future__ import annotations

import pytest
from flask import Response as FlaskResponse  # werkzeug's code with Flask's defaults
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import OneOf
from prometheus_client import CollectorRegistry, Counter, Histogram
from werkzeug.test import EnvironBuilder

from service.api import fastload
from service.api.fastload import compile_load
from service.api.response import Response
from service.metrics import HTTP_BUCKETS, _fast_inc, _fast_observe


def _body_schemas() -> list[type[Schema]]:
    """Every body schema the API's views declare that compiled to the fast load."""
    import service.api  # noqa: F401 - its views declare their bodies on import

    return sorted((cls for cls in fastload.FAST if cls.__module__.startswith("schemas.")),
                  key=lambda cls: cls.__name__)


BODY_SCHEMAS = _body_schemas()

KEYS = ["happy", "sad", "like", "meh", "a-b_1", "x" * 33, "Happy", "", " happy", "weixin"]
ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
    st.sampled_from(KEYS), st.text(max_size=80), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _value_for(field: fields.Field):
    choices = [c for v in field.validators if isinstance(v, OneOf) for c in v.choices]
    if isinstance(field, fields.String):
        return st.one_of(st.sampled_from(choices or KEYS), st.sampled_from(KEYS + choices), st.text(max_size=80),
                         st.text(alphabet="abcdefghij0123456789-_", min_size=1, max_size=40),
                         ANY_VALUE)
    if isinstance(field, fields.Integer):
        return st.one_of(st.integers(-10, 10**6), st.integers(), ANY_VALUE)
    return ANY_VALUE


@st.composite
def bodies(draw, schema: Schema):
    if draw(st.integers(0, 9)) == 0:  # not an object at all
        return draw(st.one_of(ANY_VALUE, st.lists(ANY_VALUE, max_size=3)))
    body = {}
    for name, field in schema.load_fields.items():
        if draw(st.integers(0, 5)) > 0:  # mostly present
            body[name] = draw(_value_for(field))
    if draw(st.integers(0, 5)) == 0:
        body[draw(st.sampled_from(["extra", "mood ", "id", "counts"]))] = draw(ANY_VALUE)
    return body


def _outcome(load, body):
    try:
        return "ok", load(body)
    except ValidationError as error:
        return "error", error.messages


def test_body_schemas_are_found():
    from schemas.engagement import ReactionPutSchema

    assert ReactionPutSchema in BODY_SCHEMAS


@pytest.mark.parametrize("cls", BODY_SCHEMAS, ids=lambda cls: cls.__name__)
def test_fast_load_equals_marshmallow(cls, monkeypatch):
    monkeypatch.setattr(fastload, "CHECK", False)  # compare here, not inside the load
    fast, plain = compile_load(cls()), cls()
    accepted = []

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(body=bodies(plain))
    def check(body):
        got, expected = _outcome(fast.load, body), _outcome(plain.load, body)
        assert got == expected
        if got[0] == "ok":
            assert list(got[1]) == list(expected[1])  # the same key order
            accepted.append(body)

    check()
    assert accepted, f"{cls.__name__}: no generated body was valid; the test proves little"


def test_reaction_body_cases():
    from schemas.engagement import ReactionPutSchema

    fast, plain = compile_load(ReactionPutSchema()), ReactionPutSchema()
    for body in ({"mood": "happy"}, {"mood": ""}, {"mood": "x" * 64}, {"mood": "x" * 65},
                 {"mood": None}, {"mood": 1}, {"mood": True}, {}, {"mood": "a", "b": 1},
                 [], "happy", None, {"mood": b"happy"}, {"mood": ["happy"]}):
        assert _outcome(fast.load, body) == _outcome(plain.load, body), body


def test_fast_load_keeps_hooks_and_options_to_marshmallow():
    from marshmallow import EXCLUDE, INCLUDE, post_load, validates

    class Hooked(Schema):
        name = fields.String()

        @post_load
        def upper(self, data, **kwargs):
            return {k: v.upper() for k, v in data.items()}

    class Checked(Schema):
        name = fields.String()

        @validates("name")
        def no_x(self, value, **kwargs):
            if "x" in value:
                raise ValidationError("no x")

    class Renamed(Schema):
        name = fields.String(data_key="Name")

    class Other(Schema):
        when = fields.DateTime()

    for schema in (Hooked(), Checked(), Renamed(), Other(), Hooked(many=True),
                   Hooked(unknown=INCLUDE)):
        original = schema.load
        assert compile_load(schema).load == original  # untouched

    class Loose(Schema):
        name = fields.String(required=True)
        count = fields.Integer(load_default=3)

    fast, plain = compile_load(Loose(unknown=EXCLUDE)), Loose(unknown=EXCLUDE)
    for body in ({"name": "a"}, {"name": "a", "other": 1}, {"name": "a", "count": True},
                 {"name": "a", "count": 2.0}, {"count": 1}):
        assert _outcome(fast.load, body) == _outcome(plain.load, body), body


AMOUNTS = [0.0, 1e-9, 0.001, 0.0010000001, 0.0025, 0.004, 0.05, 0.5, 1.0, 2.5, 5.0, 5.0001,
           1e9, -1.0, float("inf")]


def _samples(registry):
    return sorted((s.name, tuple(sorted(s.labels.items())), s.value)
                  for metric in registry.collect() for s in metric.samples
                  if not s.name.endswith("_created"))


def test_fast_metric_writes_equal_prometheus_client():
    slow, quick = CollectorRegistry(), CollectorRegistry()
    h_slow = Histogram("h", "h", ("a",), registry=slow, buckets=HTTP_BUCKETS)
    h_quick = Histogram("h", "h", ("a",), registry=quick, buckets=HTTP_BUCKETS)
    c_slow = Counter("c", "c", ("a",), registry=slow)
    c_quick = Counter("c", "c", ("a",), registry=quick)
    observe, inc = _fast_observe(h_quick.labels("x")), _fast_inc(c_quick.labels("x"))
    for amount in AMOUNTS:
        h_slow.labels("x").observe(amount)
        c_slow.labels("x").inc()
        observe(amount)
        inc()
    assert _samples(quick) == _samples(slow)


def _wsgi(response, method="GET"):
    environ = EnvironBuilder(path="/x", method=method, base_url="http://example.org/").get_environ()
    app_iter, status, headers = response.get_wsgi_response(environ)
    return status, headers, b"".join(app_iter)


RESPONSES = [
    (200, b'{"a": 1}', {}),
    (201, b"created", {"X-Request-ID": "abc"}),
    (204, b"", {}),
    (304, b"", {"ETag": '"x"', "Content-Type": "text/plain"}),
    (301, b"", {"Location": "/elsewhere/\u4e2d"}),
    (200, b"x", {"Content-Location": "/\u4e2d"}),
    (404, b'{"error": {}}', {"Vary": "Origin"}),
    (429, b"slow down", {"Retry-After": "60"}),
    (503, b"", {}),
]


@pytest.mark.parametrize("status,body,headers", RESPONSES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_response_hands_over_what_werkzeug_would(status, body, headers, method):
    ours, theirs = (cls(body, status=status, headers=headers) for cls in (Response,
                                                                           FlaskResponse))
    assert _wsgi(ours, method) == _wsgi(theirs, method)


def test_response_without_a_content_length_gets_one_as_werkzeug_gives():
    for cls in (Response, FlaskResponse):
        response = cls([b"a", b"bc"], status=200)
        assert "Content-Length" not in response.headers
    assert _wsgi(Response([b"a", b"bc"])) == _wsgi(FlaskResponse([b"a", b"bc"]))
    streamed = (lambda: (part for part in (b"a", b"b")))
    assert _wsgi(Response(streamed())) == _wsgi(FlaskResponse(streamed()))
