"""The API additions the reader widget needs: the reader's own moods in one private call,
share channels with their labels. (The widget itself is tested in tests/browser/.)"""

from __future__ import annotations

MINE = "/v1/sites/gmw/reactions/mine"


def test_my_moods_for_a_page_of_articles(api):
    api.create_site()
    reader = api.reader()
    api.react(reader, "happy", article="a1")
    api.react(reader, "like", article="a3")
    api.react(api.reader(), "sad", article="a2")  # someone else's vote is not mine
    r = api.client.get(f"{MINE}?articles=a1,a2,a3,a1", headers=reader)
    assert r.status_code == 200
    assert r.get_json() == {"mine": {"a1": "happy", "a2": None, "a3": "like"}}
    # private: one reader's answer is never stored for another
    assert r.headers["Cache-Control"] == "private, no-store"
    api.react(reader, "sad", article="a1")
    api.retract(reader, article="a3")
    assert api.client.get(f"{MINE}?articles=a1,a3", headers=reader).get_json() == {
        "mine": {"a1": "sad", "a3": None}}


def test_my_moods_needs_this_sites_reader(api):
    api.create_site()
    api.create_site("other")
    r = api.client.get(f"{MINE}?articles=a1")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "missing_reader"
    forged = {"X-Reader-Token": "A" * 16 + "." + "B" * 24}
    assert api.client.get(f"{MINE}?articles=a1", headers=forged).get_json()[
        "error"]["code"] == "invalid_reader"
    foreign = api.reader("other")
    assert api.client.get(f"{MINE}?articles=a1", headers=foreign).status_code == 401


def test_my_moods_checks_the_article_list(api):
    api.create_site()
    reader = api.reader()
    ids = ",".join(f"a{i}" for i in range(101))
    assert api.client.get(f"{MINE}?articles={ids}", headers=reader).status_code == 422
    bad = api.client.get(f"{MINE}?articles=a1,bad%20id", headers=reader)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_id"
    assert api.client.get(MINE, headers=reader).status_code == 422
    unknown = api.client.get("/v1/sites/nosite/reactions/mine?articles=a1", headers=reader)
    assert unknown.status_code == 404


def test_a_mood_removed_from_the_site_is_not_mine(api):
    token = api.create_site()
    reader = api.reader()
    api.react(reader, "meh", article="a1")
    moods = api.client.get("/v1/sites/gmw/settings", headers=api.editor(token)).get_json()["moods"]
    r = api.client.patch("/v1/sites/gmw/settings", headers=api.editor(token),
                         json={"moods": [m for m in moods if m["key"] != "meh"]})
    assert r.status_code == 200
    assert api.client.get(f"{MINE}?articles=a1", headers=reader).get_json() == {
        "mine": {"a1": None}}


def test_share_counts_carry_the_channels_labels(api):
    api.create_site()
    zh = api.client.get("/v1/sites/gmw/articles/a1/shares").get_json()
    assert zh["channels"][:2] == [{"key": "wechat", "label": "微信好友"},
                                  {"key": "moments", "label": "朋友圈"}]
    assert [c["key"] for c in zh["channels"]] == list(zh["counts"])
    en = api.client.get("/v1/sites/gmw/articles/a1/shares?lang=en").get_json()
    assert en["channels"][0] == {"key": "wechat", "label": "WeChat"}
    by_header = api.client.get("/v1/sites/gmw/articles/a1/shares",
                               headers={"Accept-Language": "en-US,en;q=0.8"})
    assert by_header.get_json()["channels"][0]["label"] == "WeChat"
    assert "Accept-Language" in by_header.headers["Vary"]


def test_openapi_documents_the_widget_endpoints(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    mine = paths["/v1/sites/{site}/reactions/mine"]["get"]
    assert {p["name"] for p in mine["parameters"] if p["in"] == "query"} == {"articles"}
    assert "200" in mine["responses"]
    shares = paths["/v1/sites/{site}/articles/{article}/shares"]["get"]
    schema = shares["responses"]["200"]["content"]["application/json"]["schema"]
    assert "Shares" in schema["$ref"]
