"""相关阅读 and 推荐阅读 through the Flask client: hand-built cases, paging, errors, caching,
meta's summary and image, and both on a real Redis Cluster."""

from __future__ import annotations

import pytest

from conftest import ADMIN_TOKEN, SECRET_KEY, Clock
from reading_support import Newsroom

DAY = 86400


@pytest.fixture
def news(app):
    return Newsroom(app)


def names(body):
    return [i["article"] for i in body["items"]]


def similarities(body):
    return {i["article"]: i["similarity"] for i in body["items"]}


# -- 相关阅读 ---------------------------------------------------------------------------------

def test_related_identical_opposite_sparse_and_taken_down(news, monkeypatch):
    news.require_meta(False, monkeypatch)
    plan = {"T": (8, 0, 2, 0), "same": (8, 0, 2, 0), "close": (16, 1, 3, 0),
            "sparse": (1, 0, 0, 0), "opposite": (0, 9, 0, 0), "gone": (8, 0, 2, 0)}
    for article, counts in plan.items():
        news.meta(article, channel="gansu", published=news.now)
        news.votes(article, counts)
    news.take_down("gone")
    body = news.related("T", limit=10)
    assert (body["article"], body["basis"], body["window"], body["votes"]) == ("T", "mood", "7d", 10)
    sims = similarities(body)
    assert names(body)[:3] == ["same", "close", "sparse"]
    assert sims["same"] == 1.0
    assert 0.9 < sims["close"] < 1.0
    assert 0.5 <= sims["sparse"] < sims["close"]            # one vote does not decide
    assert sims["opposite"] is None                          # only as a hot top-up, last
    assert names(body)[-1] == "opposite"
    assert "gone" not in names(body) and "T" not in names(body)
    item = body["items"][0]
    assert item["meta"]["title"] == "标题 same"
    assert item["reactions"] == {"counts": {"happy": 8, "sad": 0, "like": 2, "meh": 0}, "total": 10}
    assert names(news.related("T", limit=2)) == ["same", "close"]


def test_related_prefers_the_same_channel_and_recent_articles(news):
    news.meta("T", channel="gansu", published=news.now)
    news.votes("T", (5, 5, 0, 0))
    for article, channel, age_days in (("here", "gansu", 0), ("there", "beijing", 0),
                                       ("old", "gansu", 60), ("undated", "gansu", None)):
        news.meta(article, channel=channel,
                  published=None if age_days is None else news.now - age_days * DAY)
        news.votes(article, (5, 5, 0, 0))
    body = news.related("T")
    assert names(body) == ["here", "there", "undated", "old"]
    assert set(similarities(body).values()) == {1.0}


def test_related_without_enough_votes_falls_back_to_the_channel_hot_list(news):
    news.meta("T", channel="gansu")
    news.votes("T", (2, 1, 0, 0))                  # 3 votes: fewer than 5
    news.meta("g1", channel="gansu")
    news.views("g1", 2)
    news.meta("g2", channel="gansu")
    news.views("g2", 1)
    news.meta("b1", channel="beijing")
    news.views("b1", 9)
    body = news.related("T")
    assert (body["basis"], body["votes"]) == ("hot", 3)
    assert names(body) == ["g1", "g2", "b1"]       # the channel's hot list first, then the site's
    assert set(similarities(body).values()) == {None}
    # an article nobody reacted to, or that the service never heard of, gets the same
    assert news.related("never-seen")["basis"] == "hot"


def test_related_require_meta(news, monkeypatch):
    news.meta("T")
    news.votes("T", (6, 0, 0, 0))
    news.votes("bare", (6, 0, 0, 0))               # votes, but the CMS never sent its meta
    news.meta("dressed")
    news.votes("dressed", (6, 0, 0, 0))
    news.require_meta(False, monkeypatch)
    off = news.related("T")
    assert set(names(off)) == {"bare", "dressed"}
    assert {i["article"]: i["meta"] for i in off["items"]}["bare"] is None
    news.require_meta(True, monkeypatch)
    assert names(news.related("T")) == ["dressed"]


def test_related_list_is_kept_per_article_but_counts_and_takedowns_are_fresh(app_factory):
    clock = Clock()
    news = Newsroom(app_factory(CLOCK=clock, RELATED_CACHE_SECONDS=60))
    news.meta("T")
    news.votes("T", (6, 0, 0, 0))
    for article in ("a", "b"):
        news.meta(article)
        news.votes(article, (6, 0, 0, 0))
    first = news.related("T")
    assert names(first) == ["b", "a"]
    news.meta("c")
    news.votes("c", (9, 0, 0, 0))
    news.votes("a", (3, 0, 0, 0))
    clock.advance(30)
    kept = news.related("T")
    assert kept["generated_at"] == first["generated_at"] and names(kept) == ["b", "a"]
    assert {i["article"]: i["reactions"]["total"] for i in kept["items"]} == {"a": 9, "b": 6}
    news.take_down("b")
    assert names(news.related("T")) == ["a"]
    clock.advance(31)
    fresh = news.related("T")
    assert fresh["generated_at"] != first["generated_at"]
    assert names(fresh) == ["c", "a"]


