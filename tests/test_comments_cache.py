"""The public page cache never serves a stale page; ETags answer 304; exact key names."""

from __future__ import annotations

from service.api.pagecache import PageCache
from service.store.keys import Keys

from tests.test_comments_api import C


def test_cached_pages_follow_every_write(api, app, redis_client):
    c = C(api)
    cache = app.extensions["xinqing"].page_cache
    r = c.reader()
    top = c.new(r, "first")
    assert [i["id"] for i in c.page()["items"]] == [top["id"]]
    assert c.page() == c.page() and len(cache) == 1            # served from the cache
    c.vote(r, top["id"], "up")
    assert c.page()["items"][0]["votes"]["up"] == 1            # the vote shows at once
    reply = c.new(r, "reply", parent=top["id"])
    assert c.page()["items"][0]["reply_count"] == 1
    c.moderate(reply["id"], "reject")
    assert c.page()["items"][0]["replies"] == []
    c.patch(comment_replies_preview=0)
    c.moderate(reply["id"], "approve")
    assert c.page()["items"][0]["replies"] == []               # the setting is part of the key
    assert c.page()["max_length"] == 2000                       # the site's limit, for forms
    etag = c.list().headers["ETag"]
    c.patch(comment_max_length=140)
    assert c.page()["max_length"] == 140                        # also part of the key
    assert c.list(headers={"If-None-Match": etag}).status_code == 200  # and of the ETag
    redis_client.hset("xq:{gmw:a1}:m", "down", "1")            # a takedown written elsewhere
    assert c.page()["items"] == []
    redis_client.hdel("xq:{gmw:a1}:m", "down")
    assert len(c.page()["items"]) == 1
    body = c.client.get(f"/v1/sites/gmw/comments/{top['id']}/replies").get_json()
    assert [i["id"] for i in body["items"]] == [reply["id"]]


def test_etag_and_not_modified(api):
    c = C(api)
    r = c.reader()
    cid = c.new(r)["id"]
    first = c.list()
    etag = first.headers["ETag"]
    again = c.list(headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    c.vote(r, cid, "up")
    changed = c.list(headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "ETag" not in c.list(headers=r).headers                # reader views are private


def test_cache_off(app_factory, clock):
    from tests.conftest import ApiHelper

    app = app_factory(CLOCK=clock, PAGE_CACHE_BYTES=0)
    c = C(ApiHelper(app.test_client()))
    r = c.reader()
    c.new(r)
    assert len(c.page()["items"]) == 1 and len(app.extensions["xinqing"].page_cache) == 0


def test_page_cache_is_a_bounded_lru():
    cache = PageCache(800)
    cache.put("a", "1", b"x" * 100)
    assert cache.get("a", "1") == b"x" * 100 and cache.get("a", "2") is None
    cache.put("big", "1", b"x" * 101)                              # over an eighth: not kept
    assert cache.get("big", "1") is None
    for i in range(10):
        cache.put(i, "1", b"y" * 100)
    assert len(cache) <= 8 and cache.get("a", "1") is None and cache.get(9, "1")


def test_comment_key_names():
    k = Keys("xq")
    assert k.comment_seq("gmw", "a1") == "xq:{gmw:a1}:cq"
    assert k.comment_version("gmw", "a1") == "xq:{gmw:a1}:cw"
    assert k.comment_content("gmw", "a1") == "xq:{gmw:a1}:co"
    assert k.comment_state("gmw", "a1") == "xq:{gmw:a1}:cs"
    assert k.comments_by_seq("gmw", "a1") == "xq:{gmw:a1}:cn"
    assert k.comments_by_hot("gmw", "a1") == "xq:{gmw:a1}:ch"
    assert k.comment_replies("gmw", "a1") == "xq:{gmw:a1}:cr"
    assert k.comment_votes("gmw", "a1") == "xq:{gmw:a1}:cv"
    assert k.comment_dedupe("gmw", "a1") == "xq:{gmw:a1}:cd"
    assert k.moderation_index("gmw", "pending") == "xq:{gmw}:mq:pending"
    assert k.bans("gmw") == "xq:{gmw}:bans"
