"""The operators' surface: `/metrics` closed by default with a Redis URL,
editor-token rotation, secret-key rotation with a previous key, control characters escaped
in text-mode logs."""

from __future__ import annotations

import io
import logging

import pytest

from conftest import ADMIN_TOKEN, SECRET_KEY, ApiHelper

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PUBLIC_V4, PUBLIC_V6 = "203.0.113.5", "2400:cb00::1"


def _metrics(client, remote, headers=None):
    return client.get("/metrics", headers=headers or {}, environ_base={"REMOTE_ADDR": remote})


# -- /metrics ---------------------------------------------------------------------------------

def test_metrics_are_closed_to_the_public_once_redis_is_configured(app):
    assert app.config["REDIS_URL"] or app.config.get("REDIS_CLIENT")
    client = app.test_client()
    for remote in (PUBLIC_V4, PUBLIC_V6, "8.8.8.8"):
        r = _metrics(client, remote)
        assert r.status_code == 401, (remote, r.status_code)
        assert r.get_json()["error"]["code"] == "unauthorized"
    for remote in ("127.0.0.1", "::1", "10.1.2.3", "172.20.0.4", "192.168.1.9", "fd00::7"):
        assert _metrics(client, remote).status_code == 200, remote
    assert _metrics(client, PUBLIC_V4, ADMIN).status_code == 200
    assert _metrics(client, PUBLIC_V4, {"Authorization": "Bearer not-the-token-0123"}).status_code == 401


