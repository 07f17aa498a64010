"""The comment scripts on real Redis, below the domain: slots, counts, ordering, refusals."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from service.domain.comment_model import (DELETE_MOVE, HOT_PERIOD, TRANSITIONS, Action,
                                          CommentState, Featured, Status, Vote)
from service.store.comments import CommentStore, encode_state
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


def create(store, status=Status.PUBLISHED, parent=0, reader="r" * 16, now_ms=1_764_400_000_000,
           dedupe=""):
    return store.create("gmw", "a1", content='{"b":"x","n":"n","at":"t"}', status=status,
                        parent=parent, reader=reader, now_ms=now_ms, dedupe=dedupe,
                        dedupe_window_ms=600_000 if dedupe else 0, hot_period=45000)


def test_create_numbers_in_commit_order_and_counts_published_only(store, redis_client):
    a, b = create(store), create(store, status=Status.PENDING)
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
    assert store.vote("gmw", "a1", 1, "v" * 16, Vote.UP, 45000).outcome == "missing"
    assert store.page("gmw", "a1", sort_key="seq", desc=True, lo="-inf", hi="+inf", cursor=None,
                      limit=10, preview=3, reader=None, public=True).down


def test_vote_and_transition_keep_hot_and_counts(store, redis_client):
    create(store)
    create(store, now_ms=1_764_400_060_000)
    before = redis_client.zscore("xq:{gmw:a1}:ch", "0000000001")
    v = store.vote("gmw", "a1", 1, "v" * 16, Vote.UP, 45000)
    assert (v.outcome, v.up, v.down, v.mine, v.changed) == ("ok", 1, 0, Vote.UP, True)
    assert redis_client.zscore("xq:{gmw:a1}:ch", "0000000001") > before
    assert not store.vote("gmw", "a1", 1, "v" * 16, Vote.UP, 45000).changed
    t = store.transition("gmw", "a1", 1, allowed=[Status.PUBLISHED], to=Status.REJECTED,
                         featured=None, author=None, hot_period=45000)
    assert (t.outcome, t.old, t.new, t.delta) == ("ok", Status.PUBLISHED, Status.REJECTED, -1)
    assert redis_client.hget("xq:{gmw:a1}:n", "c") == "1"
    assert redis_client.zscore("xq:{gmw:a1}:ch", "0000000001") is None
    t = store.transition("gmw", "a1", 1, allowed=[Status.PENDING], to=Status.PUBLISHED,
                         featured=None, author=None, hot_period=45000)
    assert (t.outcome, t.old) == ("conflict", Status.REJECTED)
    t = store.transition("gmw", "a1", 2, allowed=[Status.PUBLISHED], to=Status.DELETED,
                         featured=None, author="someone-else-123", hot_period=45000)
    assert t.outcome == "forbidden"
    assert store.transition("gmw", "a1", 9, allowed=[Status.PUBLISHED], to=Status.DELETED,
                            featured=None, author=None, hot_period=45000).outcome == "missing"


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


def test_states_read_back_typed_as_the_scripts_wrote_them(store):
    create(store, reader="a" * 16)
    create(store, parent=1, reader="b" * 16, now_ms=1_764_400_005_000)
    store.vote("gmw", "a1", 1, "v" * 16, Vote.DOWN, HOT_PERIOD)
    store.transition("gmw", "a1", 1, allowed=[Status.PUBLISHED], to=None,
                     featured=Featured.SET, author=None, hot_period=HOT_PERIOD)
    assert store.states("gmw", "a1") == {
        1: CommentState(Status.PUBLISHED, 0, 1, 1, True, 1_764_400_000, 0, "a" * 16),
        2: CommentState(Status.PUBLISHED, 0, 0, 0, False, 1_764_400_005, 1, "b" * 16)}
    record = store.record("gmw", "a1", 2)
    assert record.state.parent == 1 and record.content.startswith("{")
    assert store.record("gmw", "a1", 9) == (None, None)


# The moderation state machine, written out by hand (not derived from TRANSITIONS): the set
# of (status, featured) each action may apply to. The transition script is what enforces it.
EXPECTED = {
    Action.APPROVE: {("pending", False), ("rejected", False), ("spam", False)},
    Action.REJECT: {("pending", False), ("published", False), ("published", True), ("spam", False)},
    Action.SPAM: {("pending", False), ("published", False), ("published", True), ("rejected", False)},
    Action.FEATURE: {("published", False)},
    Action.UNFEATURE: {("published", True)},
}
STATES = [(status, featured) for status in Status for featured in (False, True)
          if not (featured and status is not Status.PUBLISHED)]  # only published is featured


@pytest.mark.parametrize("action", list(Action))
def test_the_transition_script_applies_the_state_machine(store, redis_client, action):
    create(store)
    for status, featured in STATES:
        before = CommentState(status, 0, 0, 0, featured, 1_764_400_000, 0, "r" * 16)
        redis_client.hset("xq:{gmw:a1}:cs", "1", encode_state(before))
        move = TRANSITIONS[action]
        moved = store.transition("gmw", "a1", 1, allowed=move.sources, to=move.target,
                                 featured=move.featured, author=None, hot_period=HOT_PERIOD)
        allowed = (status.value, featured) in EXPECTED[action]
        assert moved.outcome == ("ok" if allowed else "conflict"), (action, status, featured)
        after = store.states("gmw", "a1")[1]
        if allowed:
            assert after.status is (move.target or status)
            assert after.featured is {Featured.SET: True, Featured.CLEAR: False}.get(
                move.featured, featured and after.status is Status.PUBLISHED)
        else:
            assert (moved.old, moved.featured, after) == (status, featured, before)


def test_deletion_is_allowed_from_every_status_and_is_terminal_for_moderation(store, redis_client):
    create(store)
    for status, featured in STATES:
        redis_client.hset("xq:{gmw:a1}:cs", "1", encode_state(
            CommentState(status, 0, 0, 0, featured, 1_764_400_000, 0, "r" * 16)))
        moved = store.transition("gmw", "a1", 1, allowed=DELETE_MOVE.sources,
                                 to=DELETE_MOVE.target, featured=None, author=None,
                                 hot_period=HOT_PERIOD)
        assert moved.outcome == "ok" and moved.new is Status.DELETED
        assert not store.states("gmw", "a1")[1].featured
        for action, move in TRANSITIONS.items():
            refused = store.transition("gmw", "a1", 1, allowed=move.sources, to=move.target,
                                       featured=move.featured, author=None,
                                       hot_period=HOT_PERIOD)
            assert refused.outcome == "conflict", action


def test_hot_scores_the_scripts_keep_order_by_votes_and_recency(store, redis_client):
    t = 1_764_400_000

    def comment_with(net: int, created: int) -> float:
        seq = create(store, now_ms=created * 1000, reader=f"author{created:010d}").seq
        for i in range(abs(net)):
            store.vote("gmw", "a1", seq, f"voter{i:011d}", Vote.UP if net > 0 else Vote.DOWN,
                       HOT_PERIOD)
        return redis_client.zscore("xq:{gmw:a1}:ch", f"{seq:010d}")

    ten, one, none, five_down = (comment_with(10, t), comment_with(1, t), comment_with(0, t),
                                 comment_with(-5, t))
    assert ten > one > none > five_down
    newer = comment_with(0, t + 60)
    assert newer > none
    # nine net 顶 are worth HOT_PERIOD seconds (12.5 hours) of recency
    assert comment_with(9, t + 1) == pytest.approx(comment_with(0, t + 1 + HOT_PERIOD))
