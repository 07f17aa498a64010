"""Rankings, article metadata, takedowns and editors' analytics through the Flask client."""

from __future__ import annotations

import pytest

from conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def site(api):
    # ranking mechanics on invented articles: the site ranks articles without synced meta
    return api.editor(api.create_site(require_meta=False))


def meta(client, editor, article, channel=None, title=None, site="gmw"):
    body = {"title": title or f"Title {article}", "url": f"https://news.example.com/{article}.html"}
    if channel:
        body["channel"] = channel
    r = client.put(f"/v1/sites/{site}/articles/{article}/meta", json=body, headers=editor)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def ranking(client, site="gmw", **args):
    r = client.get(f"/v1/sites/{site}/rankings", query_string=args)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def scores(body):
    return [(i["article"], i["score"]) for i in body["items"]]


def test_ranking_by_mood_window_and_move(api, client, site, clock):
    meta(client, site, "a1", channel="gansu")
    readers = [api.reader() for _ in range(3)]
    for r in readers:
        api.react(r, "happy", article="a1")
    api.react(readers[0], "happy", article="a2")
    body = ranking(client, by="happy", window="24h")
    assert scores(body) == [("a1", 3), ("a2", 1)]
    item = body["items"][0]
    assert item["rank"] == 1 and item["meta"]["title"] == "Title a1"
    assert item["reactions"] == {"counts": {"happy": 3, "sad": 0, "like": 0, "meh": 0}, "total": 3}
    assert scores(ranking(client, by="happy", window="24h", channel="gansu")) == [("a1", 3)]
    # two hours later a move takes the vote out of happy in the hour it was cast
    clock.advance(2 * 3600)
    assert scores(ranking(client, by="happy", window="1h")) == []
    api.react(readers[1], "sad", article="a1")
    assert scores(ranking(client, by="happy", window="24h")) == [("a1", 2), ("a2", 1)]
    assert scores(ranking(client, by="sad", window="1h")) == [("a1", 1)]
    assert scores(ranking(client, by="reactions", window="1h")) == [("a1", 1)]
    assert scores(ranking(client, by="reactions", window="all")) == [("a1", 3), ("a2", 1)]
    clock.advance(25 * 3600)
    assert scores(ranking(client, by="happy", window="24h")) == []
    assert scores(ranking(client, by="happy", window="7d")) == [("a1", 2), ("a2", 1)]


def test_shares_views_hot_and_moods_endpoint(api, client, site):
    reader = api.reader()
    client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "wechat"}, headers=reader)
    client.post("/v1/sites/gmw/articles/a1/views", headers=reader)
    client.post("/v1/sites/gmw/articles/a2/views", headers=reader)
    assert scores(ranking(client, by="shares")) == [("a1", 1)]
    assert scores(ranking(client, by="views")) == [("a2", 1), ("a1", 1)]
    assert scores(ranking(client, by="hot")) == [("a1", 6.0), ("a2", 1.0)]
    api.react(reader, "like", article="a2")
    r = client.get("/v1/sites/gmw/rankings/moods", query_string={"window": "1h", "lang": "en"})
    assert r.status_code == 200
    body = r.get_json()
    assert [m["key"] for m in body["moods"]] == ["happy", "sad", "like", "meh"]
    assert body["moods"][2]["label"] == "Like"
    assert scores(body["moods"][2]) == [("a2", 1)]
    assert body["moods"][0]["items"] == []
    assert "public" in r.headers["Cache-Control"]


def test_takedown_leaves_rankings_and_channel_move(api, client, site, redis_client):
    meta(client, site, "a1", channel="gansu")
    reader = api.reader()
    api.react(reader, "happy", article="a1")
    api.react(reader, "happy", article="a2")
    meta(client, site, "a1", channel="beijing")
    assert scores(ranking(client, by="happy", channel="gansu")) == []
    assert scores(ranking(client, by="happy", channel="beijing")) == [("a1", 1)]
    r = client.delete("/v1/sites/gmw/articles/a1", headers=site)
    assert r.status_code == 200 and r.get_json()["meta"]["taken_down"] is True
    assert scores(ranking(client, by="happy")) == [("a2", 1)]
    assert scores(ranking(client, by="happy", channel="beijing")) == []
    api.react(api.reader(), "happy", article="a1")
    assert scores(ranking(client, by="happy", window="all")) == [("a2", 1)]
    app_services = client.application.extensions["xinqing"]
    assert app_services.store.is_taken_down("gmw", "a1")
    assert not app_services.store.is_taken_down("gmw", "a2")
    summary = client.get("/v1/sites/gmw/articles/a1").get_json()
    assert summary["meta"]["taken_down"] is True and summary["meta"]["channel"] == "beijing"


