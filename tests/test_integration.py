"""The features together: comments feed the comments ranking, takedown reaches everything."""

from __future__ import annotations

from conftest import ADMIN_TOKEN


def _ranking(client, by, window="24h"):
    r = client.get(f"/v1/sites/gmw/rankings?by={by}&window={window}")
    assert r.status_code == 200, r.get_json()
    return [(item["article"], item["score"]) for item in r.get_json()["items"]]


def test_published_comments_rank_and_takedown_hides_everything(api, clock):
    editor = api.editor(api.create_site())
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
