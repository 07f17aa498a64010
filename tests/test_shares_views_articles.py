"""Shares, views and article summaries through the API."""

from __future__ import annotations

CHANNELS = ["wechat", "moments", "weibo", "qq", "qzone", "link", "native"]


def test_share_counts_every_channel_once_per_reader_and_hour(api, clock):
    api.create_site()
    reader = api.reader()
    r = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "wechat"}, headers=reader)
    assert r.status_code == 200
    body = r.get_json()
    assert list(body["counts"]) == CHANNELS and body["counts"]["wechat"] == 1 and body["total"] == 1
    assert body["counted"] is True
    again = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "wechat"},
                            headers=reader).get_json()
    assert again["counts"]["wechat"] == 1 and again["counted"] is False
    clock.advance(3600)
    later = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "wechat"},
                            headers=reader).get_json()
    assert later["counts"]["wechat"] == 2
    got = api.client.get("/v1/sites/gmw/articles/a1/shares").get_json()
    assert {k: got[k] for k in ("counts", "total")} == {
        "counts": {**dict.fromkeys(CHANNELS, 0), "wechat": 2}, "total": 2}
    assert [c["key"] for c in got["channels"]] == CHANNELS


def test_tokenless_shares_count_and_bad_tokens_are_refused(api):
    api.create_site()
    for _ in range(2):
        r = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "weibo"})
        assert r.status_code == 200
    assert r.get_json()["counts"]["weibo"] == 2
    r = api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "weibo"},
                        headers={"X-Reader-Token": "forged.token"})
    assert r.status_code == 401


def test_views_count_once_per_visitor_per_slot(api, clock):
    api.create_site()
    reader = api.reader()
    first = api.client.post("/v1/sites/gmw/articles/a1/views", headers=reader).get_json()
    assert first == {"pv": 1, "uv": 1, "counted": True}
    assert api.client.post("/v1/sites/gmw/articles/a1/views", headers=reader).get_json()["pv"] == 1
    anon = api.client.post("/v1/sites/gmw/articles/a1/views").get_json()
    assert anon["pv"] == 2 and anon["uv"] == 2
    clock.advance(600)
    assert api.client.post("/v1/sites/gmw/articles/a1/views", headers=reader).get_json()["pv"] == 3


def test_summary_and_batch(api):
    api.create_site()
    reader = api.reader()
    api.react(reader, "like", article="x1")
    api.client.post("/v1/sites/gmw/articles/x1/shares", json={"channel": "qq"}, headers=reader)
    api.client.post("/v1/sites/gmw/articles/x1/views", headers=reader)
    one = api.client.get("/v1/sites/gmw/articles/x1").get_json()
    assert one == {
        "article": "x1", "meta": None,
        "reactions": {"counts": {"happy": 0, "sad": 0, "like": 1, "meh": 0}, "total": 1},
        "shares": {"counts": {**dict.fromkeys(CHANNELS, 0), "qq": 1}, "total": 1},
        "views": {"pv": 1, "uv": 1}, "comments": {"count": 0},
    }
    batch = api.client.get("/v1/sites/gmw/articles?ids=nothing,x1,nothing").get_json()["items"]
    assert [item["article"] for item in batch] == ["nothing", "x1", "nothing"]
    assert batch[1] == one and batch[0]["reactions"]["total"] == 0


def test_batch_is_one_round_trip(api, app, monkeypatch):
    import time

    api.create_site()
    store = app.extensions["xinqing"].store
    directory = app.extensions["xinqing"].sites
    deadline = time.monotonic() + 5
    while not directory._live and time.monotonic() < deadline:  # settings cache warm and live
        api.client.get("/v1/sites/gmw/articles/warm")
        time.sleep(0.01)
    api.client.get("/v1/sites/gmw/articles/warm")
    calls = []
    real = store.client.pipeline

    def counting_pipeline(*args, **kwargs):
        pipe = real(*args, **kwargs)
        original = pipe.execute
        pipe.execute = lambda *a, **k: calls.append(len(pipe.command_stack)) or original(*a, **k)
        return pipe

    monkeypatch.setattr(store.client, "pipeline", counting_pipeline)
    monkeypatch.setattr(store.client, "hgetall", lambda *a: (_ for _ in ()).throw(AssertionError("extra round trip")))
    ids = ",".join(f"a{i}" for i in range(100))
    assert api.client.get(f"/v1/sites/gmw/articles?ids={ids}").status_code == 200
    assert len(calls) == 1 and calls[0] >= 100