def test_errors_are_json(api, client, site):
    for args in ({"by": "nope"}, {"by": "happy", "window": "2h"}, {"by": "happy", "limit": 0},
                 {"by": "happy", "limit": 10**30}, {"by": "happy", "channel": "a b"}, {}):
        r = client.get("/v1/sites/gmw/rankings", query_string=args)
        assert r.status_code == 422, (args, r.get_json())
        assert "error" in r.get_json()
    assert client.get("/v1/sites/nosite/rankings?by=happy").status_code == 404
    # asking for channels nobody wrote to answers empty lists and stores nothing
    before = set(client.application.extensions["xinqing"].store.client.scan_iter("xq:rk:*"))
    for channel in ("nobody", "nothing-here"):
        assert ranking(client, by="happy", channel=channel)["items"] == []
        r = client.get("/v1/sites/gmw/stats", query_string={"channel": channel}, headers=site)
        assert r.status_code == 200 and r.get_json()["totals"]["reactions"] == 0
    assert set(client.application.extensions["xinqing"].store.client.scan_iter("xq:rk:*")) == before
    r = client.put("/v1/sites/gmw/articles/a1/meta", json={"title": "t", "url": "x"}, headers=site)
    assert r.status_code == 422
    r = client.put("/v1/sites/gmw/articles/a1/meta", json={"title": "t", "url": "https://e.com"})
    assert r.status_code == 401
    assert client.delete("/v1/sites/gmw/articles/a1").status_code == 401
    assert client.get("/v1/sites/gmw/stats").status_code == 401
    r = client.get("/v1/sites/gmw/articles/a1/timeline?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                   headers=site)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_range"
    r = client.get("/v1/sites/gmw/articles/a1/timeline?from=2020-01-01T00:00:00Z&granularity=hour",
                   headers=site)
    assert r.status_code == 422
    for args in ("from=0001-01-01T00:00:00Z", "to=9999-12-31T23:59:59Z&granularity=day",
                 "granularity=week", "from=yesterday"):
        r = client.get("/v1/sites/gmw/articles/a1/timeline?" + args, headers=site)
        assert r.status_code == 422, (args, r.get_json())
    r = client.put("/v1/sites/gmw/articles/a1/meta", headers=site, json={
        "title": "t", "url": "https://e.com", "published_at": "0001-01-01T00:00:00+14:00"})
    assert r.status_code == 422


def test_timeline_and_stats(api, client, site, clock):
    reader, other = api.reader(), api.reader()
    api.react(reader, "happy")
    client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "qq"}, headers=reader)
    clock.advance(3600)
    api.react(other, "sad")
    r = client.get("/v1/sites/gmw/articles/a1/timeline", query_string={"granularity": "hour"},
                   headers=site)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert len(body["buckets"]) in (48, 49)
    nonzero = [b for b in body["buckets"] if b["reactions"]["total"] or b["shares"]]
    assert [(b["reactions"]["counts"]["happy"], b["reactions"]["counts"]["sad"], b["shares"])
            for b in nonzero] == [(1, 0, 1), (0, 1, 0)]
    r = client.get("/v1/sites/gmw/articles/a1/timeline", query_string={"granularity": "day"},
                   headers=site)
    days = r.get_json()["buckets"]
    assert days[0]["start"].endswith("T16:00:00Z")  # midnight in Asia/Shanghai
    assert sum(b["reactions"]["total"] for b in days) == 2
    r = client.get("/v1/sites/gmw/stats", query_string={"window": "24h"}, headers=site)
    assert r.status_code == 200
    body = r.get_json()
    assert {m["key"]: m["count"] for m in body["moods"]} == {"happy": 1, "sad": 1, "like": 0, "meh": 0}
    assert body["totals"] == {"reactions": 2, "shares": 1, "views": 0, "comments": 0}
    assert body["moods"][0]["ratio"] == 0.5
    # 1h covers this clock hour and the one before it; an hour later the first vote is out
    r = client.get("/v1/sites/gmw/stats", query_string={"window": "1h"}, headers=ADMIN)
    assert r.get_json()["totals"]["reactions"] == 2
    clock.advance(3600)
    r = client.get("/v1/sites/gmw/stats", query_string={"window": "1h"}, headers=ADMIN)
    assert r.get_json()["totals"] == {"reactions": 1, "shares": 0, "views": 0, "comments": 0}


def test_comments_entry_point(api, client, site, clock):
    rankings = client.application.extensions["xinqing"].rankings
    now = int(clock())
    rankings.record_comment("gmw", "a1", 1, now)
    rankings.record_comment("gmw", "a1", 1, now)
    rankings.record_comment("gmw", "a2", 1, now - 2 * 3600)
    assert scores(ranking(client, by="comments", window="1h")) == [("a1", 2)]
    assert scores(ranking(client, by="comments", window="24h")) == [("a1", 2), ("a2", 1)]
    rankings.record_comment("gmw", "a1", -1, now)
    assert scores(ranking(client, by="comments", window="1h")) == [("a1", 1)]
