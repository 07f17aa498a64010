"""Error answers that tell the caller what to do: the valid keys, the id rule, the site's limit,
one status for a bad number of ids, and unknown fields refused on every JSON endpoint."""

from __future__ import annotations

import re

from conftest import ADMIN_TOKEN
from service.api.openapi import served_document


def error(response, status, code):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["code"] == code, body
    return body["error"]


def test_a_mood_sent_as_its_label_names_the_keys(api):
    api.create_site()
    reader = api.reader()
    e = error(api.react(reader, "开心"), 422, "unknown_mood")
    assert e["details"]["moods"] == ["happy", "sad", "like", "meh"]
    assert "happy, sad, like, meh" in e["message"] and "'开心' is the label of 'happy'" in e["message"]
    e = error(api.react(reader, "joy"), 422, "unknown_mood")
    assert e["details"] == {"mood": "joy", "moods": ["happy", "sad", "like", "meh"]}


def test_a_channel_sent_as_its_label_names_the_keys(api):
    api.create_site()
    r = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "微信好友"})
    e = error(r, 422, "unknown_channel")
    assert e["details"]["channels"][0] == "wechat" and "'微信好友' is the label of 'wechat'" \
        in e["message"]


def test_id_errors_state_the_rule(api):
    api.create_site()
    e = error(api.client.get("/v1/sites/gmw/articles/a%20b"), 400, "invalid_id")
    assert "1-128 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'" in e["message"]
    e = error(api.client.get("/v1/sites/GMW/articles/a1"), 400, "invalid_id")
    assert "1-32 characters of a-z, 0-9 and '-'" in e["message"]
    e = error(api.client.get("/v1/sites/gmw/articles?ids=a1,b%20c"), 400, "invalid_id")
    assert "1-128 characters" in e["message"] and e["details"]["ids"] == ["b c"]


def test_the_comment_length_message_gives_the_sites_limit(api):
    editor = api.create_site()
    reader = api.reader()
    post = lambda body: api.client.post("/v1/sites/gmw/articles/a1/comments",  # noqa: E731
                                        json={"body": body}, headers=reader)
    e = error(post("长" * 2001), 422, "comment_rejected")
    assert e["message"] == "the comment is 2001 characters long; this site takes at most 2000"
    assert e["details"]["rule"] == "comment_too_long"
    api.client.patch("/v1/sites/gmw/settings", json={"comment_max_length": 50},
                     headers=api.editor(editor))
    e = error(post("x" * 30000), 422, "comment_rejected")
    assert e["message"].endswith("this site takes at most 50")


def test_no_ids_and_too_many_ids_answer_the_same(api):
    api.create_site()
    for query in ("ids=", "ids=" + ",".join(f"a{i}" for i in range(101)), ""):
        r = api.client.get("/v1/sites/gmw/articles?" + query)
        e = error(r, 422, "validation_error")
        if query:
            assert "give 1 to 100 comma-separated article ids" in str(e["details"]), e


def test_unknown_fields_are_refused_on_every_json_endpoint(api, app):
    """Every operation taking a body, with valid credentials: an unknown field is named."""
    editor = api.create_site("gmw")
    reader = api.reader("gmw")
    comment = api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "好"},
                              headers=reader).get_json()
    values = {"site": "gmw", "article": "a1", "comment_id": comment["id"], "ref": "uAAAAAAAAAAAAAAAA"}
    spec = served_document(app)
    checked = []
    for path, item in spec["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in item:
                continue
            credentials = {"X-Reader-Token": reader["X-Reader-Token"]}
            schemes = {name for requirement in item[method]["security"] for name in requirement}
            if "editor" in schemes or "admin" in schemes:
                credentials["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
            r = api.client.open(url, method=method.upper(), json={"zz_unknown": 1},
                                headers=credentials)
            e = error(r, 422, "validation_error")
            assert "zz_unknown" in e["details"]["fields"]["json"], (method, path, e)
            checked.append(item[method]["operationId"])
    assert {"postReader", "postView", "postSite", "patchSettings", "putMyReaction"} <= set(checked)
    assert api.client.get("/v1/sites/gmw/settings", headers=api.editor(editor)).status_code == 200


def test_bodyless_posts_still_work(api):
    api.create_site()
    assert api.client.post("/v1/sites/gmw/readers").status_code == 201
    assert api.client.post("/v1/sites/gmw/readers", json={}).status_code == 201
    assert api.client.post("/v1/sites/gmw/articles/a1/views").status_code == 200
