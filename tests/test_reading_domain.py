"""The 相关阅读 scoring as plain functions: no Redis, no Flask."""

from __future__ import annotations

import math

import pytest

from service.domain.reading import (
    TtlCache,
    prior,
    rank_related,
    recency,
    similarities,
    similarity,
    smoothed,
)

NOW = 1_764_400_000
DAY = 86400


def test_prior_and_smoothing_pull_sparse_articles_toward_the_site():
    q = prior([30, 10, 0, 0])
    assert q == pytest.approx([31 / 44, 11 / 44, 1 / 44, 1 / 44])
    assert math.isclose(sum(q), 1.0)
    assert smoothed([0, 0, 0, 0], q) == pytest.approx(q)           # no votes: the site
    one = smoothed([0, 0, 1, 0], q)
    assert one[2] < 0.25 and one[0] > 0.5                          # one vote does not decide
    many = smoothed([0, 0, 100, 0], q)
    assert many[2] > 0.9


def test_similarity_is_shared_feeling():
    assert similarity([0.5, 0.5], [0.5, 0.5]) == 1.0
    assert similarity([1.0, 0.0], [0.0, 1.0]) == 0.0
    assert similarity([0.7, 0.3], [0.4, 0.6]) == pytest.approx(0.7)
    assert similarity([0.7, 0.3], [0.4, 0.6]) == similarity([0.4, 0.6], [0.7, 0.3])


def test_recency():
    assert recency(NOW, NOW) == 1.0
    assert recency(NOW + DAY, NOW) == 1.0                          # published "in the future"
    assert recency(NOW - 7 * DAY, NOW) == 0.75
    assert recency(None, NOW) == 0.75
    assert 0.5 < recency(NOW - 365 * DAY, NOW) < 0.5001


def test_similarities_and_rank_related_rules():
    metas = {"same": {"title": "s", "channel": "x"}, "far": {"title": "f", "channel": "x"},
             "down": {"title": "d", "down": "1"}, "bare": {}, "silent": {"title": "q"}}
    candidates = {"same": [8, 0, 2, 0], "far": [0, 9, 0, 0], "down": [8, 0, 2, 0],
                  "bare": [8, 0, 2, 0], "silent": [0, 0, 0, 0]}
    hot = ["silent", "far", "same"]
    similar = similarities([8, 0, 2, 0], [100, 100, 100, 100], candidates)
    assert set(similar) == {"same", "down", "bare"}               # far < 0.5, silent no votes
    assert similar["same"] == 1.0
    got = rank_related([8, 0, 2, 0], similar, metas, hot, "x", need_meta=True, now=NOW)
    assert got.basis == "mood" and got.votes == 10
    assert [(a, s is None) for a, s, _ in got.ranked] == [
        ("same", False), ("silent", True), ("far", True)]
    loose = rank_related([8, 0, 2, 0], similar, metas, hot, "x", need_meta=False, now=NOW)
    assert [a for a, _, _ in loose.ranked][:2] == ["same", "bare"]  # bare: no channel, 0.8
    assert similarities([2, 1, 0, 0], [1, 1, 1, 1], candidates) == {}
    few = rank_related([2, 1, 0, 0], {}, metas, hot, "x", need_meta=True, now=NOW)
    assert few.basis == "hot" and [a for a, _, _ in few.ranked] == hot


def test_ttl_cache():
    cache = TtlCache(ttl=60, max_entries=2)
    cache.put("a", 1, now=100)
    assert cache.get("a", now=159) == 1
    assert cache.get("a", now=160) is None
    cache.put("a", 1, now=200)
    cache.put("b", 2, now=200)
    cache.get("a", now=201)
    cache.put("c", 3, now=201)                                     # evicts b, the least used
    assert (cache.get("a", 202), cache.get("b", 202), cache.get("c", 202)) == (1, None, 3)
    off = TtlCache(ttl=0)
    off.put("a", 1, now=0)
    assert off.get("a", now=0) is None


@pytest.mark.parametrize("name,raw", [("XINQING_RELATED_CACHE_SECONDS", "-1"),
                                      ("XINQING_RELATED_CACHE_SECONDS", "3601"),
                                      ("XINQING_FEED_SNAPSHOT_SECONDS", "4"),
                                      ("XINQING_FEED_CURSOR_SECONDS", "soon")])
def test_reading_settings_fail_fast(name, raw):
    from service.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=name):
        load_config({name: raw}, require_secret=False)
    assert load_config({}, require_secret=False)["FEED_CURSOR_SECONDS"] == 600
