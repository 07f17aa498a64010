"""The exact key strings: changing one silently orphans data in every deployment."""

from service.store.keys import Keys


def test_key_names_are_exact():
    k = Keys("xq")
    assert k.sites() == "xq:sites"
    assert k.settings_channel() == "xq:settings-changed"
    assert k.site("gmw") == "xq:site:{gmw}"
    assert k.votes("gmw", "content_1") == "xq:{gmw:content_1}:rv"
    assert k.numbers("gmw", "content_1") == "xq:{gmw:content_1}:n"
    assert k.share_dedupe("gmw", "a:b", 490000) == "xq:{gmw:a:b}:sd:490000"
    assert k.view_dedupe("gmw", "a", 7) == "xq:{gmw:a}:vd:7"
    assert k.visitors("gmw", "a") == "xq:{gmw:a}:uv"
    assert k.meta("gmw", "a") == "xq:{gmw:a}:m"
    assert k.reader_index("gmw", "AbCdEfGhIjKlMnOp") == "xq:rd:{gmw@AbCdEfGhIjKlMnOp}"
    assert k.article_of("gmw", "xq:{gmw:a:b}:sd:490000") == ("a:b", "sd:490000")
    assert k.article_of("gmw", "xq:rd:{gmw@AbCdEfGhIjKlMnOp}") is None


def test_every_article_key_shares_one_cluster_slot():
    from redis.crc import key_slot

    k = Keys("other-prefix")
    keys = [k.votes("s", "x.y:z"), k.numbers("s", "x.y:z"), k.share_dedupe("s", "x.y:z", 1),
            k.view_dedupe("s", "x.y:z", 1), k.visitors("s", "x.y:z"), k.meta("s", "x.y:z")]
    assert len({key_slot(key.encode()) for key in keys}) == 1
    # and different articles spread over slots
    slots = {key_slot(k.numbers("s", f"a{i}").encode()) for i in range(100)}
    assert len(slots) > 50


def test_hardening_key_names_are_exact():
    k = Keys("xq")
    assert k.write_probe() == "xq:readyz"
    assert k.comment_idempotency("gmw", "a1", "r" * 16, "d" * 32) == \
        "xq:{gmw:a1}:ci:" + "r" * 16 + ":" + "d" * 32


def test_feed_snapshot_lives_in_its_ranking_scope():
    from redis.crc import key_slot

    k = Keys("xq")
    assert k.feed_snapshot("gmw", None, 1764399960) == "xq:rk:{gmw/}:fs:1764399960"
    assert k.feed_snapshot("gmw", "gansu", 60) == "xq:rk:{gmw/gansu}:fs:60"
    for channel in (None, "gansu"):
        assert key_slot(k.feed_snapshot("gmw", channel, 60).encode()) == key_slot(
            k.rank_window("gmw", channel, "hot", "7d").encode())


def test_pending_ranking_deltas_live_in_their_scope():
    from redis.crc import key_slot

    k = Keys("xq")
    assert k.rank_pending("gmw", None) == "xq:rk:{gmw/}:pd"
    assert k.rank_pending("gmw", "gansu") == "xq:rk:{gmw/gansu}:pd"
    for channel in (None, "gansu"):
        assert key_slot(k.rank_pending("gmw", channel).encode()) == key_slot(
            k.rank_window("gmw", channel, "hot", "7d").encode())


def test_the_ranking_outbox_lives_with_its_article_and_the_seen_marks_with_their_scope():
    from redis.crc import key_slot

    k = Keys("xq")
    assert k.rank_outbox("gmw", "38012345") == "xq:{gmw:38012345}:ob"
    assert key_slot(k.rank_outbox("gmw", "a:1").encode()) == key_slot(
        k.votes("gmw", "a:1").encode())
    assert k.rank_seen("gmw", None) == "xq:rk:{gmw/}:sq"
    assert k.rank_seen("gmw", "gansu") == "xq:rk:{gmw/gansu}:sq"
    for channel in (None, "gansu"):
        assert key_slot(k.rank_seen("gmw", channel).encode()) == key_slot(
            k.rank_pending("gmw", channel).encode())
