"""Every error is JSON in the one shape; bad input never reaches Redis and never yields 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st


def error_code(response):
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]["code"]


@pytest.mark.parametrize("path", [
    "/v1/sites/BAD/articles/a1/reactions",
    "/v1/sites/-x/articles/a1/reactions",
    "/v1/sites/" + "a" * 33 + "/articles/a1/reactions",
    "/v1/sites/gmw/articles/" + "a" * 129 + "/reactions",
    "/v1/sites/gmw/articles/a%20b/reactions",
    "/v1/sites/gmw/articles/%E4%B8%AD/reactions",
    "/v1/sites/gmw/articles/a%3Cscript%3E",
])
def test_invalid_ids_are_400_before_storage(api, path):
    api.create_site()
    r = api.client.get(path)
    assert r.status_code == 400 and error_code(r) == "invalid_id"


def test_batch_ids_are_validated_and_bounded(api):
    api.create_site()
    r = api.client.get("/v1/sites/gmw/articles?ids=ok,bad%20id")
    assert r.status_code == 400 and error_code(r) == "invalid_id"
    r = api.client.get("/v1/sites/gmw/articles?ids=" + ",".join(f"a{i}" for i in range(101)))
    assert r.status_code == 422
    r = api.client.get("/v1/sites/gmw/articles")
    assert r.status_code == 422
    r = api.client.get("/v1/sites/gmw/articles?ids=" + ",".join(f"a{i}" for i in range(100)))
    assert r.status_code == 200 and len(r.get_json()["items"]) == 100


def test_404_405_413_415_and_malformed_json_are_json(api):
    api.create_site()
    reader = api.reader()
    r = api.client.get("/v2/whatever")
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = api.client.post("/v1/sites/gmw/articles/a1/reactions")
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"
    assert "GET" in r.headers["Allow"]
    big = b'{"mood": "' + b"x" * (70 * 1024) + b'"}'
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", data=big,
                       content_type="application/json", headers=reader)
    assert r.status_code == 413 and error_code(r) == "payload_too_large"
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", data="mood=happy",
                       content_type="application/x-www-form-urlencoded", headers=reader)
    assert r.status_code == 415 and error_code(r) == "unsupported_media_type"
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", data='{"mood": ',
                       content_type="application/json", headers=reader)
    assert r.status_code == 400 and error_code(r) == "malformed_json"
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", data='["happy"]',
                       content_type="application/json", headers=reader)
    assert r.status_code == 422 and error_code(r) == "validation_error"
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", headers=reader)
    assert r.status_code == 422
    assert api.reactions().get_json()["total"] == 0


def test_unknown_channel_is_422(api):
    api.create_site()
    r = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "myspace"})
    assert r.status_code == 422 and error_code(r) == "unknown_channel"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values, article=st.text(min_size=1, max_size=40),
       method=st.sampled_from(["PUT", "DELETE", "GET", "POST"]))
def test_no_input_yields_a_500(client_for_fuzz, body, article, method):
    client, headers = client_for_fuzz
    from urllib.parse import quote

    for path in (f"/v1/sites/gmw/articles/{quote(article, safe='')}/reactions/mine",
                 f"/v1/sites/gmw/articles/{quote(article, safe='')}/shares",
                 f"/v1/sites/gmw/articles/{quote(article, safe='')}/views",
                 "/v1/sites/gmw/settings", "/v1/admin/sites",
                 f"/v1/sites/gmw/articles?ids={quote(article, safe='')}"):
        r = client.open(path, method=method, data=json.dumps(body),
                        content_type="application/json", headers=headers)
        assert r.status_code < 500, (path, method, body, r.get_json())
        if r.status_code >= 400:
            error_code(r)


@pytest.fixture
def client_for_fuzz(api):
    api.create_site()
    return api.client, api.reader()
