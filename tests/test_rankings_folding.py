"""Folded ranking writes on the test Redis: an event's deltas are durable in the same script
as its records, the apply is claimed at most once a second per scope (inside the script, so
across workers), a worker that dies before applying loses nothing, and reads are exact."""

from __future__ import annotations

import threading

import redis

from conftest import ADMIN_TOKEN, ApiHelper
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


# -- the outbox: what a write could not fold into a scope (Redis Cluster, a missed channel
# guess) waits in the article's slot until the scope has it, and counts once -------------

def _split(app):
    """Write as a Redis Cluster client does (every scope through the outbox), on this node."""
    rankings = app.extensions["xinqing"].store.rankings
    rankings.cluster = True
    return rankings


def _outbox(redis_client, article):
    return {f: v for f, v in redis_client.hgetall("xq:{gmw:" + article + "}:ob").items()
            if f != "n"}


def test_a_fold_replayed_after_a_lost_reply_counts_once(app, api, client, redis_client,
                                                       monkeypatch):
    api.create_site(require_meta=False)
    rankings = _split(app)
    folds = []
    real = RankingStore.pend

    def keeping(self, site, channel, article, entries, now):
        folds.append((site, channel, article, list(entries), now))
        return real(self, site, channel, article, entries, now)

    monkeypatch.setattr(RankingStore, "pend", keeping)
    api.react(api.reader(), "happy", article="a1")
    api.react(api.reader(), "happy", article="a1")
    assert _reads(client) == [("a1", 2)]
    assert _outbox(redis_client, "a1") == {}           # folded, then cleared
    # A worker whose reply was lost (a timeout, a WAIT that failed after the script ran)
    # folds the same entries again: the scope's seen mark skips them.
    for fold in folds:
        real(rankings, *fold)
    assert _reads(client) == [("a1", 2)]


def test_a_failed_fold_waits_in_the_outbox_for_the_articles_next_write(
        app, api, client, redis_client, monkeypatch):
    api.create_site(require_meta=False)
    _split(app)

    def away(self, *args, **kwargs):
        raise redis.ConnectionError("the scope's master is away")

    with monkeypatch.context() as m:
        m.setattr(RankingStore, "pend", away)
        assert api.react(api.reader(), "sad", article="a1").status_code == 200  # committed
    assert _reads(client, by="sad") == []
    assert list(_outbox(redis_client, "a1")) == ["s1"]
    assert api.react(api.reader(), "sad", article="a1").status_code == 200
    assert _reads(client, by="sad") == [("a1", 2)]
    assert _outbox(redis_client, "a1") == {}


def test_a_worker_retries_the_folds_it_saw_fail(app, api, client, clock, redis_client,
                                               monkeypatch):
    api.create_site(require_meta=False)
    _split(app)
    real = RankingStore.pend
    calls = []

    def away_once(self, *args, **kwargs):
        calls.append(args[2])
        if len(calls) == 1:
            raise redis.ConnectionError("the scope's master is away")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RankingStore, "pend", away_once)
    api.react(api.reader(), "like", article="a1")
    assert _reads(client, by="like") == []
    clock.advance(1)
    answer = api.react(api.reader(), "like", article="a2")  # another article's write
    assert _reads(client, by="like") == [("a2", 1)]
    answer.close()   # sent: the worker's retry runs now (gunicorn closes every response)
    assert _reads(client, by="like") == [("a2", 1), ("a1", 1)]
    assert calls == ["a1", "a2", "a1"]
    assert _outbox(redis_client, "a1") == {}


