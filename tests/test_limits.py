"""Rate limits per client address: 429 JSON with Retry-After; off switch."""

from __future__ import annotations


def test_reader_tokens_are_limited_per_address(app_factory):
    from conftest import ApiHelper

    api = ApiHelper(app_factory(RATELIMIT_ENABLED=True, READER_RATE="3/minute").test_client())
    api.create_site()
    for _ in range(3):
        assert api.client.post("/v1/sites/gmw/readers").status_code == 201
    r = api.client.post("/v1/sites/gmw/readers")
    assert r.status_code == 429
    assert r.get_json()["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # another address is not affected
    other = api.client.post("/v1/sites/gmw/readers", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 201


def test_switching_limits_off_removes_them(app_factory):
    from conftest import ApiHelper

    api = ApiHelper(app_factory(RATELIMIT_ENABLED=False, READER_RATE="1/minute").test_client())
    api.create_site()
    assert all(api.client.post("/v1/sites/gmw/readers").status_code == 201 for _ in range(5))
