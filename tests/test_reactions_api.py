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