def test_a_missed_channel_guess_folds_through_the_outbox(app_factory, clock, redis_client):
    first, second = app_factory(CLOCK=clock), app_factory(CLOCK=clock)
    api, other = ApiHelper(first.test_client()), ApiHelper(second.test_client())
    editor = api.editor(api.create_site(require_meta=False))
    assert api.client.put("/v1/sites/gmw/articles/a1/meta", headers=editor, json={
        "title": "A", "url": "https://e.com/a1", "channel": "gansu"}).status_code == 200
    # the second worker never saw the meta write: its guess of a1's channel is wrong
    assert other.react(other.reader(), "happy", article="a1").status_code == 200
    assert _reads(other.client, channel="gansu") == [("a1", 1)]
    # one node: folded and cleared in one script, the outbox gone, no seen marks kept
    assert not redis_client.exists("xq:{gmw:a1}:ob")
    assert not redis_client.exists("xq:rk:{gmw/gansu}:sq")
    assert other.react(other.reader(), "happy", article="a1").status_code == 200  # now known
    assert not redis_client.exists("xq:{gmw:a1}:ob")
    assert _reads(api.client, channel="gansu") == [("a1", 2)]


def test_one_node_folds_what_the_outbox_holds_not_a_stale_copy(app_factory, clock,
                                                               redis_client, monkeypatch):
    """One node clears an emptied outbox, so its numbers restart: a worker folding late with
    an old copy of "c1" must fold the entry "c1" now names (once), not its copy."""
    first = app_factory(CLOCK=clock)
    api = ApiHelper(first.test_client())
    editor = api.editor(api.create_site(require_meta=False))
    assert api.client.put("/v1/sites/gmw/articles/a1/meta", headers=editor, json={
        "title": "A", "url": "https://e.com/a1", "channel": "gansu"}).status_code == 200
    captured = []
    real = RankingStore.pend

    def late(self, site, channel, article, entries, now):
        captured.append((self, site, channel, article, list(entries), now))
        raise redis.ConnectionError("this worker stalls before folding")

    monkeypatch.setattr(RankingStore, "pend", late)
    stalled = ApiHelper(app_factory(CLOCK=clock).test_client())   # never saw the meta
    assert stalled.react(stalled.reader(), "happy", article="a1").status_code == 200
    stale = captured.pop()
    assert [e.field for e in stale[4]] == ["c1"]
    real(*stale)                       # another worker's sweep folds "c1" (happy): cleared
    assert not redis_client.exists("xq:{gmw:a1}:ob")
    fresh = ApiHelper(app_factory(CLOCK=clock).test_client())
    assert fresh.react(fresh.reader(), "sad", article="a1").status_code == 200
    assert [e.field for e in captured.pop()[4]] == ["c1"]   # the number again, a sad vote
    real(*stale)                       # the stalled worker, late, with its copy of "c1"
    monkeypatch.undo()
    assert _reads(api.client, by="happy", channel="gansu") == [("a1", 1)]
    assert _reads(api.client, by="sad", channel="gansu") == [("a1", 1)]
    assert not redis_client.exists("xq:{gmw:a1}:ob")


def test_a_fold_too_few_replicas_have_keeps_its_entries(app, api, client, redis_client,
                                                       monkeypatch):
    """Cluster: the article's write was acknowledged, the fold into the scope (another
    master, say one left without a replica) was not. The vote is safe, so it is answered
    200; the entries stay in the outbox (the fold may die with its master), and the next
    fold finds them folded if this one survived (seen mark): once either way."""
    from service.store import connection

    api.create_site(require_meta=False)
    _split(app)
    real = RankingStore.pend

    def short(self, *args, **kwargs):
        claimed = real(self, *args, **kwargs)
        connection._deferral.behind = connection.ReplicasBehind(0, 1, 450)
        return claimed

    with monkeypatch.context() as m:
        m.setattr(RankingStore, "pend", short)
        assert api.react(api.reader(), "meh", article="a1").status_code == 200
    assert list(_outbox(redis_client, "a1")) == ["s1"]
    assert _reads(client, by="meh") == [("a1", 1)]    # this fold survived
    assert api.react(api.reader(), "meh", article="a1").status_code == 200
    assert _reads(client, by="meh") == [("a1", 2)]
    assert _outbox(redis_client, "a1") == {}
