"""Redis down: every comment endpoint answers 503 fast (never 500), limits included."""

from __future__ import annotations

import time

from conftest import ADMIN_TOKEN, SECRET_KEY


def test_comment_endpoints_give_503_when_redis_is_down(own_redis):
    from service import create_app

    app = create_app({"TESTING": True, "REDIS_URL": own_redis.url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    editor = {"Authorization": "Bearer " + client.post(
        "/v1/admin/sites", json={"site": "gmw"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()["editor_token"]}
    reader = {"X-Reader-Token": client.post("/v1/sites/gmw/readers").get_json()["reader_token"]}
    cid = client.post("/v1/sites/gmw/articles/a/comments", json={"body": "hi"},
                      headers=reader).get_json()["id"]
    assert client.get("/v1/sites/gmw/articles/a/comments").status_code == 200  # now cached
    own_redis.stop()
    calls = (
        ("GET", "/v1/sites/gmw/articles/a/comments", None, {}),
        ("GET", "/v1/sites/gmw/articles/a/comments", None, reader),
        ("POST", "/v1/sites/gmw/articles/a/comments", {"body": "again"}, reader),
        ("GET", f"/v1/sites/gmw/comments/{cid}/replies", None, {}),
        ("PUT", f"/v1/sites/gmw/comments/{cid}/vote", {"vote": "up"}, reader),
        ("DELETE", f"/v1/sites/gmw/comments/{cid}", None, reader),
        ("POST", f"/v1/sites/gmw/comments/{cid}/moderate", {"action": "reject"}, editor),
        ("GET", "/v1/sites/gmw/moderation", None, editor),
        ("POST", f"/v1/sites/gmw/comments/{cid}/ban", {}, editor),
    )
    for method, path, body, headers in calls:
        started = time.monotonic()
        r = client.open(path, method=method, json=body, headers=headers)
        assert r.status_code == 503, (method, path, r.status_code, r.get_json())
        assert r.get_json()["error"]["code"] == "storage_unavailable"
        assert time.monotonic() - started < 2.5, (method, path)
