"""Ranking storage on the test Redis: key names, rebuild, the hot epoch, the CLI."""

from __future__ import annotations

import itertools

import pytest

from conftest import ADMIN_TOKEN
from service.store.keys import Keys

METRICS = ("happy", "sad", "like", "meh", "reactions", "shares", "views", "comments", "hot")
WINDOWS = ("1h", "24h", "7d", "30d", "all")


def test_key_names():
    k = Keys("xq")
    assert k.activity("gmw", "a:1") == "xq:{gmw:a:1}:t"
    assert k.rank_state("gmw", None) == "xq:rk:{gmw/}:st"
    assert k.rank_hour_index("gmw", "gansu") == "xq:rk:{gmw/gansu}:hx"
    assert k.rank_hour_counts("gmw", "") == "xq:rk:{gmw/}:hc"
    assert k.rank_window("gmw", "gansu", "m:happy", "24h") == "xq:rk:{gmw/gansu}:w:m:happy:24h"
    assert k.rank_pattern("gmw") == "xq:rk:{gmw/*"


def snapshot(client, channels=(None, "x")):
    """Every ranking (all metrics, windows, scopes) and the stats, through the API."""
    out = {}
    for by, window, channel in itertools.product(METRICS, WINDOWS, channels):
        args = {"by": by, "window": window, "limit": 100}
        if channel:
            args["channel"] = channel
        body = client.get("/v1/sites/gmw/rankings", query_string=args).get_json()
        out[(by, window, channel)] = [(i["article"], i["score"]) for i in body["items"]]
    return out


def populate(api, client, editor, clock):
    readers = [api.reader() for _ in range(4)]
    client.put("/v1/sites/gmw/articles/a1/meta", headers=editor,
               json={"title": "A1", "url": "https://e.com/a1", "channel": "x"})
    client.put("/v1/sites/gmw/articles/a4/meta", headers=editor,
               json={"title": "A4", "url": "https://e.com/a4", "channel": "x"})
    rankings = client.application.extensions["xinqing"].rankings
    rankings.comment_source = None  # comments come via record_comment
    for step, (reader, article) in enumerate(itertools.product(
            range(4), ("a1", "a2", "a3", "a4", "a1", "a2"))):
        api.react(readers[reader], ("happy", "sad", "like", "meh")[step % 4], article=article)
        client.post(f"/v1/sites/gmw/articles/{article}/shares", json={"channel": "qq"},
                    headers=readers[reader])
        client.post(f"/v1/sites/gmw/articles/{article}/views", headers=readers[reader])
        if step % 5 == 0:
            rankings.record_comment("gmw", article, 1, int(clock()))
        clock.advance(3 * 3600 + 17)
    client.delete("/v1/sites/gmw/articles/a4", headers=editor)


def test_rebuild_restores_deleted_rankings(api, client, clock, redis_client):
    editor = api.editor(api.create_site(require_meta=False))
    populate(api, client, editor, clock)
    before = snapshot(client)
    assert before[("happy", "all", None)], before
    assert before[("hot", "7d", "x")], before
    keys = list(redis_client.scan_iter("xq:rk:*"))
    assert keys
    redis_client.delete(*keys)
    assert snapshot(client)[("happy", "all", None)] == []
    result = client.application.extensions["xinqing"].rankings.rebuild("gmw")
    assert result["replayed"] == 3  # a4 is down
    assert snapshot(client) == before


def test_hot_epoch_rebases_and_keeps_scores(app_factory, api, clock):
    app = app_factory(CLOCK=clock, HOT_HALF_LIFE_HOURS=1.0)
    client = app.test_client()
    api.client = client
    api.create_site(require_meta=False)
    reader = api.reader()
    api.react(reader, "happy", article="old")
    clock.advance(300 * 3600)  # 300 half-lives: the next roll rebases the epoch
    api.react(reader, "happy", article="new")
    api.react(api.reader(), "sad", article="new")
    body = client.get("/v1/sites/gmw/rankings?by=hot&window=all").get_json()
    assert [(i["article"], i["score"]) for i in body["items"]] == [("new", 6.0)]
    state = app.extensions["xinqing"].store.client.hgetall("xq:rk:{gmw/}:st")
    assert int(state["E"]) == int(clock()) // 3600
    clock.advance(2 * 3600)
    body = client.get("/v1/sites/gmw/rankings?by=hot&window=all").get_json()
    assert body["items"][0]["score"] == pytest.approx(1.5)


def test_cli_rebuild(api, redis_server, redis_client, monkeypatch, capsys):
    if redis_server is None:
        pytest.skip("the CLI talks to a real Redis")
    from service.cli import main

    api.create_site(require_meta=False)
    reader = api.reader()
    # real time: the CLI builds its own app with the wall clock
    client = api.client
    client.application.extensions["xinqing"].rankings.clock = __import__("time").time
    client.application.extensions["xinqing"].engagement.clock = __import__("time").time
    api.react(reader, "happy", article="a1")
    api.react(api.reader(), "happy", article="a1")
    api.react(reader, "sad", article="a2")
    before = client.get("/v1/sites/gmw/rankings?by=reactions").get_json()["items"]
    redis_client.delete(*redis_client.scan_iter("xq:rk:*"))
    monkeypatch.setenv("XINQING_REDIS_URL", redis_server.url)
    monkeypatch.setenv("XINQING_SECRET_KEY", "cli-secret-key-0123456789")
    monkeypatch.setenv("XINQING_ADMIN_TOKEN", ADMIN_TOKEN)
    assert main(["rankings", "rebuild", "--site", "gmw"]) == 0
    assert "gmw: replayed 2 of 2 articles" in capsys.readouterr().out
    after = client.get("/v1/sites/gmw/rankings?by=reactions").get_json()["items"]
    assert [(i["article"], i["score"]) for i in after] == [(i["article"], i["score"]) for i in before]
    assert main(["rankings", "rebuild"]) == 0
