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
                         "comment_duplicate_window", "comment_replies_preview", "require_meta"}
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


def test_every_label_language_is_accepted_offered_and_served(api, app):
    from schemas.common import LANG_PARAM
    from schemas.sites import LabelsOutSchema, LabelsSchema
    from service.domain.defaults import DEFAULT_MOODS, DEFAULT_SHARE_CHANNELS, LANGUAGES
    from service.web.pages import TEXT

    # one list of languages: the schemas, the lang parameter, the pages and the defaults agree
    assert sorted(f.data_key or name for name, f in LabelsSchema().fields.items()) == sorted(LANGUAGES)
    assert sorted(f.data_key or name for name, f in LabelsOutSchema().fields.items()) == sorted(LANGUAGES)
    assert LANG_PARAM["schema"]["enum"] == list(LANGUAGES) and set(TEXT) == set(LANGUAGES)
    assert all(set(item["labels"]) == set(LANGUAGES) for item in DEFAULT_MOODS + DEFAULT_SHARE_CHANNELS)

    token = api.create_site("tw")
    body = api.client.get("/v1/sites/tw/articles/a/reactions?lang=zh-TW").get_json()
    assert [m["label"] for m in body["moods"]] == ["開心", "難過", "點讚", "飄過"]
    by_header = api.client.get("/v1/sites/tw/articles/a/reactions",
                               headers={"Accept-Language": "zh-Hant-TW, en;q=0.5"}).get_json()
    assert by_header["moods"] == body["moods"]
    # a mood without a zh-TW label falls back to zh-CN; an edited zh-TW label round-trips
    r = api.client.patch("/v1/sites/tw/settings", headers=api.editor(token), json={"moods": [
        {"key": "wow", "labels": {"zh-CN": "震惊"}},
        {"key": "angry", "labels": {"zh-CN": "愤怒", "zh-TW": "憤怒"}}]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["moods"][1]["labels"] == {"zh-CN": "愤怒", "zh-TW": "憤怒"}
    body = api.client.get("/v1/sites/tw/articles/a/reactions?lang=zh-TW").get_json()
    assert [m["label"] for m in body["moods"]] == ["震惊", "憤怒"]
    bad = api.client.patch("/v1/sites/tw/settings", headers=api.editor(token), json={"moods": [
        {"key": "x", "labels": {"zh-HK": "x"}}]})
    assert bad.status_code == 422
    page = api.client.get("/s/tw/rankings?lang=zh-TW")
    assert page.status_code == 200 and "新聞表情排行" in page.get_data(as_text=True)


def test_language_tags_map_to_the_label_languages():
    from service.domain.defaults import pick_language
    cases = {("zh-TW", ()): "zh-TW", ("zh-hk", ()): "zh-TW", ("zh-Hant", ()): "zh-TW",
             ("zh-Hans-CN", ()): "zh-CN", ("zh", ()): "zh-CN", ("EN-gb", ()): "en",
             ("fr", ("de", "zh-MO")): "zh-TW", (None, ("fr",)): "zh-CN", (None, ()): "zh-CN"}
    for (requested, accepted), expected in cases.items():
        assert pick_language(requested, list(accepted)) == expected, (requested, accepted)
