"""The features together: comments feed the comments ranking, takedown reaches everything."""

from __future__ import annotations

from conftest import ADMIN_TOKEN


def _ranking(client, by, window="24h"):
    r = client.get(f"/v1/sites/gmw/rankings?by={by}&window={window}")
    assert r.status_code == 200, r.get_json()
    return [(item["article"], item["score"]) for item in r.get_json()["items"]]


def test_published_comments_rank_and_takedown_hides_everything(api, clock):
    editor = api.editor(api.create_site(require_meta=False))  # ranks articles without meta
    readers = [api.reader() for _ in range(3)]
    for article, n in (("a1", 3), ("a2", 1)):
        for reader in readers[:n]:
            r = api.client.post(f"/v1/sites/gmw/articles/{article}/comments",
                                json={"body": f"评论 {article} {reader['X-Reader-Token'][:4]}"},
                                headers=reader)
            assert r.status_code == 201 and r.get_json()["status"] == "published"
            api.react(reader, "happy", article=article)
    assert _ranking(api.client, "comments") == [("a1", 3), ("a2", 1)]
    assert api.client.get("/v1/sites/gmw/articles/a1").get_json()["comments"]["count"] == 3

    # an editor rejects one comment: it leaves the count and the ranking
    listing = api.client.get("/v1/sites/gmw/articles/a1/comments").get_json()
    first = listing["items"][0]["id"]
    r = api.client.post(f"/v1/sites/gmw/comments/{first}/moderate", json={"action": "reject"},
                        headers=editor)
    assert r.status_code == 200
    assert _ranking(api.client, "comments") == [("a1", 2), ("a2", 1)]
    assert api.client.get("/v1/sites/gmw/articles/a1").get_json()["comments"]["count"] == 2

    # takedown: out of every ranking, comments hidden and closed
    r = api.client.delete("/v1/sites/gmw/articles/a1",
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code in (200, 204)
    for by in ("comments", "happy", "reactions", "hot"):
        assert "a1" not in [a for a, _ in _ranking(api.client, by)], by
    listing = api.client.get("/v1/sites/gmw/articles/a1/comments").get_json()
    assert listing["items"] == [] and listing["count"] == 0
    r = api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "还在吗"},
                        headers=readers[0])
    assert r.status_code == 403
    assert _ranking(api.client, "comments") == [("a2", 1)]


def test_rebuild_recomputes_comments_from_the_comment_records(api, app, redis_client):
    """The comment write and its ranking step are two scripts (two slots on Cluster); if the
    second is lost, rebuild restores the comments ranking from the comment records."""
    api.create_site(require_meta=False)
    readers = [api.reader() for _ in range(2)]
    for reader in readers:
        assert api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "好"},
                               headers=reader).status_code == 201
    assert _ranking(api.client, "comments") == [("a1", 2)]
    # lose the ranking step: the activity record's comment fields and every ranking key
    redis_client.delete("xq:{gmw:a1}:t")
    for key in redis_client.scan_iter("xq:rk:*"):
        redis_client.delete(key)
    assert _ranking(api.client, "comments") == []
    result = app.extensions["xinqing"].rankings.rebuild("gmw")
    assert result["replayed"] == 1
    assert _ranking(api.client, "comments") == [("a1", 2)]
    assert redis_client.hgetall("xq:{gmw:a1}:t") and all(
        field.startswith("c") for field in redis_client.hgetall("xq:{gmw:a1}:t"))
