"""Sites and settings: operator creation, editor settings, and settings caches that stay exact."""

from __future__ import annotations

from conftest import ADMIN_TOKEN, ApiHelper

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_create_site_needs_the_admin_token_and_conflicts(api):
    r = api.client.post("/v1/admin/sites", json={"site": "gmw"})
    assert r.status_code == 401
    r = api.client.post("/v1/admin/sites", json={"site": "gmw"},
                        headers={"Authorization": "Bearer not-the-admin-token"})
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"
    token = api.create_site("gmw")
    assert token.startswith("xqe_")
    r = api.client.post("/v1/admin/sites", json={"site": "gmw"}, headers=ADMIN)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "site_exists"


def test_create_with_custom_moods_channels_timezone(api):
    moods = [{"key": "wow", "labels": {"zh-CN": "震惊"}, "emoji": "😮"},
             {"key": "angry", "labels": {"zh-CN": "愤怒", "en": "Angry"}}]
    token = api.create_site("custom", moods=moods, share_channels=[
        {"key": "douyin", "labels": {"zh-CN": "抖音"}}], timezone="Europe/Berlin")
    settings = api.client.get("/v1/sites/custom/settings", headers=api.editor(token)).get_json()
    assert [m["key"] for m in settings["moods"]] == ["wow", "angry"]
    assert settings["timezone"] == "Europe/Berlin"
    assert settings["share_channels"] == [{"key": "douyin", "labels": {"zh-CN": "抖音"}}]
    body = api.client.get("/v1/sites/custom/articles/a/reactions?lang=en").get_json()
    assert body["moods"] == [{"key": "wow", "label": "震惊", "emoji": "😮"},
                             {"key": "angry", "label": "Angry", "emoji": ""}]


def test_bad_site_definitions_are_rejected(api):
    for body in (
        {"site": "Bad_Name"},
        {"site": "gmw", "timezone": "Mars/Base"},
        {"site": "gmw", "moods": []},
        {"site": "gmw", "moods": [{"key": "a", "labels": {}}]},
        {"site": "gmw", "moods": [{"key": "a", "labels": {"zh-CN": "x"}}] * 2},
        {"site": "gmw", "bogus": True},
        {"site": "gmw", "allowed_origins": ["javascript:alert(1)"]},
        {"site": "gmw", "cache_max_age": 10**12},
    ):
        r = api.client.post("/v1/admin/sites", json=body, headers=ADMIN)
        assert r.status_code in (400, 422), (body, r.get_json())
        assert "error" in r.get_json()
    assert api.client.get("/v1/sites/gmw/articles/a/reactions").status_code == 404


def test_settings_need_the_sites_editor_token(api):
    gmw = api.create_site("gmw")
    other = api.create_site("other")
    assert api.client.get("/v1/sites/gmw/settings").status_code == 401
    assert api.client.get("/v1/sites/gmw/settings", headers=api.editor(other)).status_code == 401
    r = api.client.get("/v1/sites/gmw/settings", headers=api.editor(gmw))
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"site", "timezone", "moods", "share_channels", "allowed_origins",
                         "moderation", "banned_words", "banned_words_action", "cache_max_age",
                         "comment_max_length", "comment_max_links", "comment_links_action",
                         "comment_duplicate_window", "comment_replies_preview"}
    assert "editor_token_sha256" not in r.get_data(as_text=True)
    assert api.client.get("/v1/sites/gmw/settings", headers=ADMIN).status_code == 200


def test_patch_returns_whole_settings_and_rejects_unknown_keys(api):
    editor = api.editor(api.create_site())
    r = api.client.patch("/v1/sites/gmw/settings", json={"moderation": "pre",
                                                         "banned_words": ["坏词"]}, headers=editor)
    assert r.status_code == 200
    body = r.get_json()
    assert body["moderation"] == "pre" and body["banned_words"] == ["坏词"]
    assert body["timezone"] == "Asia/Shanghai" and len(body["moods"]) == 4
    r = api.client.patch("/v1/sites/gmw/settings", json={"nope": 1}, headers=editor)
    assert r.status_code == 422
    r = api.client.patch("/v1/sites/gmw/settings", json={"moderation": "never"}, headers=editor)
    assert r.status_code == 422
    assert api.client.get("/v1/sites/gmw/settings", headers=editor).get_json()["moderation"] == "pre"


def test_patch_holds_on_every_worker_at_once(app_factory, redis_server):
    """Two apps (two workers) with settings caches: a PATCH on one is seen by the other next."""
    import time

    worker_a = ApiHelper(app_factory().test_client())
    worker_b = ApiHelper(app_factory().test_client())
    editor = worker_a.editor(worker_a.create_site())
    # warm both caches, and wait until both settings subscriptions are live
    deadline = time.monotonic() + 5
    for helper in (worker_a, worker_b):
        directory = helper.client.application.extensions["xinqing"].sites
        while True:
            helper.reactions()
            if directory._live or redis_server is None or time.monotonic() > deadline:
                break
            time.sleep(0.02)
    for i in range(40):
        moods = [{"key": f"m{i}", "labels": {"zh-CN": f"心情{i}"}}]
        r = worker_a.client.patch("/v1/sites/gmw/settings", json={"moods": moods}, headers=editor)
        assert r.status_code == 200
        seen = worker_b.reactions().get_json()
        assert list(seen["counts"]) == [f"m{i}"], i
        reader = worker_b.reader()
        assert worker_b.react(reader, f"m{i}").status_code == 200
