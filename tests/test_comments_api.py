"""Comments through the Flask client on the test Redis: API.md's Comments contract."""

from __future__ import annotations

import json

import orjson
import pytest

from schemas.comments import CommentSchema, ListedCommentSchema


class C:
    """Small helpers for repeated comment actions."""

    def __init__(self, api, site="gmw", **settings):
        self.api = api
        self.client = api.client
        self.site = site
        self.editor_token = api.create_site(site, **settings)
        self.ed = api.editor(self.editor_token)

    def reader(self):
        return self.api.reader(self.site)

    def post(self, reader, body="说得好", article="a1", **extra):
        return self.client.post(f"/v1/sites/{self.site}/articles/{article}/comments",
                                json={"body": body, **extra}, headers=reader)

    def new(self, reader, body="说得好", article="a1", **extra):
        r = self.post(reader, body, article, **extra)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def list(self, article="a1", headers=None, **args):
        r = self.client.get(f"/v1/sites/{self.site}/articles/{article}/comments",
                            query_string=args, headers=headers or {})
        return r

    def page(self, article="a1", **args):
        r = self.list(article, **args)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def all_ids(self, article="a1", sort="new", limit=2):
        ids, cursor = [], None
        while True:
            args = {"sort": sort, "limit": limit}
            if cursor:
                args["cursor"] = cursor
            body = self.page(article, **args)
            ids += [i["id"] for i in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                return ids

    def vote(self, reader, cid, vote):
        if vote is None:
            return self.client.delete(f"/v1/sites/{self.site}/comments/{cid}/vote", headers=reader)
        return self.client.put(f"/v1/sites/{self.site}/comments/{cid}/vote", json={"vote": vote},
                               headers=reader)

    def moderate(self, cid, action, headers=None):
        return self.client.post(f"/v1/sites/{self.site}/comments/{cid}/moderate",
                                json={"action": action}, headers=self.ed if headers is None else headers)

    def delete(self, cid, headers):
        return self.client.delete(f"/v1/sites/{self.site}/comments/{cid}", headers=headers)

    def queue(self, status="pending", **args):
        r = self.client.get(f"/v1/sites/{self.site}/moderation",
                            query_string={"status": status, **args}, headers=self.ed)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def count(self, article="a1"):
        return self.client.get(f"/v1/sites/{self.site}/articles/{article}").get_json()["comments"]["count"]

    def patch(self, **settings):
        r = self.client.patch(f"/v1/sites/{self.site}/settings", json=settings, headers=self.ed)
        assert r.status_code == 200, r.get_json()


@pytest.fixture
def c(api):
    return C(api)


def published_in_redis(redis_client, site="gmw", article="a1") -> int:
    states = redis_client.hvals(f"xq:{{{site}:{article}}}:cs")
    return sum(1 for s in states if s.startswith("published|"))


# -- posting and reading ---------------------------------------------------------------------

def test_post_and_list(c):
    r = c.reader()
    body = c.new(r, "第一条评论", author_name="老王")
    assert body["id"] == "a1~1" and body["article"] == "a1" and body["parent"] is None
    assert body["author"] == {"name": "老王"} and body["body"] == "第一条评论"
    assert body["status"] == "published" and body["votes"] == {"up": 0, "down": 0}
    assert body["reply_count"] == 0 and body["featured"] is False
    assert body["created_at"].endswith("Z")
    assert c.new(r, "第二条")["author"] == {"name": "网友"}
    page = c.page()
    assert [i["body"] for i in page["items"]] == ["第二条", "第一条评论"]
    assert page["count"] == 2 and page["next_cursor"] is None
    assert c.count() == 2


def test_listing_matches_the_documented_schema(c):
    r = c.reader()
    top = c.new(r)
    c.new(r, "回复", parent=top["id"])
    for headers in ({}, r):
        item = c.page(headers=headers)["items"][0]
        assert set(item) == set(ListedCommentSchema().fields)
        assert set(item["replies"][0]) == set(CommentSchema().fields)
        assert ListedCommentSchema().dump(item) == item


def test_body_is_trimmed_and_returned_as_stored(c):
    r = c.reader()
    assert c.new(r, "  line one\r\nline two  ")["body"] == "line one\nline two"


@pytest.mark.parametrize("payload,status,code", [
    ({"body": ""}, 422, "validation_error"),
    ({"body": "   \n "}, 422, "validation_error"),
    ({"body": "a\x00b"}, 422, "validation_error"),
    ({"body": "a\u2028b"}, 422, "validation_error"),
    ({"body": "x" * 20001}, 422, "comment_rejected"),  # the site's limit decides
    ({"body": "ok", "author_name": "x" * 33}, 422, "validation_error"),
    ({"body": "ok", "extra": 1}, 422, "validation_error"),
    ({"body": 5}, 422, "validation_error"),
    ({}, 422, "validation_error"),
    ({"body": "x" * 2001}, 422, "comment_rejected"),
    ({"body": "ok", "parent": "nope"}, 422, "invalid_parent"),
    ({"body": "ok", "parent": "a1~999"}, 422, "invalid_parent"),
    ({"body": "ok", "parent": "other~1"}, 422, "invalid_parent"),
])
def test_bad_posts(c, payload, status, code):
    r = c.reader()
    c.new(r, "seed")
    resp = c.client.post("/v1/sites/gmw/articles/a1/comments", json=payload, headers=r)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["code"] == code
    assert c.count() == 1


def test_posting_needs_a_valid_reader(c):
    assert c.post({}).status_code == 401
    assert c.post({}).get_json()["error"]["code"] == "missing_reader"
    bad = c.post({"X-Reader-Token": "AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "invalid_reader"


def test_unknown_site_and_ids(c):
    r = c.reader()
    assert c.client.get("/v1/sites/nosuch/articles/a1/comments").status_code == 404
    assert c.client.get("/v1/sites/gmw/articles/a%20b/comments").status_code == 400
    for bad in ("a1", "a1~0", "a1~x", "a%20b~1"):
        resp = c.vote(r, bad, "up")
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_id", bad
    assert c.vote(r, "a1~5", "up").status_code == 404
    assert c.vote(r, "a1~99999999", "up").status_code == 404
    assert c.client.get("/v1/sites/gmw/comments/a1~3/replies").status_code == 404


@pytest.mark.parametrize("args", [
    {"limit": 0}, {"limit": 101}, {"limit": "x"}, {"limit": 10 ** 30}, {"sort": "top"},
    {"cursor": "x" * 201},
])
def test_bad_list_args_are_422(c, args):
    assert c.list(**args).status_code == 422


def test_bad_cursors_are_400(c):
    r = c.reader()
    for _ in range(3):
        c.new(r, f"c{_}")
    good = c.page(limit=1)["next_cursor"]
    assert good
    for bad in ("garbage", good[:-2], good + "A", "e30.AAAA"):
        resp = c.list(limit=1, cursor=bad)
        assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_cursor"
    # a cursor belongs to its own listing
    assert c.list(limit=1, cursor=good, sort="old").status_code == 400
    assert c.list("a2", limit=1, cursor=good).status_code == 400


# -- sorting and paging ----------------------------------------------------------------------

def test_sorts_and_cursor_paging(c, clock):
    r = c.reader()
    ids = []
    for i in range(7):
        ids.append(c.new(r, f"评论{i}")["id"])
        clock.advance(60)
    assert c.all_ids(sort="new") == ids[::-1]
    assert c.all_ids(sort="old") == ids
    assert c.all_ids(sort="hot", limit=3) == ids[::-1]  # no votes: newest first
    voters = [c.reader() for _ in range(3)]
    for v in voters:
        assert c.vote(v, ids[0], "up").status_code == 200
    c.vote(voters[0], ids[6], "down")
    hot = c.all_ids(sort="hot", limit=3)
    assert hot[0] == ids[0] and hot[-1] == ids[6] and sorted(hot) == sorted(ids)


def test_hot_paging_with_ties(c, redis_client):
    r = c.reader()
    ids = [c.new(r, f"same second {i}")["id"] for i in range(9)]  # same clock: equal hot
    assert len(set(redis_client.zrange("xq:{gmw:a1}:ch", 0, -1, withscores=True)[i][1]
                   for i in range(9))) == 1
    assert c.all_ids(sort="hot", limit=2) == ids[::-1]


def test_public_pages_are_cacheable_and_reader_pages_private(c):
    r = c.reader()
    c.new(r)
    assert c.list().headers["Cache-Control"] == "public, max-age=5"
    mine = c.list(headers=r)
    assert mine.headers["Cache-Control"].startswith("private")
    assert mine.get_json()["items"][0]["votes"]["mine"] is None
    assert "mine" not in c.page()["items"][0]["votes"]


# -- replies --------------------------------------------------------------------------------

def test_replies_nest_one_level_with_preview_and_paging(c, clock):
    r = c.reader()
    top = c.new(r, "楼主")
    replies = []
    for i in range(5):
        replies.append(c.new(r, f"回复{i}", parent=top["id"])["id"])
        clock.advance(1)
    # a reply to a reply joins the top-level thread
    deep = c.new(r, "回复回复", parent=replies[0])
    assert deep["parent"] == top["id"]
    replies.append(deep["id"])
    page = c.page()
    assert len(page["items"]) == 1 and page["count"] == 7
    item = page["items"][0]
    assert item["reply_count"] == 6
    assert [x["id"] for x in item["replies"]] == replies[:3]   # default preview 3, oldest first
    got, cursor = [], None
    while True:
        q = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = c.client.get(f"/v1/sites/gmw/comments/{top['id']}/replies", query_string=q).get_json()
        got += [x["id"] for x in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert got == replies
    c.patch(comment_replies_preview=0)
    assert c.page()["items"][0]["replies"] == []
    assert c.client.get(f"/v1/sites/gmw/comments/{top['id']}/replies",
                        query_string={"cursor": "bad"}).status_code == 400


def test_no_replies_to_unpublished_comments(c):
    c.patch(moderation="pre")
    r = c.reader()
    pending = c.new(r)
    resp = c.post(r, "reply", parent=pending["id"])
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_parent"


# -- deletion --------------------------------------------------------------------------------

def test_delete_by_author_other_reader_and_editor(c, redis_client):
    author, other = c.reader(), c.reader()
    one = c.new(author, "one")
    two = c.new(author, "two")
    resp = c.delete(one["id"], other)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_comment_author"
    assert c.delete(one["id"], {}).status_code == 401
    assert c.delete(one["id"], {"Authorization": "Bearer wrong"}).status_code == 401
    assert c.delete(one["id"], author).get_json() == {"id": one["id"], "status": "deleted"}
    assert c.delete(one["id"], author).status_code == 200          # repeating is harmless
    assert c.delete(two["id"], c.ed).status_code == 200
    assert c.page()["items"] == [] and c.count() == 0
    assert c.delete("a1~99", c.ed).status_code == 404
    assert published_in_redis(redis_client) == 0


def test_deleted_comment_with_replies_stays_as_placeholder(c):
    author, other = c.reader(), c.reader()
    top = c.new(author, "原帖 secret")
    reply = c.new(other, "回复", parent=top["id"])
    c.vote(other, top["id"], "up")
    assert c.delete(top["id"], author).status_code == 200
    item = c.page()["items"][0]
    assert item["id"] == top["id"] and item["status"] == "deleted"
    assert item["body"] == "" and item["author"] == {"name": ""}
    assert [x["id"] for x in item["replies"]] == [reply["id"]]
    assert c.count() == 1
    assert "secret" not in c.list().get_data(as_text=True)
    resp = c.vote(other, top["id"], "down")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "comment_not_votable"
    # replying to a placeholder is refused
    assert c.post(other, "more", parent=top["id"]).status_code == 422
    # the last reply gone, the placeholder goes too
    assert c.delete(reply["id"], other).status_code == 200
    assert c.page()["items"] == [] and c.count() == 0


# -- votes ----------------------------------------------------------------------------------

def test_vote_set_switch_repeat_retract(c):
    r = c.reader()
    cid = c.new(r)["id"]
    assert c.vote(r, cid, "up").get_json() == {"id": cid, "votes": {"up": 1, "down": 0, "mine": "up"}}
    assert c.vote(r, cid, "up").get_json()["votes"] == {"up": 1, "down": 0, "mine": "up"}
    assert c.vote(r, cid, "down").get_json()["votes"] == {"up": 0, "down": 1, "mine": "down"}
    assert c.page(headers=r)["items"][0]["votes"] == {"up": 0, "down": 1, "mine": "down"}
    assert c.vote(r, cid, None).get_json()["votes"] == {"up": 0, "down": 0, "mine": None}
    assert c.vote(r, cid, None).get_json()["votes"] == {"up": 0, "down": 0, "mine": None}
    assert c.vote({}, cid, "up").status_code == 401
    assert c.client.put(f"/v1/sites/gmw/comments/{cid}/vote", json={"vote": "sideways"},
                        headers=r).status_code == 422


def test_votes_on_replies_and_pending_comments(c):
    r = c.reader()
    top = c.new(r)
    reply = c.new(r, "r", parent=top["id"])
    assert c.vote(r, reply["id"], "up").get_json()["votes"]["up"] == 1
    assert c.page()["items"][0]["replies"][0]["votes"]["up"] == 1
    c.patch(moderation="pre")
    pending = c.new(r, "held")
    assert c.vote(r, pending["id"], "up").status_code == 409


# -- moderation ------------------------------------------------------------------------------

def test_pre_moderation_holds_and_approval_publishes(c):
    c.patch(moderation="pre")
    r = c.reader()
    held = c.new(r, "等待审核")
    assert held["status"] == "pending"
    assert c.page()["items"] == [] and c.count() == 0
    queue = c.queue()
    assert [i["id"] for i in queue["items"]] == [held["id"]]
    assert queue["items"][0]["author"]["ref"].startswith("u")
    approved = c.moderate(held["id"], "approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "published"
    assert [i["id"] for i in c.page()["items"]] == [held["id"]] and c.count() == 1
    assert c.queue()["items"] == []
    assert [i["id"] for i in c.queue("published")["items"]] == [held["id"]]


def make_in_status(c, reader, status, featured=False):
    """A comment in `status` reached through the API."""
    cid = c.new(reader, f"{status} {featured} {id(object())}")["id"]
    if status == "pending":
        c.patch(moderation="pre")
        cid = c.new(reader, f"pending {id(object())}")["id"]
        c.patch(moderation="post")
    elif status in ("rejected", "spam"):
        assert c.moderate(cid, "reject" if status == "rejected" else "spam").status_code == 200
    elif status == "deleted":
        assert c.delete(cid, c.ed).status_code == 200
    if featured:
        assert c.moderate(cid, "feature").status_code == 200
    return cid


ALLOWED = {  # written out by hand: action -> (status, featured) it applies to, and the result
    "approve": {("pending", False): "published", ("rejected", False): "published",
                ("spam", False): "published"},
    "reject": {("pending", False): "rejected", ("published", False): "rejected",
               ("published", True): "rejected", ("spam", False): "rejected"},
    "spam": {("pending", False): "spam", ("published", False): "spam",
             ("published", True): "spam", ("rejected", False): "spam"},
    "feature": {("published", False): "published"},
    "unfeature": {("published", True): "published"},
}
STARTS = [("pending", False), ("published", False), ("published", True), ("rejected", False),
          ("spam", False), ("deleted", False)]


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("start", STARTS, ids=lambda s: f"{s[0]}{'+featured' if s[1] else ''}")
def test_every_transition(c, redis_client, action, start):
    r = c.reader()
    cid = make_in_status(c, r, *start)
    before = c.count()
    resp = c.moderate(cid, action)
    expected = ALLOWED[action].get(start)
    if expected is None:
        assert resp.status_code == 409, resp.get_json()
        err = resp.get_json()["error"]
        assert err["code"] == "invalid_transition" and err["details"]["status"] == start[0]
        assert c.count() == before
        return
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == expected
    assert body["featured"] == (action == "feature")
    was, now = start[0] == "published", expected == "published"
    assert c.count() == before + (now - was)
    assert c.count() == published_in_redis(redis_client)
    listed = [i["id"] for i in c.page()["items"]]
    assert (cid in listed) == now
    if expected in ("pending", "published", "rejected", "spam"):
        assert cid in [i["id"] for i in c.queue(expected, limit=100)["items"]]
    for other in ("pending", "published", "rejected", "spam"):
        if other != expected:
            assert cid not in [i["id"] for i in c.queue(other, limit=100)["items"]]


def test_moderation_needs_an_editor(c):
    r = c.reader()
    cid = c.new(r)["id"]
    assert c.moderate(cid, "reject", headers={}).status_code == 401
    assert c.moderate(cid, "reject", headers=r).status_code == 401
    other = C(c.api, site="other")
    assert c.moderate(cid, "reject", headers=other.ed).status_code == 401
    assert c.client.get("/v1/sites/gmw/moderation").status_code == 401
    assert c.moderate(cid, "explode").status_code == 422
    assert c.moderate("a1~77", "reject").status_code == 404


def test_moderation_queue_paging_and_stale_entries(c, clock, redis_client):
    c.patch(moderation="pre")
    r = c.reader()
    ids = []
    for i in range(7):
        ids.append(c.new(r, f"q{i}")["id"])
        clock.advance(1)
    # an index entry whose comment moved on without the index (a crash between the writes)
    redis_client.zadd("xq:{gmw}:mq:pending", {"a1~1": 1})
    redis_client.hset("xq:{gmw:a1}:cs", "1",
                      redis_client.hget("xq:{gmw:a1}:cs", "1").replace("pending", "rejected", 1))
    got, cursor = [], None
    while True:
        body = c.queue(limit=2, **({"cursor": cursor} if cursor else {}))
        got += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert got == ids[1:]
    assert redis_client.zscore("xq:{gmw}:mq:pending", "a1~1") is None
    assert c.client.get("/v1/sites/gmw/moderation", query_string={"status": "deleted"},
                        headers=c.ed).status_code == 422
    assert c.client.get("/v1/sites/gmw/moderation", query_string={"cursor": "zz"},
                        headers=c.ed).status_code == 400


def test_editor_can_read_any_comment(c):
    c.patch(moderation="pre")
    r = c.reader()
    cid = c.new(r, "held")["id"]
    resp = c.client.get(f"/v1/sites/gmw/comments/{cid}", headers=c.ed)
    assert resp.status_code == 200 and resp.get_json()["status"] == "pending"
    assert c.client.get(f"/v1/sites/gmw/comments/{cid}", headers=r).status_code == 401


# -- bans ------------------------------------------------------------------------------------

def test_ban_by_comment_and_by_ref(c, clock):
    troll, other = c.reader(), c.reader()
    cid = c.new(troll, "troll")["id"]
    resp = c.client.post(f"/v1/sites/gmw/comments/{cid}/ban", json={"reason": "abuse", "days": 1},
                         headers=c.ed)
    assert resp.status_code == 200, resp.get_json()
    ban = resp.get_json()
    assert ban["reason"] == "abuse" and ban["until"]
    refused = c.post(troll, "again")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "reader_banned"
    assert c.post(other, "fine").status_code == 201
    bans = c.client.get("/v1/sites/gmw/bans", headers=c.ed).get_json()["items"]
    assert [b["ref"] for b in bans] == [ban["ref"]]
    clock.advance(86401)  # the ban expires by itself
    assert c.post(troll, "after a day").status_code == 201
    # a permanent ban by ref, as shown in the moderation queue, then lifted
    assert c.client.put(f"/v1/sites/gmw/bans/{ban['ref']}", json={}, headers=c.ed).status_code == 200
    assert c.post(troll, "still banned").status_code == 403
    assert c.client.delete(f"/v1/sites/gmw/bans/{ban['ref']}", headers=c.ed).status_code == 204
    assert c.client.delete(f"/v1/sites/gmw/bans/{ban['ref']}", headers=c.ed).status_code == 404
    assert c.post(troll, "back").status_code == 201
    assert c.client.put("/v1/sites/gmw/bans/not-a-ref", json={}, headers=c.ed).status_code == 400
    assert c.client.put(f"/v1/sites/gmw/bans/{ban['ref']}", json={}, headers=troll).status_code == 401
    assert c.client.put(f"/v1/sites/gmw/bans/{ban['ref']}", json={"days": 0},
                        headers=c.ed).status_code == 422


# -- guards ----------------------------------------------------------------------------------

def test_site_length_limit(c):
    c.patch(comment_max_length=10)
    r = c.reader()
    assert c.post(r, "字" * 10).status_code == 201
    resp = c.post(r, "字" * 11)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["rule"] == "comment_too_long"


def test_banned_words_hold_or_reject(c):
    c.patch(banned_words=["坏词"], banned_words_action="hold")
    r = c.reader()
    held = c.new(r, "这里有坏 词")
    assert held["status"] == "pending" and c.count() == 0
    item = c.queue()["items"][0]
    assert item["id"] == held["id"] and "坏词" in item["hold_reasons"][0]
    c.patch(banned_words_action="reject")
    resp = c.post(r, "又是坏词")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["rule"] == "banned_words"
    assert c.new(r, "干净的评论")["status"] == "published"


def test_link_limit_hold_or_reject(c):
    r = c.reader()
    assert c.new(r, "see http://a.cn and http://b.cn")["status"] == "published"
    assert c.new(r, "http://a.cn http://b.cn www.c.com")["status"] == "pending"
    c.patch(comment_links_action="reject", comment_max_links=0)
    resp = c.post(r, "go to example.com")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["rule"] == "too_many_links"


def test_duplicate_posts(c, clock):
    r, other = c.reader(), c.reader()
    top = c.new(r, "沙发")
    dup = c.post(r, "  沙发 ")
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "duplicate_comment"
    assert c.post(other, "沙发").status_code == 201          # another reader may say the same
    assert c.post(r, "沙发", parent=top["id"]).status_code == 201   # as a reply it differs
    clock.advance(601)
    assert c.post(r, "沙发").status_code == 201
    c.patch(comment_duplicate_window=0)
    assert c.post(r, "沙发").status_code == 201
    assert c.count() == 5


def test_rate_limits_per_reader_and_per_address(app_factory, clock):
    from tests.conftest import ApiHelper

    app = app_factory(CLOCK=clock, RATELIMIT_ENABLED=True, COMMENT_READER_RATE="2/minute",
                      COMMENT_RATE="6/minute", READER_RATE="100/minute")
    c = C(ApiHelper(app.test_client()))
    readers = [c.reader() for _ in range(3)]
    codes = [c.post(readers[0], f"r0 {i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    limited = c.post(readers[0], "r0 again")
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in limited.headers
    # another reader from the same address still may, until the address limit (6, which
    # counted reader 0's refused attempts too) is reached
    codes = [c.post(readers[1 + i % 2], f"other {i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    # from another address the per-address limit is fresh, the per-reader one is not
    other_addr = {"REMOTE_ADDR": "10.0.0.9"}
    assert c.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "x"},
                         headers=readers[0], environ_base=other_addr).status_code == 429
    fresh = c.api.reader()
    assert c.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "y"},
                         headers=fresh, environ_base=other_addr).status_code == 201


def test_rate_limits_hold_in_memory_when_their_redis_is_down(redis_server, redis_client, clock):
    """Flask-Limiter's storage unreachable: no 500, limits fall back to per-process memory."""
    from service import create_app
    from tests.conftest import ADMIN_TOKEN, SECRET_KEY, ApiHelper, free_port

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "ADMIN_TOKEN": ADMIN_TOKEN,
                      "REDIS_CLIENT": redis_client, "SETTINGS_CACHE": False, "CLOCK": clock,
                      "RATELIMIT_ENABLED": True, "COMMENT_READER_RATE": "2/minute",
                      "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"})
    c = C(ApiHelper(app.test_client()))
    r = c.reader()
    assert [c.post(r, f"m{i}").status_code for i in range(3)] == [201, 201, 429]


# -- safety ---------------------------------------------------------------------------------

NASTY = '</script><script>alert(1)</script><img src=x onerror="alert(2)"> & &amp; <!--'


def test_html_is_never_returned_unescaped(c):
    r = c.reader()
    created = c.post(r, NASTY, author_name="<b>name</b>&")
    raw = created.get_data()
    assert created.mimetype == "application/json"
    assert created.headers["X-Content-Type-Options"] == "nosniff"
    for ch in (b"<", b">", b"&"):
        assert ch not in raw
    assert orjson.loads(raw)["body"] == NASTY                # the text itself is unchanged
    assert json.loads(raw)["author"]["name"] == "<b>name</b>&"
    cid = created.get_json()["id"]
    c.new(r, "reply " + NASTY, parent=cid)
    for resp in (c.list(), c.list(headers=r),
                 c.client.get(f"/v1/sites/gmw/comments/{cid}/replies"),
                 c.client.get("/v1/sites/gmw/moderation?status=published", headers=c.ed),
                 c.moderate(cid, "feature")):
        body = resp.get_data()
        assert resp.status_code == 200 and resp.mimetype == "application/json"
        assert b"<" not in body and b">" not in body and b"&" not in body
        assert "\\u003c/script\\u003e" in body.decode()
    assert c.page()["items"][0]["body"] == NASTY
    assert c.page()["items"][0]["replies"][0]["body"] == "reply " + NASTY


def test_chinese_stays_as_characters(c):
    r = c.reader()
    c.new(r, "中文评论")
    assert "中文评论" in c.list().get_data(as_text=True)


# -- takedown, counts, hooks ------------------------------------------------------------------

def test_taken_down_article_hides_its_comments(c, redis_client):
    r = c.reader()
    top = c.new(r)
    c.new(r, "reply", parent=top["id"])
    redis_client.hset("xq:{gmw:a1}:m", "down", "1")  # what DELETE /articles/{article} records
    page = c.page()
    assert page["items"] == [] and page["count"] == 0 and page["next_cursor"] is None
    assert c.client.get(f"/v1/sites/gmw/comments/{top['id']}/replies").status_code == 404
    resp = c.post(r, "more")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "comments_closed"
    assert c.vote(r, top["id"], "up").status_code == 404
    assert c.queue("published")["items"]  # editors still see them


def test_count_hooks_follow_every_change(app, c):
    seen = []
    app.extensions["xinqing"].comments.after_count_change.append(
        lambda site, article, delta, created: seen.append((site, article, delta)))
    r = c.reader()
    cid = c.new(r)["id"]
    c.moderate(cid, "spam")
    c.moderate(cid, "approve")
    c.moderate(cid, "feature")
    c.delete(cid, r)
    c.patch(moderation="pre")
    c.new(r, "pending")
    assert seen == [("gmw", "a1", 1), ("gmw", "a1", -1), ("gmw", "a1", 1), ("gmw", "a1", -1)]


def test_comment_settings_round_trip(c):
    got = c.client.get("/v1/sites/gmw/settings", headers=c.ed).get_json()
    assert got["comment_max_length"] == 2000 and got["comment_links_action"] == "hold"
    assert got["comment_max_links"] == 2 and got["comment_duplicate_window"] == 600
    assert got["comment_replies_preview"] == 3
    resp = c.client.patch("/v1/sites/gmw/settings", json={"comment_max_length": 0}, headers=c.ed)
    assert resp.status_code == 422


def test_my_votes_keep_the_listing_public(c):
    author, reader = c.reader(), c.reader()
    one, two = c.new(author, "one")["id"], c.new(author, "two")["id"]
    c.vote(reader, one, "down")
    r = c.client.get("/v1/sites/gmw/articles/a1/comments/votes",
                     query_string={"ids": f"{one},{two},a1~77"}, headers=reader)
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("private")
    assert r.get_json() == {"votes": {one: "down", two: None, "a1~77": None}}
    assert c.client.get("/v1/sites/gmw/articles/a1/comments/votes",
                        query_string={"ids": one}).status_code == 401
    for bad in ("other~1", "a1~0", "x", ",".join([one] * 201), ""):
        resp = c.client.get("/v1/sites/gmw/articles/a1/comments/votes",
                            query_string={"ids": bad}, headers=reader)
        assert resp.status_code in (400, 422), bad
