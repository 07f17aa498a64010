"""The widget's entry points and the server pages, through the Flask client: /xinqing.js and
/xinqing-count.js caching, the public ranking page (no JavaScript), /demo and XINQING_DEMO."""

from __future__ import annotations

import re

import pytest

from conftest import ADMIN_TOKEN
from service.config import ConfigError, load_config
from service.web.demo import ARTICLES
from service.web.pages import http_url

GZIP = {"Accept-Encoding": "gzip"}


def assert_strict_page(r):
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    html = r.get_data(as_text=True)
    # nothing inline: every script has a src, no style elements or attributes
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html
    return html


def test_the_loader_is_short_lived_and_names_immutable_files(client):
    r = client.get("/xinqing.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/xinqing.js", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    gz = client.get("/xinqing.js", headers=GZIP)
    assert gz.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in gz.headers["Vary"]
    text = r.get_data(as_text=True)
    directory = re.search(r'base\+"(/assets/widget/)"', text).group(1)
    files = dict(re.findall(r'"([\w/.-]+\.(?:js|css|json))":"([0-9a-f]{10})"', text))
    assert {"core.js", "core.css", "comments.js", "count.js", "i18n/core/zh-CN.json"} <= set(files)
    for name, digest in files.items():
        stem, ext = name.rsplit(".", 1)
        asset = client.get(f"{directory}{stem}.{digest}.{ext}")
        assert asset.status_code == 200, name
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert asset.headers["Access-Control-Allow-Origin"] == "*"  # adoptedStyleSheets fetch


def test_another_releases_hash_gets_the_current_file_revalidated_not_a_404(client, app):
    core = app.extensions["xinqing_assets"].get("widget/core.js")
    old = client.get("/assets/widget/core.0123456789.js", headers=GZIP)  # a release ago
    assert old.status_code == 200 and old.headers["Cache-Control"] == "no-cache"
    assert old.headers["Content-Encoding"] == "gzip" and old.headers["ETag"] == f'"{core.digest}"'
    assert client.get("/assets/widget/core.0123456789.js").data == core.body
    revalidated = client.get("/assets/widget/core.0123456789.js",
                             headers={"If-None-Match": old.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.headers["Cache-Control"] == "no-cache"
    for path in ("/assets/widget/nothing.0123456789.js", "/assets/widget/core.js",
                 "/assets/widget/core.01234.js", "/assets/../core.0123456789.js"):
        assert client.get(path).status_code == 404, path


def test_the_count_script_is_served_at_its_fixed_url(client, app):
    r = client.get("/xinqing-count.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert r.data == app.extensions["xinqing_assets"].get("widget/count.js").body


@pytest.fixture
def ranked(api):
    """A site with three articles voted 3, 2 and 1 times `happy`; two have meta (the third
    is ranked because this site does not require meta)."""
    token = api.create_site(require_meta=False)
    for article, title, n in (("a1", "第一篇", 3), ("a2", "第二篇", 2), ("a3", None, 1)):
        if title:
            r = api.client.put(f"/v1/sites/gmw/articles/{article}/meta", headers=api.editor(token),
                               json={"title": title, "url": f"https://news.example.cn/{article}.html",
                                     "channel": "gansu" if article == "a1" else "guonei"})
            assert r.status_code == 200
        for _ in range(n):
            api.react(api.reader(), "happy", article=article)
    api.react(api.reader(), "sad", article="a3")
    return token


def test_ranking_page_lists_the_ranking_without_javascript(client, ranked):
    r = client.get("/s/gmw/rankings")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = assert_strict_page(r)
    assert "<script" not in html  # usable with JavaScript off: there is none
    items = re.findall(r'<li>\s*<span class="rank"[^>]*>(\d+)</span>\s*(.*?)\s*<span class="score">(\d+)人</span>',
                       html, re.S)
    assert [(rank, score) for rank, _, score in items] == [("1", "3"), ("2", "2"), ("3", "1")]
    assert 'href="https://news.example.cn/a1.html">第一篇</a>' in items[0][1]
    assert '<span class="title">a3</span>' in items[2][1]  # no meta: the id, no link
    # mood tabs and windows are links; the current ones are marked
    assert re.search(r'href="/s/gmw/rankings\?by=sad&amp;window=24h">.*?难过</a>', html)
    assert re.search(r'<a href="/s/gmw/rankings\?by=happy&amp;window=24h" aria-current="page">', html)
    assert 'href="/s/gmw/rankings?by=happy&amp;window=7d">一周</a>' in html
    sad = client.get("/s/gmw/rankings?by=sad&window=7d").get_data(as_text=True)
    assert sad.count('class="rank"') == 1 and '<span class="title">a3</span>' in sad


def test_ranking_page_filters_by_channel_and_is_cacheable(client, ranked):
    r = client.get("/s/gmw/rankings?channel=gansu&utm_source=wechat")
    html = r.get_data(as_text=True)
    assert html.count('class="rank"') == 1 and "第一篇" in html
    assert 'value="gansu"' in html and "全部栏目" in html
    assert r.headers["Cache-Control"] == "public, max-age=5"
    again = client.get("/s/gmw/rankings?channel=gansu&utm_source=wechat",
                       headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    # an empty channel field (the form's) means every channel
    assert client.get("/s/gmw/rankings?channel=").get_data(as_text=True).count('class="rank"') == 3


def test_ranking_page_speaks_english_and_errors_are_pages(client, ranked):
    en = client.get("/s/gmw/rankings?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Top stories by mood" in en and "Happy" in en
    by_header = client.get("/s/gmw/rankings", headers={"Accept-Language": "en"})
    assert "Top stories by mood" in by_header.get_data(as_text=True)
    assert "Accept-Language" in by_header.headers["Vary"]
    for path, status in (("/s/nosite/rankings", 404), ("/s/gmw/rankings?window=2d", 400),
                         ("/s/gmw/rankings?by=angry", 422), ("/s/Bad!/rankings", 400),
                         ("/s/gmw/rankings?limit=1000", 400)):
        r = client.get(path)
        assert r.status_code == status, path
        assert r.mimetype == "text/html" and r.headers["Cache-Control"] == "no-store"
        assert_strict_page(r)


def test_http_url_lets_only_web_links_through():
    assert http_url("https://www.gmw.cn/a.html") == "https://www.gmw.cn/a.html"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "/relative", "", None,
                "http://[bad"):
        assert http_url(bad) is None, bad


def test_demo_is_off_on_a_real_redis_unless_asked(client):
    r = client.get("/demo")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_demo_page_creates_its_site_and_articles(app_factory, clock):
    app = app_factory(CLOCK=clock, DEMO=True, DEMO_SITE="demo")
    client = app.test_client()
    r = client.get("/demo")
    assert r.status_code == 200
    html = assert_strict_page(r)
    first = ARTICLES[0]
    assert f"<h1>{first.title}</h1>" in html
    assert re.search(r'<script src="/xinqing.js" defer></script>', html)
    for kind in ("mood", "share", "comments", "rank", "views", "related", "feed"):
        assert f'data-xinqing="{kind}" data-site="demo"' in html, kind
    assert f'data-xinqing="related" data-site="demo" data-article="{first.id}"' in html
    # 推荐阅读 comes from the feed: every story is in it (each has the demo's page view)
    feed = client.get("/v1/sites/demo/feed?limit=50").get_json()
    assert {i["article"] for i in feed["items"]} == {a.id for a in ARTICLES}
    assert {i["meta"]["summary"] for i in feed["items"]} == {a.lead for a in ARTICLES}
    # the site exists, lets its own pages call it, and its articles have titles
    settings = client.get("/v1/sites/demo/settings",
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
    assert settings["allowed_origins"] == ["http://localhost"]
    summary = client.get(f"/v1/sites/demo/articles/{ARTICLES[1].id}").get_json()
    assert summary["meta"]["title"] == ARTICLES[1].title
    assert summary["meta"]["url"] == f"http://localhost/demo?article={ARTICLES[1].id}"
    other = client.get(f"/demo?article={ARTICLES[2].id}").get_data(as_text=True)
    assert f"<h1>{ARTICLES[2].title}</h1>" in other
    assert client.get("/demo?article=nope").status_code == 404


@pytest.mark.parametrize("raw, value", [("auto", "auto"), ("true", True), ("FALSE", False),
                                        ("on", True)])
def test_demo_setting(raw, value):
    assert load_config({"XINQING_DEMO": raw})["DEMO"] == value


def test_demo_setting_refuses_nonsense():
    with pytest.raises(ConfigError, match="XINQING_DEMO"):
        load_config({"XINQING_DEMO": "maybe"})