def test_related_is_a_cacheable_public_answer(news):
    news.meta("T")
    news.votes("T", (6, 0, 0, 0))
    r = news.client.get("/v1/sites/gmw/articles/T/related")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=5" and r.headers["ETag"]
    again = news.client.get("/v1/sites/gmw/articles/T/related",
                            headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


ERRORS = [
    ("/v1/sites/gmw/articles/T/related?limit=0", 422, "validation_error"),
    ("/v1/sites/gmw/articles/T/related?limit=21", 422, "validation_error"),
    ("/v1/sites/gmw/articles/T/related?limit=many", 422, "validation_error"),
    ("/v1/sites/gmw/articles/bad%20id/related", 400, "invalid_id"),
    ("/v1/sites/nope/articles/T/related", 404, "site_not_found"),
    ("/v1/sites/gmw/feed?limit=0", 422, "validation_error"),
    ("/v1/sites/gmw/feed?limit=51", 422, "validation_error"),
    ("/v1/sites/gmw/feed?channel=no%20way", 422, "validation_error"),
    ("/v1/sites/gmw/feed?cursor=", 422, "validation_error"),
    ("/v1/sites/gmw/feed?cursor=not-a-cursor", 400, "invalid_cursor"),
    ("/v1/sites/gmw/feed?cursor=" + "A" * 201, 422, "validation_error"),
    ("/v1/sites/nope/feed", 404, "site_not_found"),
]


def test_reading_errors(news):
    for path, status, code in ERRORS:     # one app for all: an app takes most of a second
        r = news.client.get(path)
        assert r.status_code == status, (path, r.get_json())
        assert r.get_json()["error"]["code"] == code, path
        assert r.headers["Cache-Control"] == "no-store", path


# -- meta: summary and image -------------------------------------------------------------------

def test_meta_summary_and_image(news):
    body = news.meta("a1", summary="读者<b>说</b>", image="https://img.example.com/a1.jpg")
    assert body["meta"]["summary"] == "读者<b>说</b>"
    assert body["meta"]["image"] == "https://img.example.com/a1.jpg"
    got = news.client.get("/v1/sites/gmw/articles/a1")
    assert got.get_json()["meta"]["image"] == "https://img.example.com/a1.jpg"
    assert b"<b>" not in got.data                  # escaped inside the JSON string
    assert news.meta("a1")["meta"]["summary"] is None    # a PUT replaces every field
    for bad in ({"image": "/a1.jpg"}, {"image": "javascript:alert(1)"},
                {"image": "ftp://e.com/a.jpg"}, {"summary": "长" * 1001}, {"summary": 5}):
        r = news.client.put("/v1/sites/gmw/articles/a1/meta", headers=news.editor,
                            json={"title": "t", "url": "https://e.com/a1", **bad})
        assert r.status_code == 422, bad


# -- 推荐阅读 ---------------------------------------------------------------------------------

def seed_feed(news, n, channel=None):
    """n articles with meta whose hot order is a(n-1) ... a0 (more views, higher)."""
    for i in range(n):
        news.meta(f"a{i:02d}", channel=channel, summary=f"摘要 {i}")
        news.views(f"a{i:02d}", i + 1)
    return [f"a{i:02d}" for i in reversed(range(n))]


def page_all(news, limit, **args):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **args, **({"cursor": cursor} if cursor else {})}
        r = news.feed(**query)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert len(body["items"]) <= limit
        seen += names(body)
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_feed_pages_the_hot_order(news):
    expected = seed_feed(news, 23)
    first = news.feed(limit=5).get_json()
    item = first["items"][0]
    assert item["article"] == "a22" and item["meta"]["summary"] == "摘要 22"
    assert item["reactions"]["total"] == 0 and item["comments"] == {"count": 0}
    assert first["channel"] is None
    seen, pages = page_all(news, 5)
    assert seen == expected and pages == 5


def test_feed_skips_articles_without_meta_or_taken_down(news):
    expected = seed_feed(news, 12)
    news.views("bare", 50)                       # hot, but the CMS never sent its meta
    first = news.feed(limit=4).get_json()
    assert names(first) == expected[:4]
    news.take_down(expected[5])                  # after the snapshot: skipped on its page
    second = news.feed(limit=4, cursor=first["next_cursor"]).get_json()
    assert names(second) == [expected[4]] + expected[6:9]
    rest = news.feed(limit=4, cursor=second["next_cursor"]).get_json()
    assert names(rest) == expected[9:] and rest["next_cursor"] is None


