"""The browser set-up itself: Debian's Chromium renders Chinese from the live service."""


def test_chromium_renders_chinese_from_a_host_page(page, host_pages, live, console):
    url = host_pages.add("/setup.html", "<!doctype html><meta charset=utf-8>"
                         "<h1 id=t>您此时的心情</h1>")
    page.goto(url)
    assert page.inner_text("#t") == "您此时的心情"
    # The glyphs come from a CJK font, not boxes: the heading is as wide as four characters
    # of a real font, not four identical fallback boxes of zero width.
    width = page.evaluate("document.getElementById('t').getBoundingClientRect().width")
    assert width > 60
    assert live.get("/healthz").status_code == 200
    assert console.errors == []


def test_assets_are_immutable_and_compressed(live):
    r = live.get("/openapi.json")
    assert r.status_code == 200
    missing = live.get("/assets/widget/nothing.0000000000.js")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
