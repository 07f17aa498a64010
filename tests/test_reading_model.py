"""相关阅读 against a plain Python model of its definition (hypothesis, real Redis).

Hypothesis builds a site by hand: the article the list is for, and articles whose readers
felt identically, nearly so, oppositely, sparsely (one or two votes), at random, or not at
all (views only), in its channel or another or none, published recently, long ago or never said,
some taken down, some without meta, the site requiring meta or not. The votes go through
the real write path into the real rankings; the model below knows only the definition
(docs/reading.md) and the raw votes, and computes similarity as 1 − ½Σ|p − r| rather than
the code's Σ min(p, r).
"""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from conftest import Clock, make_config
from reading_support import MOODS, Newsroom

ALPHA = 5.0
MIN_VOTES = 5
MIN_SIMILARITY = 0.5
KEEP = 30
TIE = 1e-9
DAY = 86400


def model(target, articles, per_list, need_meta, now):
    """The expected (basis, votes, [(article, similarity or None)]) of the full list."""
    live = {a: x for a, x in articles.items() if not x["down"]}
    everyone = {**live, "T": target}

    def votes(a):
        return everyone[a]["counts"]

    def hot(a):
        return 3 * sum(votes(a)) + everyone[a]["views"]

    def in_scope(a, channel):
        return channel is None or everyone[a]["channel"] == channel

    def best(score, channel):
        ranked = sorted((a for a in everyone if a != "T" and in_scope(a, channel) and score(a) > 0),
                        key=lambda a: (score(a), a), reverse=True)
        return ranked[:per_list]

    scopes = [None] + ([target["channel"]] if target["channel"] else [])
    candidates = set()
    for channel in scopes:
        for m in range(len(MOODS)):
            candidates |= set(best(lambda a, m=m: votes(a)[m], channel))
        candidates |= set(best(hot, channel))
    hot_order = []
    for channel in reversed(scopes):
        hot_order += [a for a in best(hot, channel) if a not in hot_order]

    def shown(a):
        x = everyone[a]
        return x["meta"] or not need_meta

    n = sum(target["counts"])
    totals = [sum(votes(a)[m] for a in everyone) for m in range(len(MOODS))]
    q = [(t + 1) / (sum(totals) + len(MOODS)) for t in totals]

    def dist(counts):
        return [(c + ALPHA * qm) / (sum(counts) + ALPHA) for c, qm in zip(counts, q)]

    mood_items = []
    if n >= MIN_VOTES:
        mine = dist(target["counts"])
        for a in candidates:
            x = everyone[a]
            if not shown(a) or sum(x["counts"]) == 0:
                continue
            sim = 1 - sum(abs(u - v) for u, v in zip(mine, dist(x["counts"]))) / 2
            if sim < MIN_SIMILARITY:
                continue
            same = not target["channel"] or x["channel"] == target["channel"]
            age = 7 if x["published"] is None else max(0, now - x["published"]) / DAY
            score = sim * (1 if same else 0.8) * (0.5 + 0.5 * 0.5 ** (age / 7))
            mood_items.append((score, a, sim))
        mood_items.sort(key=lambda t: (t[0], t[1]), reverse=True)
        mood_items = mood_items[:KEEP]
    listed = {a for _, a, _ in mood_items}
    top_up = [a for a in hot_order if shown(a) and a not in listed][:max(0, KEEP - len(mood_items))]
    return ("mood" if n >= MIN_VOTES else "hot"), n, mood_items, top_up


def assert_matches(got, mood_items, top_up, limit):
    """`got` is the expected list cut at `limit`, up to the order of near-equal scores."""
    expected_len = min(limit, len(mood_items) + len(top_up))
    assert len(got) == expected_len, (got, mood_items, top_up)
    # the mood part: groups of near-equal scores in order, any order inside a group
    groups, i = [], 0
    while i < len(mood_items):
        j = i + 1
        while j < len(mood_items) and mood_items[j - 1][0] - mood_items[j][0] < TIE:
            j += 1
        groups.append(mood_items[i:j])
        i = j
    sims = {a: s for _, a, s in mood_items}
    rest = got
    for group in groups:
        if not rest:
            break
        take, rest = rest[:len(group)], rest[len(group):]
        names = {a for _, a, _ in group}
        assert {i["article"] for i in take} <= names, (take, group)
        if rest:
            assert len(take) == len(group), (take, group)
        for item in take:
            assert item["similarity"] is not None
            assert math.isclose(item["similarity"], sims[item["article"]], abs_tol=1e-4)
    assert [i["article"] for i in rest] == top_up[:len(rest)], (rest, top_up)
    assert all(i["similarity"] is None for i in rest)


KINDS = ("identical", "near", "opposite", "sparse", "random", "silent")