def test_feed_of_a_channel_and_cursor_binding(news):
    here = seed_feed(news, 6, channel="gansu")
    news.meta("elsewhere", channel="beijing")
    news.views("elsewhere", 99)
    body = news.feed(channel="gansu", limit=4).get_json()
    assert body["channel"] == "gansu" and names(body) == here[:4]
    cursor = body["next_cursor"]
    assert names(news.feed(channel="gansu", cursor=cursor).get_json()) == here[4:]
    for wrong in ({"cursor": cursor}, {"channel": "beijing", "cursor": cursor},
                  {"channel": "gansu", "cursor": cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")}):
        r = news.feed(**wrong)
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_cursor"


def test_feed_unknown_channel_is_empty_and_creates_nothing(news, redis_client):
    seed_feed(news, 3)
    before = set(redis_client.keys("*"))
    body = news.feed(channel="nobody-writes-here").get_json()
    assert body == {"channel": "nobody-writes-here", "items": [], "next_cursor": None}
    assert set(redis_client.keys("*")) == before


def test_feed_snapshot_is_shared_renewed_and_expires(app_factory, redis_client):
    clock = Clock()
    news = Newsroom(app_factory(CLOCK=clock, FEED_SNAPSHOT_SECONDS=60, FEED_CURSOR_SECONDS=600))
    keys = news.services.store.keys
    expected = seed_feed(news, 6)
    first = news.feed(limit=2).get_json()
    start = int(clock()) // 60 * 60
    snapshot = keys.feed_snapshot("gmw", None, start)
    assert redis_client.lrange(snapshot, 0, -1) == expected
    assert 600 < redis_client.ttl(snapshot) <= 660
    news.views("a00", 100)                       # now the hottest
    assert names(news.feed(limit=2).get_json()) == names(first)     # same slot, same snapshot
    clock.advance(60)
    assert names(news.feed(limit=2).get_json()) == ["a00", "a05"]    # a new slot sees it
    # the first cursor still pages the old snapshot
    second = news.feed(limit=2, cursor=first["next_cursor"]).get_json()
    assert names(second) == expected[2:4]
    redis_client.delete(snapshot)                # what its TTL does
    r = news.feed(limit=2, cursor=second["next_cursor"])
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["error"]["code"] == "cursor_expired"
    assert r.headers["Cache-Control"] == "no-store"
    assert news.feed(limit=2).status_code == 200        # starting over works


def test_openapi_documents_the_reading_lists(client):
    spec = client.get("/openapi.json").get_json()
    related = spec["paths"]["/v1/sites/{site}/articles/{article}/related"]["get"]
    feed = spec["paths"]["/v1/sites/{site}/feed"]["get"]
    assert {p["name"] for p in related["parameters"]} >= {"limit"}
    assert {p["name"] for p in feed["parameters"]} >= {"channel", "limit", "cursor"}
    props = spec["components"]["schemas"]["ArticleMeta"]["properties"]
    assert {"summary", "image"} <= set(props)


# -- Redis Cluster -----------------------------------------------------------------------------

def test_reading_lists_on_cluster(redis_cluster):
    from redis.cluster import RedisCluster

    from service import create_app

    flush = RedisCluster.from_url("redis://127.0.0.1:%d" % redis_cluster.ports[0])
    flush.flushall(target_nodes=RedisCluster.PRIMARIES)
    app = create_app({"TESTING": True, "REDIS_URL": redis_cluster.url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": False, "CLOCK": Clock()})
    try:
        assert app.extensions["xinqing"].store.rankings.cluster
        news = Newsroom(app)
        news.meta("T", channel="gansu")
        news.votes("T", (6, 1, 0, 0))
        for article, channel, counts in (("x", "gansu", (6, 1, 0, 0)), ("y", None, (5, 2, 0, 0)),
                                         ("z", "gansu", (0, 0, 0, 7))):
            news.meta(article, channel=channel)
            news.votes(article, counts)
        body = news.related("T")
        assert body["basis"] == "mood" and names(body) == ["x", "y", "z"]
        assert similarities(body)["x"] == 1.0 and similarities(body)["z"] is None
        seen, _ = page_all(news, 2)
        assert seen == ["z", "y", "x", "T"]        # equal hot: greater id first
        assert page_all(news, 1, channel="gansu")[0] == ["z", "x", "T"]
    finally:
        app.extensions["xinqing"].sites.close()
        flush.flushall(target_nodes=RedisCluster.PRIMARIES)
        flush.close()


def test_reading_lists_answer_503_while_redis_is_down(own_redis):
    from service import create_app

    app = create_app({"TESTING": True, "REDIS_URL": own_redis.url, "SECRET_KEY": SECRET_KEY,
                      "ADMIN_TOKEN": ADMIN_TOKEN, "RATELIMIT_ENABLED": False, "CLOCK": Clock()})
    try:
        news = Newsroom(app)
        news.meta("T")
        news.votes("T", (6, 0, 0, 0))
        news.meta("U")
        news.views("U", 1)
        cursor = news.feed(limit=1).get_json()["next_cursor"]
        assert news.related("T")["basis"] == "mood"          # now kept by this worker
        own_redis.stop()
        for path in ("/v1/sites/gmw/articles/T/related", "/v1/sites/gmw/articles/U/related",
                     "/v1/sites/gmw/feed", f"/v1/sites/gmw/feed?cursor={cursor}"):
            r = news.client.get(path)
            assert r.status_code == 503, (path, r.get_json())
            assert r.get_json()["error"]["code"] == "storage_unavailable"
            assert int(r.headers["Retry-After"]) >= 1
    finally:
        app.extensions["xinqing"].sites.close()
