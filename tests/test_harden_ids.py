"""Identifier patterns match whole strings, tested through the HTTP API.

Python's `$` also matches before a final newline, so `re.match("^x$", "x\\n")` matches. Each
pattern of the contract (site, article, comment id, parent, author ref, mood and channel
keys, section channel, origin, request id, reader token) is fed its edge cases: a trailing
`\\n`, a trailing `\\r`, and digits of other scripts (Arabic-Indic, fullwidth, superscript).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# appended to a valid identifier: every one must make it invalid
TAILS = ["\n", "\r", "\r\n", "\u0661", "\uff11", "\u00b2"]


def _code(response):
    return response.get_json()["error"]["code"]


@pytest.fixture
def site(api):
    editor = api.create_site("gmw")
    return {"editor": api.editor(editor), "reader": api.reader("gmw")}


@pytest.mark.parametrize("tail", TAILS)
def test_path_ids_with_a_tail_are_400_invalid_id(api, site, tail):
    client = api.client
    reader = site["reader"]
    created = client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "好"}, headers=reader)
    assert created.status_code == 201
    cid = created.get_json()["id"]
    ref = client.get(f"/v1/sites/gmw/comments/{cid}", headers=site["editor"]).get_json()["author"]["ref"]
    t = quote(tail)
    cases = [
        ("GET", f"/v1/sites/gmw{t}/articles/a1/reactions", None, {}),
        ("GET", f"/v1/sites/gmw/articles/news1{t}/reactions", None, {}),
        ("PUT", f"/v1/sites/gmw/articles/news1{t}/reactions/mine", {"mood": "happy"}, reader),
        ("POST", f"/v1/sites/gmw/articles/news1{t}/comments", {"body": "好"}, reader),
        ("GET", f"/v1/sites/gmw/articles?ids=a1,news1{t}", None, {}),
        ("PUT", f"/v1/sites/gmw/comments/{cid}{t}/vote", {"vote": "up"}, reader),
        ("POST", f"/v1/sites/gmw/comments/{cid}{t}/moderate", {"action": "reject"}, site["editor"]),
        ("PUT", f"/v1/sites/gmw/bans/{ref}{t}", {}, site["editor"]),
    ]
    for method, path, body, headers in cases:
        r = client.open(path, method=method, json=body, headers=headers)
        assert r.status_code == 400 and _code(r) == "invalid_id", (method, path, r.get_json())
    # nothing was written under a tailed id
    assert client.get("/v1/sites/gmw/articles/a1").get_json()["comments"]["count"] == 1
    assert client.get("/v1/sites/gmw/bans", headers=site["editor"]).get_json()["items"] == []


@pytest.mark.parametrize("tail", TAILS)
def test_body_ids_keys_channels_and_origins_with_a_tail_are_refused(api, site, tail):
    client = api.client
    ed = site["editor"]
    r = client.post("/v1/admin/sites", json={"site": "x" + tail}, headers=ADMIN)
    assert r.status_code in (400, 422), r.get_json()
    assert client.get(f"/v1/sites/{quote('x' + tail)}/articles/a/reactions").status_code in (400, 404)

    for change in (
        {"moods": [{"key": "wow" + tail, "labels": {"en": "Wow"}}]},
        {"share_channels": [{"key": "douyin" + tail, "labels": {"en": "Douyin"}}]},
        {"allowed_origins": ["https://www.example.com" + tail]},
    ):
        r = client.patch("/v1/sites/gmw/settings", json=change, headers=ed)
        assert r.status_code == 422 and _code(r) == "validation_error", (change, r.get_json())

    r = client.put("/v1/sites/gmw/articles/a1/meta", headers=ed,
                   json={"title": "t", "url": "https://www.example.com/1", "channel": "gansu" + tail})
    assert r.status_code == 422 and _code(r) == "validation_error", r.get_json()
    r = client.get("/v1/sites/gmw/rankings", query_string={"by": "happy", "channel": "gansu" + tail})
    assert r.status_code == 422, r.get_json()

    reader = site["reader"]
    # a mood or channel key is one of the site's, exactly (refused by pattern or membership)
    r = client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy" + tail},
                   headers=reader)
    assert r.status_code == 422 and _code(r) in ("validation_error", "unknown_mood"), r.get_json()
    r = client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "wechat" + tail},
                    headers=reader)
    assert r.status_code == 422 and _code(r) in ("validation_error", "unknown_channel"), r.get_json()
    assert client.get("/v1/sites/gmw/articles/a1/reactions", headers=reader).get_json()["mine"] is None

    top = client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "顶楼"}, headers=reader)
    r = client.post("/v1/sites/gmw/articles/a1/comments", headers=reader,
                    json={"body": "回复", "parent": top.get_json()["id"] + tail})
    assert r.status_code == 422, r.get_json()
    settings = client.get("/v1/sites/gmw/settings", headers=ed).get_json()
    assert all(tail not in m["key"] for m in settings["moods"])
    assert settings["allowed_origins"] == []


@pytest.mark.parametrize("tail", ["\n", "\r", "\u0661", "\uff11"])
def test_header_values_with_a_tail_are_not_trusted(api, site, tail):
    client = api.client
    token = site["reader"]["X-Reader-Token"]
    # headers carrying a raw newline cannot come through an HTTP server; the WSGI environ can
    r = client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                   environ_overrides={"HTTP_X_READER_TOKEN": token + tail})
    assert r.status_code == 401 and _code(r) == "invalid_reader", r.get_json()
    r = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": "abc" + tail})
    assert r.status_code == 200
    assert r.headers["X-Request-ID"] != "abc" + tail and "\n" not in r.headers["X-Request-ID"]
