"""The comment scripts on real Redis, below the domain: slots, counts, ordering, refusals."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from service.store.comments import CommentStore
from service.store.keys import REPLY_SPAN, Keys


def test_every_comment_key_of_an_article_shares_its_slot():
    k = Keys("xq")
    site, article = "gmw", "content_1:x.y"
    keys = [k.numbers(site, article), k.meta(site, article), k.comment_seq(site, article),
            k.comment_version(site, article), k.comment_content(site, article),
            k.comment_state(site, article), k.comments_by_seq(site, article),
            k.comments_by_hot(site, article), k.comment_replies(site, article),
            k.comment_votes(site, article), k.comment_dedupe(site, article)]
    assert len({key_slot(key.encode()) for key in keys}) == 1
    assert key_slot(k.moderation_index(site, "pending").encode()) == key_slot(k.bans(site).encode())


@pytest.fixture
def store(redis_client):
    return CommentStore(redis_client, Keys("xq"))


def create(store, status="published", parent=0, reader="r" * 16, now_ms=1_764_400_000_000,
           dedupe=""):
    return store.create("gmw", "a1", content='{"b":"x","n":"n","at":"t"}', status=status,
                        parent=parent, reader=reader, now_ms=now_ms, dedupe=dedupe,
                        dedupe_window_ms=600_000 if dedupe else 0, hot_period=45000)


def test_create_numbers_in_commit_order_and_counts_published_only(store, redis_client):
    a, b = create(store), create(store, status="pending")
    assert (a.outcome, a.seq, b.seq) == ("ok", 1, 2)
    assert redis_client.hget("xq:{gmw:a1}:n", "c") == "1"
    assert redis_client.zrange("xq:{gmw:a1}:cn", 0, -1) == ["0000000001"]
    reply = create(store, parent=1)
    assert reply.parent == 1
    assert redis_client.zscore("xq:{gmw:a1}:cr", "0000000003") == REPLY_SPAN + 3
    assert redis_client.hget("xq:{gmw:a1}:cs", "1").split("|")[3] == "1"   # reply_count
    assert create(store, parent=3).parent == 1                              # flattened
    assert create(store, parent=2).outcome == "parent_closed"               # pending parent
    assert create(store, parent=99).outcome == "no_parent"
    assert redis_client.get("xq:{gmw:a1}:cw") == "4"                        # four writes


def test_duplicate_guard_and_takedown_inside_the_script(store, redis_client):
    assert create(store, dedupe="r|0|abc").outcome == "ok"
    assert create(store, dedupe="r|0|abc").outcome == "duplicate"
    assert create(store, dedupe="r|0|abc", now_ms=1_764_400_000_000 + 600_001).outcome == "ok"
    redis_client.hset("xq:{gmw:a1}:m", "down", "1")
    assert create(store).outcome == "down"
    assert store.vote("gmw", "a1", 1, "v" * 16, "up", 45000).outcome == "missing"
    assert store.page("gmw", "a1", sort_key="seq", desc=True, lo="-inf", hi="+inf", cursor=None,
                      limit=10, preview=3, reader=None, public=True).down


def test_vote_and_transition_keep_hot_and_counts(store, redis_client):
    create(store)
    create(store, now_ms=1_764_400_060_000)
    before = redis_client.zscore("xq:{gmw:a1}:ch", "0000000001")
    v = store.vote("gmw", "a1", 1, "v" * 16, "up", 45000)
    assert (v.outcome, v.up, v.down, v.mine, v.changed) == ("ok", 1, 0, "up", True)
    assert redis_client.zscore("xq:{gmw:a1}:ch", "0000000001") > before
    assert not store.vote("gmw", "a1", 1, "v" * 16, "up", 45000).changed
    t = store.transition("gmw", "a1", 1, allowed=["published"], to="rejected", featured=None,
                         author=None, hot_period=45000)
    assert (t.outcome, t.old, t.new, t.delta) == ("ok", "published", "rejected", -1)
    assert redis_client.hget("xq:{gmw:a1}:n", "c") == "1"
    assert redis_client.zscore("xq:{gmw:a1}:ch", "0000000001") is None
    t = store.transition("gmw", "a1", 1, allowed=["pending"], to="published", featured=None,
                         author=None, hot_period=45000)
    assert (t.outcome, t.old) == ("conflict", "rejected")
    t = store.transition("gmw", "a1", 2, allowed=["published"], to="deleted", featured=None,
                         author="someone-else-123", hot_period=45000)
    assert t.outcome == "forbidden"
    assert store.transition("gmw", "a1", 9, allowed=["published"], to="deleted", featured=None,
                            author=None, hot_period=45000).outcome == "missing"


def test_page_keyset_order_and_preview(store):
    for i in range(5):
        create(store, now_ms=1_764_400_000_000 + i * 1000)
    create(store, parent=5)
    page = store.page("gmw", "a1", sort_key="seq", desc=True, lo="-inf", hi="+inf", cursor=None,
                      limit=2, preview=3, reader=None, public=True)
    assert page.seqs == ["5", "4"] and page.more and page.count == 6
    assert (page.owners, page.reply_seqs) == ([1], ["6"])
    nxt = store.page("gmw", "a1", sort_key="seq", desc=True, lo="-inf", hi="+inf",
                     cursor=(page.scores[-1], 4), limit=10, preview=0, reader=None, public=True)
    assert nxt.seqs == ["3", "2", "1"] and not nxt.more and nxt.owners == []
