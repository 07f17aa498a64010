"""`Idempotency-Key` on `POST …/comments` (docs/API.md).

A retry with the same key and body returns the first answer and creates nothing, atomically
across workers; the same key with another body is 422 `idempotency_key_reused`.
"""

from __future__ import annotations

import threading

import pytest

from conftest import ADMIN_TOKEN, ApiHelper

PATH = "/v1/sites/gmw/articles/a1/comments"


@pytest.fixture
def setup(api):
    editor = api.editor(api.create_site("gmw"))
    return api, editor, api.reader("gmw")


def _post(client, reader, body="说得好", key=None, **extra):
    headers = dict(reader)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(PATH, json={"body": body, **extra}, headers=headers)


def _count(client):
    return client.get("/v1/sites/gmw/articles/a1").get_json()["comments"]["count"]


def test_a_retry_returns_the_first_answer_and_creates_nothing(setup):
    api, editor, reader = setup
    first = _post(api.client, reader, key="k-0001")
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = _post(api.client, reader, key="k-0001")
    assert again.status_code == 201, again.get_json()
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(api.client) == 1
    # the comment changes afterwards; a replay still answers what the first POST answered
    cid = first.get_json()["id"]
    assert api.client.post(f"/v1/sites/gmw/comments/{cid}/moderate", json={"action": "feature"},
                           headers=editor).status_code == 200
    assert _post(api.client, reader, key="k-0001").get_json() == first.get_json()
    # without the key, the same body within the duplicate window is refused as before
    assert _post(api.client, reader).status_code == 409
    # a new key is a new post
    assert _post(api.client, reader, body="另一条", key="k-0002").status_code == 201
    assert _count(api.client) == 2


def test_the_same_key_with_another_body_is_422(setup):
    api, _, reader = setup
    assert _post(api.client, reader, key="k-1").status_code == 201
    for changed in ({"body": "改过的"}, {"body": "说得好", "author_name": "张三"}):
        r = api.client.post(PATH, json=changed, headers={**reader, "Idempotency-Key": "k-1"})
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _count(api.client) == 1


def test_keys_belong_to_one_reader(setup):
    api, _, reader = setup
    other = api.reader("gmw")
    assert _post(api.client, reader, key="shared-key").status_code == 201
    r = _post(api.client, other, key="shared-key")
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    assert _count(api.client) == 2


@pytest.mark.parametrize("bad", ["", "x" * 256, "has space", "tab\there", "中文"])
def test_a_malformed_key_is_400(setup, bad):
    api, _, reader = setup
    r = api.client.post(PATH, json={"body": "好"},
                        environ_overrides={"HTTP_IDEMPOTENCY_KEY": bad,
                                           "HTTP_X_READER_TOKEN": reader["X-Reader-Token"]})
    assert r.status_code == 400, (bad, r.get_json())
    assert r.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert _count(api.client) == 0


def test_concurrent_retries_on_two_workers_create_one_comment(app_factory):
    """Two apps (two workers' worth of connections) race 16 identical posts."""
    apps = [app_factory(), app_factory()]
    api = ApiHelper(apps[0].test_client())
    api.create_site("gmw")
    reader = api.reader("gmw")
    answers, lock, start = [], threading.Lock(), threading.Barrier(16)

    def post(app):
        client = app.test_client()
        start.wait()
        r = _post(client, reader, body="并发", key="race-key")
        with lock:
            answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=post, args=(apps[i % 2],)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 16
    assert {status for status, _ in answers} == {201}, answers
    assert len({body["id"] for _, body in answers}) == 1
    assert _count(api.client) == 1


def test_browsers_may_send_the_key_cross_origin(api):
    api.client.post("/v1/admin/sites", json={"site": "gmw", "allowed_origins": ["https://news.example"]},
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    r = api.client.options(PATH, headers={"Origin": "https://news.example",
                                          "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "idempotency-key"})
    assert r.status_code == 204
    assert "idempotency-key" in r.headers["Access-Control-Allow-Headers"].lower()
    reader = api.reader("gmw")
    r = api.client.post(PATH, json={"body": "好"},
                        headers={**reader, "Origin": "https://news.example", "Idempotency-Key": "c1"})
    assert "idempotent-replayed" in r.headers["Access-Control-Expose-Headers"].lower()


def test_the_header_is_documented(app):
    doc = app.test_client().get("/openapi.json").get_json()
    post = doc["paths"]["/v1/sites/{site}/articles/{article}/comments"]["post"]
    names = [p["name"] for p in post.get("parameters", []) if p.get("in") == "header"]
    assert "Idempotency-Key" in names
    assert "422" in post["responses"]
