"""Reactions through the Flask client on the test Redis: the contract of API.md."""

from __future__ import annotations


def test_zero_counts_for_unknown_article(api):
    api.create_site()
    r = api.reactions("never-seen")
    assert r.status_code == 200
    body = r.get_json()
    assert body["counts"] == {"happy": 0, "sad": 0, "like": 0, "meh": 0}
    assert list(body["counts"]) == ["happy", "sad", "like", "meh"]
    assert body["total"] == 0
    assert "mine" not in body
    assert [m["label"] for m in body["moods"]] == ["开心", "难过", "点赞", "飘过"]


def test_put_move_repeat_and_delete(api):
    api.create_site()
    reader = api.reader()
    body = api.react(reader, "happy").get_json()
    assert body["counts"]["happy"] == 1 and body["mine"] == "happy"
    body = api.react(reader, "happy").get_json()
    assert body["counts"]["happy"] == 1 and body["total"] == 1
    body = api.react(reader, "sad").get_json()
    assert body["counts"] == {"happy": 0, "sad": 1, "like": 0, "meh": 0}
    assert api.reactions(reader=reader).get_json()["mine"] == "sad"
    r = api.retract(reader)
    assert r.status_code == 200
    assert r.get_json()["mine"] is None and r.get_json()["total"] == 0


def test_put_needs_a_reader_and_rejects_forged_or_foreign_tokens(api):
    api.create_site("gmw")
    api.create_site("other")
    r = api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "missing_reader"
    foreign = api.reader("other")
    r = api.react(foreign, "happy")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_reader"
    good = api.reader("gmw")["X-Reader-Token"]
    reader_id, sig = good.split(".")
    for forged in (reader_id + "." + sig[::-1], "x" * 16 + "." + sig, "garbage", good + "x"):
        r = api.react({"X-Reader-Token": forged}, "happy")
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_reader", forged
    assert api.reactions(reader={"X-Reader-Token": "garbage"}).status_code == 401
    assert api.reactions().get_json()["total"] == 0


def test_unknown_mood_is_422_and_writes_nothing(api):
    api.create_site()
    reader = api.reader()
    r = api.react(reader, "angry")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "unknown_mood"
    assert api.react(reader, "").status_code == 422
    assert api.client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": 3},
                          headers=reader).status_code == 422
    assert api.reactions().get_json()["total"] == 0


def test_reordering_or_hiding_a_mood_loses_nothing(api):
    editor = api.editor(api.create_site())
    reader = api.reader()
    api.react(reader, "meh")
    settings = api.client.get("/v1/sites/gmw/settings", headers=editor).get_json()
    moods = settings["moods"]
    r = api.client.patch("/v1/sites/gmw/settings", json={"moods": moods[:3]}, headers=editor)
    assert r.status_code == 200
    body = api.reactions(reader=reader).get_json()
    assert "meh" not in body["counts"] and body["total"] == 0 and body["mine"] is None
    reordered = [moods[3]] + moods[:3]
    api.client.patch("/v1/sites/gmw/settings", json={"moods": reordered}, headers=editor)
    body = api.reactions(reader=reader).get_json()
    assert list(body["counts"]) == ["meh", "happy", "sad", "like"]
    assert body["counts"]["meh"] == 1 and body["mine"] == "meh"


def test_labels_follow_lang_and_accept_language(api):
    api.create_site()
    en = api.client.get("/v1/sites/gmw/articles/a1/reactions?lang=en").get_json()
    assert [m["label"] for m in en["moods"]] == ["Happy", "Sad", "Like", "Meh"]
    header = api.client.get("/v1/sites/gmw/articles/a1/reactions",
                            headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert header["moods"][0]["label"] == "Happy"
    default = api.client.get("/v1/sites/gmw/articles/a1/reactions?lang=fr").get_json()
    assert default["moods"][0]["label"] == "开心"


def test_chinese_is_returned_as_characters(api):
    api.create_site()
    raw = api.reactions().get_data(as_text=True)
    assert "开心" in raw and "\\u" not in raw


def test_unknown_site_is_404(api):
    r = api.client.post("/v1/sites/nosuch/readers")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "site_not_found"
    assert api.reactions(site="nosuch").status_code == 404
