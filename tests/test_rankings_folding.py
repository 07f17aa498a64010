"""Folded ranking writes on the test Redis: an event's deltas are durable in the same script
as its records, the apply is claimed at most once a second per scope (inside the script, so
across workers), a worker that dies before applying loses nothing, and reads are exact."""

from __future__ import annotations

import threading

import redis

from conftest import ADMIN_TOKEN
from service.store.rankings import RankingStore


def _reads(client, by="happy", channel=None):
    args = {"by": by, "window": "24h"}
    if channel:
        args["channel"] = channel
    body = client.get("/v1/sites/gmw/rankings", query_string=args).get_json()
    return [(i["article"], i["score"]) for i in body["items"]]


def test_a_write_leaves_its_deltas_pending_and_a_read_applies_them(api, client, redis_client,
                                                                   monkeypatch):
    api.create_site(require_meta=False)
    settles = []
    # the apply a claiming write would run next never happens (the worker died first)
    monkeypatch.setattr(RankingStore, "settle", lambda self, *a, **k: settles.append(a))
    readers = [api.reader() for _ in range(3)]
    for reader, article in zip(readers, ("a1", "a1", "a2")):
        assert api.react(reader, "happy", article=article).status_code == 200
    assert len(settles) == 1                 # the first write claimed this second's apply
    pending = redis_client.hgetall("xq:rk:{gmw/}:pd")
    assert sorted(pending.values()) == ["1", "2"]      # a1 folded twice, a2 once
    assert not redis_client.exists("xq:rk:{gmw/}:w:m:happy:24h")
    assert _reads(client) == [("a1", 2), ("a2", 1)]   # the read applied them first
    assert not redis_client.exists("xq:rk:{gmw/}:pd")


def test_the_apply_is_claimed_once_a_second_per_scope(app, api, client, clock, monkeypatch):
    api.create_site(require_meta=False)
    editor = api.editor(api.create_site("other", require_meta=False))
    client.put("/v1/sites/other/articles/b1/meta", headers=editor,
               json={"title": "B", "url": "https://e.com/b1", "channel": "x"})
    settles = []
    real = RankingStore.settle

    def counting(self, site, channel, *args):
        settles.append((site, channel))
        return real(self, site, channel, *args)

    monkeypatch.setattr(RankingStore, "settle", counting)
    for second in range(3):
        for _ in range(4):
            api.react(api.reader(), "happy", article="a1")
            api.react(api.reader("other"), "happy", article="b1", site="other")
        clock.advance(1)
    # per second: the site scope of each site and the channel scope of b1 (its channel is
    # known from the meta write, so the write carries it), each claimed by one write
    assert sorted(settles, key=str) == sorted([("gmw", None), ("other", None), ("other", "x")] * 3,
                                              key=str)
    assert _reads(client) == [("a1", 12)]


def test_concurrent_writers_claim_once(app_factory, redis_server, clock):
    app = app_factory(CLOCK=clock)
    client = app.test_client()
    token = client.post("/v1/admin/sites", json={"site": "gmw", "require_meta": False},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert token.status_code == 201, token.get_json()
    services = app.extensions["xinqing"]
    site = services.sites.get("gmw")
    claimed = []
    real = services.store.rankings.settle

    def counting(*args, **kwargs):
        claimed.append(args)
        return real(*args, **kwargs)

    services.store.rankings.settle = counting

    def writer(n: int) -> None:
        for i in range(25):
            services.rankings.set_vote(site, f"a{i % 3}", f"r{n}-{i}", "happy", int(clock()))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == 1
    assert [(i["article"], i["score"]) for i in
            services.rankings.ranking("gmw", "happy", "1h", None, 10)["items"]] == \
        [("a0", 36), ("a2", 32), ("a1", 32)]


def test_overview_totals_count_what_is_pending(api, client, redis_client, monkeypatch):
    editor = api.editor(api.create_site(require_meta=False))
    monkeypatch.setattr(RankingStore, "settle", lambda self, *a, **k: 0)
    for _ in range(3):
        api.react(api.reader(), "sad", article="a1")
    assert redis_client.hlen("xq:rk:{gmw/}:pd") == 1
    body = client.get("/v1/sites/gmw/overview", headers=editor).get_json()
    assert body["today"]["reactions"] == 3, body["today"]
    assert redis_client.hlen("xq:rk:{gmw/}:pd") == 1      # read, not applied


def test_pending_deltas_survive_a_lost_connection(api, client, redis_client, monkeypatch):
    """The claiming worker's apply fails (Redis unreachable for that call): the write was
    answered, its deltas wait in Redis, and the next read applies them."""
    api.create_site(require_meta=False)

    def unreachable(self, *a, **k):
        raise redis.ConnectionError("gone")

    monkeypatch.setattr(RankingStore, "settle", unreachable)
    assert api.react(api.reader(), "like", article="a9").status_code == 200
    monkeypatch.undo()
    assert _reads(client, by="like") == [("a9", 1)]