@st.composite
def newsrooms(draw):
    counts = st.lists(st.integers(0, 9), min_size=4, max_size=4)
    few = st.lists(st.integers(0, 2), min_size=4, max_size=4)    # often under MIN_VOTES
    target_counts = draw(few) if draw(st.integers(0, 3)) == 0 else draw(counts)
    target = {"counts": target_counts, "views": draw(st.integers(0, 3)),
              "channel": draw(st.sampled_from([None, "gansu", "gansu", "gansu"])), "meta": True,
              "published": None, "down": False}
    articles = {}
    for i in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(KINDS))
        meta = draw(st.integers(0, 3)) > 0   # channel and published_at are part of the meta
        if kind == "identical":
            c = list(target_counts)
        elif kind == "near":
            c = list(target_counts)
            c[draw(st.integers(0, 3))] += draw(st.integers(1, 2))
        elif kind == "opposite":
            low = min(target_counts)
            c = [draw(st.integers(1, 9)) if x == low else 0 for x in target_counts]
        elif kind == "sparse":
            c = [0, 0, 0, 0]
            for _ in range(draw(st.integers(1, 2))):
                c[draw(st.integers(0, 3))] += 1
        elif kind == "random":
            c = draw(counts)
        else:
            c = [0, 0, 0, 0]
        articles[f"a{i}"] = {
            "counts": c, "views": draw(st.integers(0 if sum(c) else 1, 3)),
            "channel": draw(st.sampled_from([None, "gansu", "gansu", "lanzhou"])) if meta else None,
            "meta": meta,
            "published": draw(st.sampled_from([None, 0, 0, 3, 40])) if meta else None,
            "down": draw(st.booleans()) and draw(st.booleans()),
        }
    return target, articles


@pytest.fixture(scope="module")
def model_app(redis_server):
    """One app for every example (the factory takes most of a second); each example
    flushes Redis and makes its site afresh, so no cache may outlive it: settings are read
    every time and related lists are not kept."""
    import redis

    from service import create_app

    client = redis_server.client() if redis_server else None
    if client is None:
        import fakeredis

        client = fakeredis.FakeRedis(decode_responses=True)
    clock = Clock()
    app = create_app(make_config(redis_server, client, CLOCK=clock, SETTINGS_CACHE=False,
                                 RELATED_CACHE_SECONDS=0))
    yield app, client, clock
    app.extensions["xinqing"].sites.close()
    if isinstance(client, redis.Redis):
        client.flushall()


def article(counts, channel=None, published=0, views=0, meta=True, down=False):
    return {"counts": list(counts), "views": views, "channel": channel if meta else None,
            "meta": meta, "published": published if meta else None, "down": down}


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(room=newsrooms(), per_list=st.sampled_from([2, 20]), limit=st.integers(1, 20),
       need_meta=st.booleans())
# the same feeling in another channel vs nearly the same in this one
@example(room=(article((6, 2, 0, 0), "gansu", None), {
    "a0": article((6, 2, 0, 0), "lanzhou"), "a1": article((7, 2, 0, 0), "gansu"),
    "a2": article((6, 2, 0, 0), "gansu", 40), "a3": article((0, 0, 5, 0), "gansu"),
    "a4": article((6, 2, 0, 0), down=True), "a5": article((6, 2, 0, 0), meta=False),
    "a6": article((1, 0, 0, 0), "gansu")}), per_list=20, limit=20, need_meta=True)
# too few votes: the channel's hot list before the site's
@example(room=(article((1, 1, 0, 0), "gansu", None), {
    "a0": article((0, 0, 0, 0), "lanzhou", views=9), "a1": article((0, 0, 0, 0), "gansu", views=1),
    "a2": article((0, 0, 0, 0), None, views=2, meta=False)}), per_list=2, limit=3, need_meta=False)
def test_related_matches_model(model_app, monkeypatch, room, per_list, limit, need_meta):
    app, client, clock = model_app
    target, articles = copy.deepcopy(room)
    client.flushall()
    news = Newsroom(app)
    news.require_meta(need_meta, monkeypatch)
    news.services.reading.per_list = per_list
    now = news.now
    for name, x in {"T": target, **articles}.items():
        if x["published"] is not None:
            x["published"] = now - x["published"] * DAY
        if x["meta"]:
            news.meta(name, channel=x["channel"], published=x["published"])
        news.votes(name, x["counts"])
        news.views(name, x["views"])
        if x["down"]:
            news.take_down(name)
    body = news.related("T", limit=limit)
    basis, votes, mood_items, top_up = model(target, articles, per_list, need_meta, now)
    event(f"basis {basis}")
    event(f"mood items {min(3, len(mood_items))}+, top-ups {min(3, len(top_up))}+")
    event(f"taken down {any(x['down'] for x in articles.values())}")
    assert (body["basis"], body["votes"]) == (basis, votes)
    assert all(i["article"] != "T" for i in body["items"])
    assert_matches(body["items"], mood_items, top_up, limit)