def test_behind_a_proxy_the_forwarded_client_decides(app_factory):
    client = app_factory(PROXY_HOPS=1).test_client()
    r = client.get("/metrics", headers={"X-Forwarded-For": PUBLIC_V4},
                   environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert r.status_code == 401
    r = client.get("/metrics", headers={"X-Forwarded-For": "10.0.0.8"},
                   environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert r.status_code == 200


def test_a_metrics_token_is_required_from_everywhere_once_set(app_factory):
    client = app_factory(METRICS_TOKEN="metrics-token-0123456789").test_client()
    assert _metrics(client, "127.0.0.1").status_code == 401
    assert _metrics(client, PUBLIC_V4, {"Authorization": "Bearer metrics-token-0123456789"}
                    ).status_code == 200


def test_the_embedded_store_keeps_metrics_open(redis_server):
    from service import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    assert not app.config["REDIS_URL"]
    assert _metrics(app.test_client(), PUBLIC_V4).status_code == 200


# -- editor tokens ----------------------------------------------------------------------------

def test_editor_token_rotation(app_factory):
    first, second = app_factory(), app_factory()  # two workers, each with a settings cache
    api = ApiHelper(first.test_client())
    old = api.create_site("gmw")
    other = second.test_client()
    assert other.get("/v1/sites/gmw/settings", headers=api.editor(old)).status_code == 200
    r = api.client.post("/v1/admin/sites/gmw/editor-token", headers=ADMIN)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["site"] == "gmw" and body["editor_token"] != old
    new = body["editor_token"]
    for client in (api.client, other):
        r = client.get("/v1/sites/gmw/settings", headers=api.editor(old))
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
        assert client.get("/v1/sites/gmw/settings", headers=api.editor(new)).status_code == 200
    # only the operator may rotate, and only a site that exists
    assert api.client.post("/v1/admin/sites/gmw/editor-token").status_code == 401
    assert api.client.post("/v1/admin/sites/gmw/editor-token",
                           headers=api.editor(new)).status_code in (401, 403)
    assert api.client.get("/v1/sites/gmw/settings", headers=api.editor(new)).status_code == 200
    r = api.client.post("/v1/admin/sites/nosuch/editor-token", headers=ADMIN)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "site_not_found"
    assert api.client.post("/v1/admin/sites/BAD%0A/editor-token", headers=ADMIN).status_code == 400


def test_editor_token_rotation_from_the_command_line(api, redis_server, monkeypatch, capsys):
    from service.cli import main

    old = api.create_site("gmw")
    monkeypatch.setenv("XINQING_REDIS_URL", redis_server.url)
    assert main(["sites", "rotate-token", "gmw"]) == 0
    new = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    assert new.startswith("xqe_") and new != old
    api.client.application.extensions["xinqing"].sites._cache.clear()
    assert api.client.get("/v1/sites/gmw/settings", headers=api.editor(old)).status_code == 401
    assert api.client.get("/v1/sites/gmw/settings", headers=api.editor(new)).status_code == 200
    assert main(["sites", "rotate-token", "nosuch"]) == 1


# -- secret key -------------------------------------------------------------------------------

NEW_KEY = "a-brand-new-secret-key-0123456789"


def test_secret_key_rotation_keeps_readers_during_the_grace_period(app_factory):
    before = app_factory()                       # the old key
    api = ApiHelper(before.test_client())
    editor = api.editor(api.create_site("gmw"))
    reader = api.reader("gmw")
    assert api.react(reader, "happy").status_code == 200
    for i in range(3):
        api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": f"评论{i}"},
                        headers=api.reader("gmw"))
    cursor = api.client.get("/v1/sites/gmw/articles/a1/comments?limit=1").get_json()["next_cursor"]
    troll = api.reader("gmw")
    cid = api.client.post("/v1/sites/gmw/articles/a1/comments", json={"body": "捣乱"},
                          headers=troll).get_json()["id"]
    assert api.client.post(f"/v1/sites/gmw/comments/{cid}/ban", json={},
                           headers=editor).status_code == 200

    rotated = app_factory(SECRET_KEY=NEW_KEY, SECRET_KEY_PREVIOUS=SECRET_KEY).test_client()
    r = rotated.get("/v1/sites/gmw/articles/a1/reactions", headers=reader)
    assert r.status_code == 200 and r.get_json()["mine"] == "happy"
    refreshed = r.headers["X-Reader-Token-Refresh"]
    assert refreshed != reader["X-Reader-Token"]
    # signed with the new key: the same reader, accepted once the old key is gone
    after = app_factory(SECRET_KEY=NEW_KEY).test_client()
    assert after.get("/v1/sites/gmw/articles/a1/reactions", headers=reader).status_code == 401
    r = after.put("/v1/sites/gmw/articles/a1/reactions/mine", json={"mood": "happy"},
                  headers=reader)
    assert r.status_code == 401
    r = after.get("/v1/sites/gmw/articles/a1/reactions",
                  headers={"X-Reader-Token": refreshed})
    assert r.status_code == 200 and r.get_json()["mine"] == "happy"
    assert "X-Reader-Token-Refresh" not in r.headers
    # cursors and bans made under the old key still hold during the grace period
    r = rotated.get("/v1/sites/gmw/articles/a1/comments", query_string={"cursor": cursor, "limit": 1})
    assert r.status_code == 200, r.get_json()
    r = rotated.post("/v1/sites/gmw/articles/a1/comments", json={"body": "又来了"}, headers=troll)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "reader_banned"


def test_the_previous_key_is_checked_like_the_key(app_factory):
    from service.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="XINQING_SECRET_KEY_PREVIOUS"):
        load_config({"XINQING_SECRET_KEY_PREVIOUS": "short"})
    assert load_config({"XINQING_SECRET_KEY_PREVIOUS": "x" * 20})["SECRET_KEY_PREVIOUS"] == "x" * 20


# -- logs -------------------------------------------------------------------------------------

def test_text_logs_escape_control_characters(app_factory):
    from service.logs import TextFormatter

    app = app_factory(LOG_FORMAT="text")
    client = app.test_client()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(TextFormatter())
    access = logging.getLogger("xinqing.access")
    access.addHandler(handler)
    try:
        client.get("/v1/sites/gmw/articles/a1%0A2026-01-01%20INFO%20forged%1B[31m%C2%85x/reactions")
        client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": "id\u2028x"})
    finally:
        access.removeHandler(handler)
    text = out.getvalue()
    assert text.count("\n") == 2, text
    assert "\x1b" not in text and "\x85" not in text and "\u2028" not in text
    assert "\\n2026-01-01" in text and "\\x1b" in text
    record = logging.LogRecord("xinqing", logging.WARNING, __file__, 1, "bad\r\nline %s",
                               ("\u202eevil",), None)
    record.fields = {"path": "/a\nb"}
    line = TextFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\u202e" not in line
