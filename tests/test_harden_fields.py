"""Fields safe to drop into a page.

Meta `url` and `image` are absolute http(s) URLs without quotes, spaces or angle brackets;
titles, summaries, names and bodies carry no C0/C1 control characters and no bidi
overrides; a body of only invisible characters is empty. Checked through the HTTP API, and
on the way out for meta stored before these rules.
"""

from __future__ import annotations

import pytest

BAD_URLS = [
    'https://www.example.com/a"onmouseover="alert(1)',
    "https://www.example.com/a'b",
    "https://www.example.com/a b",
    "https://www.example.com/<script>",
    "https://www.example.com/a>b",
    "https://www.example.com/a`b",
    "https://www.example.com/a\\b",
    "https://www.example.com/a\u3000b",
    "https://www.example.com/a\x85b",
    "https://www.example.com/a\u202eb",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "//www.example.com/a",
    "/relative/path",
    "ftp://www.example.com/a",
]


def _bad_fields(response) -> dict:
    """The fields a 422 names (webargs nests them under the location, "json")."""
    fields = response.get_json()["error"]["details"]["fields"]
    return fields.get("json", fields)


@pytest.fixture
def site(api):
    editor = api.editor(api.create_site("gmw"))
    return api.client, editor


def _meta(client, editor, **fields):
    body = {"title": "标题", "url": "https://www.example.com/1.html", **fields}
    return client.put("/v1/sites/gmw/articles/a1/meta", json=body, headers=editor)


@pytest.mark.parametrize("bad", BAD_URLS)
def test_unsafe_urls_are_refused(site, bad):
    client, editor = site
    for field in ("url", "image"):
        r = _meta(client, editor, **{field: bad})
        assert r.status_code == 422, (field, bad, r.get_json())
        assert field in _bad_fields(r), r.get_json()
    assert client.get("/v1/sites/gmw/articles/a1").get_json()["meta"] is None


def test_safe_urls_image_and_summary_are_kept(site):
    client, editor = site
    r = _meta(client, editor, url="https://www.example.com/新闻/1.html?from=top#c",
              image="http://img.example.com/1.jpg", summary="第一行\n第二行")
    assert r.status_code == 200, r.get_json()
    meta = client.get("/v1/sites/gmw/articles/a1").get_json()["meta"]
    assert meta["url"] == "https://www.example.com/新闻/1.html?from=top#c"
    assert meta["image"] == "http://img.example.com/1.jpg"
    assert meta["summary"] == "第一行\n第二行"


def test_titles_lose_controls_and_bidi_overrides(site):
    client, editor = site
    r = _meta(client, editor, title="\u202e标题\x07\x1b[31m\x85一\t二\u2066", summary="摘\u202d要\x00")
    assert r.status_code == 200, r.get_json()
    meta = client.get("/v1/sites/gmw/articles/a1").get_json()["meta"]
    assert meta["title"] == "标题[31m一 二"
    assert meta["summary"] == "摘要"
    for blank in ("\u200b\u3164", "\u202e\x07", "   "):
        r = _meta(client, editor, title=blank)
        assert r.status_code == 422, (blank, r.get_json())


@pytest.fixture
def commenter(api):
    api.create_site("gmw")
    reader = api.reader("gmw")

    def post(**fields):
        return api.client.post("/v1/sites/gmw/articles/a1/comments", json=fields, headers=reader)

    return post


def test_bodies_and_names_refuse_controls_and_lose_bidi_overrides(commenter):
    for body in ("好\x85评", "好\x9b31m评", "好\x00", "\x1b[2J"):
        r = commenter(body=body)
        assert r.status_code == 422, (body, r.get_json())
    for name in ("张\x85三", "张\n三", "\x1b[1m张三"):
        r = commenter(body="好评", author_name=name)
        assert r.status_code == 422, (name, r.get_json())
    r = commenter(body="好\u202e评\u2067！", author_name="张\u202e三")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["body"] == "好评！"
    assert r.get_json()["author"]["name"] == "张三"
    # line breaks and tabs stay in bodies
    r = commenter(body="第一段\n\n第二段\t完")
    assert r.status_code == 201 and r.get_json()["body"] == "第一段\n\n第二段\t完"


@pytest.mark.parametrize("invisible", [
    "\u200b\u200b",                 # zero-width spaces
    "\u3164\u3164",                 # Hangul fillers
    "\u115f\u1160\uffa0",           # more Hangul fillers
    "\u2060\ufe0f\u034f \u3000",    # word joiner, variation selector, CGJ, spaces
    "\u202e\u202c",                 # only bidi controls
    "\U000e0041\U000e0042",         # tag characters
])
def test_a_body_of_only_invisible_characters_is_empty(commenter, invisible):
    r = commenter(body=invisible)
    assert r.status_code == 422, (invisible, r.get_json())
    assert "body" in _bad_fields(r)
    # an invisible-only name falls back to the default name
    r = commenter(body="看得见" + invisible[:1], author_name=invisible)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["author"]["name"] == "网友"


def test_labels_refuse_controls_and_bidi(api):
    editor = api.editor(api.create_site("gmw"))
    for label in ("开\u202e心", "开\x1b心", "开\x85心"):
        r = api.client.patch("/v1/sites/gmw/settings", headers=editor,
                             json={"moods": [{"key": "happy", "labels": {"zh-CN": label}}]})
        assert r.status_code == 422, (label, r.get_json())


def test_meta_stored_before_the_rules_is_not_served_unsafe(app, site, redis_client):
    """Meta written by an older version (straight into Redis) is filtered on the way out."""
    client, editor = site
    assert _meta(client, editor).status_code == 200
    key = app.extensions["xinqing"].store.keys.meta("gmw", "a1")
    redis_client.hset(key, mapping={"url": 'https://e.com/"><script>x</script>',
                                    "title": "旧\u202e标题", "image": "javascript:alert(1)"})
    meta = client.get("/v1/sites/gmw/articles/a1").get_json()["meta"]
    assert meta["url"] is None and meta["image"] is None
    assert meta["title"] == "旧标题"
