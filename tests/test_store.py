"""Store and Lua scripts on the real test Redis."""

from __future__ import annotations

import pytest

from service.store import Store
from service.store.keys import SHARE_DEDUPE_SECONDS, VIEW_DEDUPE_SECONDS

T0 = 1_764_400_000
MOODS = ("happy", "sad", "like")


class Writes:
    """The store's one write path (RankingStore: the article's records and its rankings in
    one script), called with a site of MOODS and no channel."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rk = store.rankings

    def set_vote(self, site, article, reader, mood, now):
        return self.rk.vote(site, article, reader, mood, now, MOODS, 12.0)

    def add_share(self, site, article, channel, reader, now):
        return self.rk.share(site, article, channel, reader, now, MOODS, 12.0)

    def add_view(self, site, article, visitor, now):
        return self.rk.view(site, article, visitor, now, MOODS, 12.0)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture
def store(redis_client):
    return Writes(Store(redis_client, prefix="xq"))


def test_vote_record_keeps_mood_and_cast_time(store, redis_client):
    change = store.set_vote("gmw", "a1", "reader1", "happy", T0)
    assert change.changed and change.old_mood is None and change.old_cast_at is None
    assert redis_client.hget("xq:{gmw:a1}:rv", "reader1") == f"happy|{T0}"
    assert change.numbers == {"r:happy": "1"}


def test_same_mood_again_changes_nothing_not_even_cast_time(store, redis_client):
    store.set_vote("gmw", "a1", "r", "happy", T0)
    change = store.set_vote("gmw", "a1", "r", "happy", T0 + 500)
    assert not change.changed
    assert redis_client.hget("xq:{gmw:a1}:rv", "r") == f"happy|{T0}"
    assert change.numbers == {"r:happy": "1"}


def test_move_reports_the_old_vote_and_its_cast_time(store, redis_client):
    store.set_vote("gmw", "a1", "r", "happy", T0)
    change = store.set_vote("gmw", "a1", "r", "sad", T0 + 60)
    assert change.changed and change.old_mood == "happy" and change.old_cast_at == T0
    assert change.numbers == {"r:sad": "1"}  # a count at zero is removed, not left at "0"
    assert redis_client.hget("xq:{gmw:a1}:rv", "r") == f"sad|{T0 + 60}"


def test_retract_removes_record_and_count(store, redis_client):
    store.set_vote("gmw", "a1", "r", "like", T0)
    change = store.set_vote("gmw", "a1", "r", None, T0 + 1)
    assert change.changed and change.old_mood == "like" and change.old_cast_at == T0
    assert change.numbers == {}
    assert not redis_client.exists("xq:{gmw:a1}:rv")
    again = store.set_vote("gmw", "a1", "r", None, T0 + 2)
    assert not again.changed


def test_share_counts_once_per_reader_channel_and_clock_hour(store, redis_client):
    hour_start = (T0 // SHARE_DEDUPE_SECONDS) * SHARE_DEDUPE_SECONDS
    numbers, counted = store.add_share("gmw", "a1", "wechat", "r", hour_start + 10)
    assert counted and numbers["s:wechat"] == "1"
    numbers, counted = store.add_share("gmw", "a1", "wechat", "r", hour_start + 3000)
    assert not counted and numbers["s:wechat"] == "1"
    numbers, counted = store.add_share("gmw", "a1", "weibo", "r", hour_start + 3000)
    assert counted and numbers["s:weibo"] == "1"
    numbers, counted = store.add_share("gmw", "a1", "wechat", "r", hour_start + 3600)
    assert counted and numbers["s:wechat"] == "2"
    ttl = redis_client.ttl(f"xq:{{gmw:a1}}:sd:{hour_start // 3600}")
    assert 0 < ttl <= SHARE_DEDUPE_SECONDS + 300


def test_tokenless_shares_always_count(store):
    for _ in range(3):
        numbers, counted = store.add_share("gmw", "a1", "qq", None, T0)
        assert counted
    assert numbers["s:qq"] == "3"


def test_views_once_per_visitor_and_slot_and_uv_estimate(store):
    slot_start = (T0 // VIEW_DEDUPE_SECONDS) * VIEW_DEDUPE_SECONDS
    assert store.add_view("gmw", "a1", "v1", slot_start) == (1, 1, True)
    assert store.add_view("gmw", "a1", "v1", slot_start + 100) == (1, 1, False)
    assert store.add_view("gmw", "a1", "v2", slot_start + 100) == (2, 2, True)
    assert store.add_view("gmw", "a1", "v1", slot_start + VIEW_DEDUPE_SECONDS) == (3, 2, True)
    numbers = store.numbers("gmw", "a1")
    assert numbers["pv"] == "3" and numbers["uv"] == "2"


def test_article_records_in_order(store):
    store.set_vote("gmw", "b", "r", "happy", T0)
    records = store.article_records("gmw", ["a", "b", "a"])
    assert [numbers for numbers, _ in records] == [{}, {"r:happy": "1"}, {}]


def test_site_create_is_exclusive_and_update_never_creates(store):
    assert store.create_site("gmw", {"timezone": '"UTC"'})
    assert not store.create_site("gmw", {"timezone": '"Asia/Shanghai"'})
    assert store.site_fields("gmw") == {"timezone": '"UTC"'}
    assert store.update_site("nope", {"timezone": '"UTC"'}) is None
    assert store.site_fields("nope") is None
    assert store.site_ids() == ["gmw"]


def test_vote_hash_stays_compact(store, redis_server, redis_client):
    """The dedupe record stays a listpack: ~41 bytes a vote (16-char reader id + "mood|ts").

    A listpack entry with a tiny value measures ~21 B; the cast time (needed for exact windows)
    roughly doubles it, still far below a key per vote (72-113 B).
    """
    if redis_server is None:
        pytest.skip("memory accounting needs a real Redis")  # never the case in CI
    import secrets

    for i in range(400):
        store.set_vote("gmw", "big", secrets.token_urlsafe(12), "happy", T0 + i)
    assert redis_client.object("encoding", "xq:{gmw:big}:rv") == "listpack"
    per_vote = redis_client.memory_usage("xq:{gmw:big}:rv") / 400
    assert per_vote < 48, per_vote
