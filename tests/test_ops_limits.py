"""Rate limits on every write, behind proxies and with Redis down (see also test_ops_gunicorn.py)."""

from __future__ import annotations

import time

import pytest

from conftest import ADMIN_TOKEN, RedisServer


# -- limits -----------------------------------------------------------------------------------

def test_limit_answers_429_json_with_retry_after(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      READER_RATE="2/minute")
    client = app.test_client()
    client.post("/v1/admin/sites", json={"site": "gmw"},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    codes = [client.post("/v1/sites/gmw/readers").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    r = client.post("/v1/sites/gmw/readers")
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 60
    assert r.headers["Cache-Control"] == "no-store"


def test_editor_writes_are_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      EDITOR_RATE="2/minute")
    client = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    codes = [client.post("/v1/admin/sites", json={"site": f"s{i}"}, headers=admin).status_code
             for i in range(3)]
    assert codes == [201, 201, 429]


def test_limits_follow_the_proxy_hops_setting(app_factory):
    def hits(app, forwarded):
        client = app.test_client()
        return [client.post("/v1/sites/gmw/readers",
                            headers={"X-Forwarded-For": f"{f}, 10.0.0.1"}).status_code
                for f in forwarded]

    limited = dict(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   READER_RATE="1/minute")
    behind = app_factory(PROXY_HOPS=2, **limited)
    behind.test_client().post("/v1/admin/sites", json={"site": "gmw"},
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    # two hops trusted: each forwarded client has its own budget
    assert hits(behind, ["198.51.100.1", "198.51.100.2", "198.51.100.1"]) == [201, 201, 429]
    # no hops trusted: forged X-Forwarded-For does not buy a fresh budget
    direct = app_factory(**limited)
    assert hits(direct, ["198.51.100.3", "198.51.100.4"]) == [201, 429]


def test_limits_survive_redis_down(redis_server, app_factory):
    """Limits fall back to per-process memory; the request answers 503, not 500, and fast."""
    if redis_server is None:
        pytest.skip("needs redis-server")
    doomed = RedisServer()
    app = app_factory(REDIS_URL=doomed.url, RATELIMIT_ENABLED=True, READER_RATE="3/minute")
    client = app.test_client()
    client.post("/v1/admin/sites", json={"site": "gmw"},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    r = client.post("/v1/sites/gmw/readers")
    assert r.status_code == 201
    reader = {"X-Reader-Token": r.get_json()["reader_token"]}
    doomed.stop()
    started = time.monotonic()
    r = client.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                   headers=reader)
    assert r.status_code == 503, r.get_json()
    assert r.get_json()["error"]["code"] == "storage_unavailable"
    assert time.monotonic() - started < 5
    # the in-memory fallback keeps limiting while Redis is away
    codes = [client.post("/v1/sites/gmw/readers").status_code for _ in range(5)]
    assert 500 not in codes and 429 in codes, codes
