"""Request ids, metrics and JSON logs through the Flask client (see also test_ops_gunicorn.py)."""

from __future__ import annotations

import json
import logging

import pytest

from service.logs import JsonFormatter, client_network

from conftest import ADMIN_TOKEN, RedisServer, promtool_check_metrics


# -- request ids ----------------------------------------------------------------------------

def test_request_id_is_echoed_or_generated(api):
    r = api.client.get("/healthz", headers={"X-Request-ID": "cdn-7f3a:42"})
    assert r.headers["X-Request-ID"] == "cdn-7f3a:42"
    generated = api.client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32 and generated != api.client.get("/healthz").headers["X-Request-ID"]
    # not something we would echo into a log or a header
    r = api.client.get("/healthz", headers={"X-Request-ID": "a b\"c" + "x" * 200})
    assert r.headers["X-Request-ID"] != "a b\"c" + "x" * 200 and len(r.headers["X-Request-ID"]) == 32


def test_errors_carry_the_request_id_too(api):
    r = api.client.get("/v1/sites/nope/articles/a1/reactions", headers={"X-Request-ID": "r-1"})
    assert r.status_code == 404 and r.headers["X-Request-ID"] == "r-1"

# -- metrics ----------------------------------------------------------------------------------

def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def test_metrics_count_requests_reactions_shares_views_and_redis(api):
    api.create_site()
    reader = api.reader()
    api.react(reader, "happy")
    api.react(reader, "sad")
    api.retract(reader)
    api.client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "weibo"}, headers=reader)
    api.client.post("/v1/sites/gmw/articles/a1/views", headers=reader)
    r = api.client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    s = _samples(r.get_data(as_text=True))
    route = "/v1/sites/<site>/articles/<article>/reactions/mine"
    assert s[f'xinqing_http_requests_total{{method="PUT",route="{route}",status="200"}}'] == 2
    assert s[f'xinqing_http_request_duration_seconds_count{{method="PUT",route="{route}"}}'] == 2
    assert s['xinqing_reactions_total{mood="happy",site="gmw"}'] == 1
    assert s['xinqing_reactions_total{mood="sad",site="gmw"}'] == 1
    assert s['xinqing_reaction_retractions_total{site="gmw"}'] == 1
    assert s['xinqing_shares_total{channel="weibo",site="gmw"}'] == 1
    assert s['xinqing_views_total{site="gmw"}'] == 1
    # a vote is a pipeline (the reader's index entry, then the script); the rest scripts
    assert (s['xinqing_redis_command_duration_seconds_count{command="EVALSHA"}']
            + s.get('xinqing_redis_command_duration_seconds_count{command="PIPELINE"}', 0)) >= 5
    assert any(k.startswith("xinqing_http_requests_total") and 'route="unmatched"' not in k
               for k in s)


def test_metrics_content_type_and_promtool(api):
    api.create_site()
    api.react(api.reader(), "happy")
    api.client.get("/no/such/path")
    r = api.client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    content_type = r.headers["Content-Type"]
    assert content_type.startswith("text/plain; version=") and content_type.count("charset") == 1
    promtool_check_metrics(r.get_data(as_text=True))


def test_unmatched_paths_share_one_label(api):
    for i in range(3):
        api.client.get(f"/no/such/path/{i}")
    s = _samples(api.client.get("/metrics").get_data(as_text=True))
    assert s['xinqing_http_requests_total{method="GET",route="unmatched",status="404"}'] == 3


def test_metrics_token(app_factory):
    app = app_factory(METRICS_TOKEN="metrics-token-0123456789")
    client = app.test_client()
    r = client.get("/metrics")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}
                      ).status_code == 401
    for token in ("metrics-token-0123456789", ADMIN_TOKEN):
        assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}
                          ).status_code == 200


def test_redis_errors_are_counted(redis_server, app_factory):
    if redis_server is None:
        pytest.skip("needs redis-server")
    doomed = RedisServer()
    app = app_factory(REDIS_URL=doomed.url)
    client = app.test_client()
    client.post("/v1/admin/sites", json={"site": "gmw"},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    doomed.stop()
    r = client.get("/v1/sites/gmw/articles/a1/shares")
    assert r.status_code == 503 and r.headers["Retry-After"]
    s = _samples(client.get("/metrics").get_data(as_text=True))
    assert sum(v for k, v in s.items() if k.startswith("xinqing_redis_errors_total")) >= 1

# -- logs and settings ------------------------------------------------------------------------

def test_json_log_line_shape(app, caplog):
    caplog.set_level(logging.INFO, logger="xinqing.access")
    client = app.test_client()
    client.get("/healthz?token=secret-in-query", headers={"X-Request-ID": "log-1",
                                                          "X-Reader-Token": "tok.secret"})
    record = next(r for r in caplog.records if r.name == "xinqing.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["logger"] == "xinqing.access" and line["level"] == "INFO"
    assert line["request_id"] == "log-1"
    assert line["status"] == 200 and line["route"] == "/healthz" and line["path"] == "/healthz"
    assert line["duration_ms"] >= 0 and line["method"] == "GET"
    assert line["client_network"] == "127.0.0.0/24"
    text = json.dumps(line)
    assert "secret" not in text and "127.0.0.1" not in text


def test_client_network_truncates():
    assert client_network("203.0.113.77") == "203.0.113.0/24"
    assert client_network("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert client_network(None) is None and client_network("junk") == "unknown"
