"""Limits that hold against one determined client.

IPv6 addresses count by /64; one write budget per client network is shared by every reader
write (plus per-endpoint caps); the moving window allows no double burst at a window edge;
limiter keys live under XINQING_KEY_PREFIX and hold no raw address; during a Redis outage a
rate-limited endpoint's 503 carries the same Retry-After as the others.
"""

from __future__ import annotations

import pytest

from conftest import ADMIN_TOKEN, RedisServer

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _limited(app_factory, **rates):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **rates)
    client = app.test_client()
    assert client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN).status_code == 201
    return app, client


def _reader(client, remote):
    r = client.post("/v1/sites/gmw/readers", environ_base={"REMOTE_ADDR": remote})
    assert r.status_code == 201, r.get_json()
    return {"X-Reader-Token": r.get_json()["reader_token"]}


def test_ipv6_addresses_of_one_64_share_a_budget(app_factory):
    _, client = _limited(app_factory, READER_RATE="2/minute")

    def hit(remote):
        return client.post("/v1/sites/gmw/readers", environ_base={"REMOTE_ADDR": remote}).status_code

    assert [hit(f"2001:db8:1:2::{i}") for i in (1, 2, 3)] == [201, 201, 429]
    assert hit("2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert hit("2001:db8:1:3::1") == 201          # the next /64 is another client
    assert [hit("198.51.100.1"), hit("198.51.100.1"), hit("198.51.100.2")] == [201, 201, 201]
    assert hit("198.51.100.1") == 429             # IPv4 counts per address
    assert hit("::ffff:198.51.100.1") == 429      # also written as a mapped IPv6 address


def test_reader_writes_share_one_budget_per_address(app_factory):
    _, client = _limited(app_factory, WRITE_RATE="4/minute")
    remote = {"REMOTE_ADDR": "198.51.100.20"}
    reader = _reader(client, "198.51.100.20")
    writes = [
        client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "happy"},
                   headers=reader, environ_base=remote),
        client.post("/v1/sites/gmw/articles/a/shares", json={"channel": "wechat"},
                    headers=reader, environ_base=remote),
        client.post("/v1/sites/gmw/articles/a/views", headers=reader, environ_base=remote),
        client.post("/v1/sites/gmw/articles/a/comments", json={"body": "好"}, headers=reader,
                    environ_base=remote),
    ]
    assert [w.status_code for w in writes] == [200, 200, 200, 201], [w.get_json() for w in writes]
    cid = writes[-1].get_json()["id"]
    for over in (
        client.put(f"/v1/sites/gmw/comments/{cid}/vote", json={"vote": "up"}, headers=reader,
                   environ_base=remote),
        client.put("/v1/sites/gmw/articles/b/reactions/mine", json={"mood": "sad"},
                   headers=reader, environ_base=remote),
        client.post("/v1/sites/gmw/articles/b/views", headers=reader, environ_base=remote),
    ):
        assert over.status_code == 429, over.get_json()
        assert int(over.headers["Retry-After"]) > 0
    # another address has its own budget
    other = {"REMOTE_ADDR": "198.51.100.21"}
    assert client.post("/v1/sites/gmw/articles/b/views", headers=reader,
                       environ_base=other).status_code == 200


def test_per_endpoint_caps_still_apply(app_factory):
    _, client = _limited(app_factory, WRITE_RATE="100/minute", COMMENT_RATE="2/minute")
    remote = {"REMOTE_ADDR": "198.51.100.30"}
    codes = []
    for i in range(3):
        reader = _reader(client, "198.51.100.30")
        codes.append(client.post("/v1/sites/gmw/articles/a/comments", json={"body": f"第{i}条"},
                                 headers=reader, environ_base=remote).status_code)
    assert codes == [201, 201, 429]


def test_the_window_moves(app_factory, redis_client, monkeypatch):
    """Fixed windows let a client spend a whole budget just before a window's end and again
    just after it; a moving window counts the last window's length from every hit."""
    import limits.storage.memory as memory

    now = [1_800_000_000.0]

    class Clock:
        @staticmethod
        def time():
            return now[0]

    monkeypatch.setattr(memory, "time", Clock)
    # a client passed in: limits count in memory (with this clock), not in Redis
    _, client = _limited(app_factory, READER_RATE="3/minute", REDIS_CLIENT=redis_client)

    def hit():
        return client.post("/v1/sites/gmw/readers",
                           environ_base={"REMOTE_ADDR": "198.51.100.40"}).status_code

    assert hit() == 201
    now[0] += 50
    assert [hit(), hit()] == [201, 201]      # three in the first minute
    now[0] += 11                              # a fixed window would start afresh here
    assert [hit(), hit()] == [201, 429]       # only the first hit has left the last minute
    now[0] += 50
    assert [hit(), hit(), hit()] == [201, 201, 429]


def test_limiter_keys_are_prefixed_and_hold_no_address(redis_server, redis_client, app_factory):
    if redis_server is None:
        pytest.fail("needs redis-server", pytrace=False)
    app = app_factory(RATELIMIT_ENABLED=True, KEY_PREFIX="xqtest", PROXY_HOPS=1)
    client = app.test_client()
    client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
    for forwarded in ("203.0.113.77", "2001:db8:abcd:12::77"):
        headers = {"X-Forwarded-For": forwarded}
        token = client.post("/v1/sites/gmw/readers", headers=headers).get_json()["reader_token"]
        headers["X-Reader-Token"] = token
        assert client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "happy"},
                          headers=headers).status_code == 200
        client.post("/v1/sites/gmw/articles/a/shares", json={"channel": "qq"},
                    headers={"X-Forwarded-For": forwarded})
        client.post("/v1/sites/gmw/articles/a/views", headers={"X-Forwarded-For": forwarded})
    keys = redis_client.keys("*")
    limiter_keys = [k for k in keys if "limit" in k.lower()]
    assert limiter_keys, keys
    assert all(k.startswith("xqtest:") for k in keys), [k for k in keys if not k.startswith("xqtest:")]
    stored = " ".join(keys + [str(redis_client.dump(k)) for k in keys])
    for leak in ("203.0.113", "2001:db8", "2001-db8", "203-0-113"):
        assert leak not in stored, leak


def test_a_limited_endpoint_has_the_same_retry_after_in_an_outage(redis_server, app_factory):
    if redis_server is None:
        pytest.fail("needs redis-server", pytrace=False)
    doomed = RedisServer()
    app = app_factory(REDIS_URL=doomed.url, RATELIMIT_ENABLED=True, RETRY_AFTER=9)
    client = app.test_client()
    client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
    reader = _reader(client, "198.51.100.50")
    assert client.post("/v1/sites/gmw/articles/a/views", headers=reader).status_code == 200
    doomed.stop()
    answers = [client.get("/v1/sites/gmw/articles/a/reactions"),
               client.put("/v1/sites/gmw/articles/a/reactions/mine", json={"mood": "happy"},
                          headers=reader),
               client.post("/v1/sites/gmw/articles/a/views", headers=reader),
               client.post("/v1/sites/gmw/readers")]
    assert [a.status_code for a in answers] == [503] * 4, [a.get_json() for a in answers]
    assert [a.headers["Retry-After"] for a in answers] == ["9"] * 4
