"""A body is parsed once, by one parser with one depth cap.

Before: the body check parsed with orjson (nesting up to 1,024) and webargs parsed the same
bytes again with Python's json, which raises RecursionError near 1,000 levels — a 500 before
authentication. A chunked body (no Content-Length) was not held to the size cap.
"""

from __future__ import annotations

import io

import pytest

from conftest import ADMIN_TOKEN
from service.jsonio import MAX_JSON_DEPTH


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _object_nested(depth: int) -> str:
    return '{"mood": ' + '{"a": ' * (depth - 1) + "1" + "}" * (depth - 1) + "}"


@pytest.fixture
def reader(api):
    api.create_site("gmw")
    return api.reader("gmw")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 975, 990, 1023, 1100])
@pytest.mark.parametrize("path,method", [
    ("/v1/sites/gmw/articles/a1/reactions/mine", "PUT"),
    ("/v1/sites/gmw/articles/a1/comments", "POST"),
    ("/v1/sites/gmw/settings", "PATCH"),
    ("/v1/admin/sites", "POST"),
])
def test_too_deep_bodies_are_400_never_500(api, reader, depth, path, method):
    for body in (_nested(depth), _object_nested(depth)):
        r = api.client.open(path, method=method, data=body, content_type="application/json",
                            headers=reader)
        assert r.status_code == 400, (depth, r.status_code, r.get_json())
        assert r.get_json()["error"]["code"] in ("json_too_deep", "malformed_json")
        if depth <= 1024:
            assert r.get_json()["error"]["code"] == "json_too_deep"


def test_bodies_within_the_cap_reach_the_schema(api, reader):
    # nested exactly to the cap: parsed, then refused by the schema as the wrong shape (422)
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", data=_object_nested(MAX_JSON_DEPTH),
                       content_type="application/json", headers=reader)
    assert r.status_code == 422, r.get_json()
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                       headers=reader)
    assert r.status_code == 200
    # a settings body as deep as the contract's own shapes goes through
    editor = api.create_site("deep")
    r = api.client.patch("/v1/sites/deep/settings", headers=api.editor(editor), json={
        "moods": [{"key": "wow", "labels": {"zh-CN": "哇", "en": "Wow"}, "emoji": "😮"}]})
    assert r.status_code == 200, r.get_json()


def test_the_body_is_parsed_once(api, reader, monkeypatch):
    """Neither webargs' parser (Python's json) nor Flask's get_json parses a request body: the
    body check's one orjson parse is all the schemas see."""
    import webargs.core

    from service.jsonio import OrjsonProvider

    def refuse(*args, **kwargs):
        raise AssertionError("a second JSON parser ran")

    monkeypatch.setattr(webargs.core, "parse_json", refuse)
    monkeypatch.setattr(OrjsonProvider, "loads", refuse)
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                       headers=reader)
    assert r.status_code == 200, r.get_json()
    r = api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "好"}, headers=reader)
    assert r.status_code == 201, r.get_json()


def test_a_chunked_body_over_the_cap_is_413(api, reader):
    big = b'{"body": "' + b"x" * (70 * 1024) + b'"}'
    for path, method in (("/v1/sites/gmw/articles/a1/comments", "POST"),
                         ("/v1/admin/sites", "POST")):
        r = api.client.open(
            path, method=method, input_stream=io.BytesIO(big),
            headers={**reader, "Transfer-Encoding": "chunked", "Content-Type": "application/json",
                     "Authorization": f"Bearer {ADMIN_TOKEN}"},
            # what gunicorn sets for a chunked request: the stream ends where the body ends
            environ_overrides={"wsgi.input_terminated": True})
        assert r.status_code == 413, (path, r.status_code, r.get_json())
        assert r.get_json()["error"]["code"] == "payload_too_large"
    # a small chunked body is read and answered normally
    r = api.client.post("/v1/sites/gmw/articles/a1/comments", input_stream=io.BytesIO(b'{"body": "ok"}'),
                        headers={**reader, "Transfer-Encoding": "chunked",
                                 "Content-Type": "application/json"},
                        environ_overrides={"wsgi.input_terminated": True})
    assert r.status_code == 201, r.get_json()


def test_every_api_blueprint_uses_the_once_parsed_body(app):
    """A blueprint built from flask_smorest.Blueprint directly would parse bodies again."""
    import flask_smorest

    from service.api.blueprint import OnceParsedBodyParser

    smorest = [bp for bp in app.blueprints.values() if isinstance(bp, flask_smorest.Blueprint)]
    assert len(smorest) >= 5
    for bp in smorest:
        assert isinstance(bp.ARGUMENTS_PARSER, OnceParsedBodyParser), bp.name
