"""PNGs of /demo (light and dark, desktop and phone) and of the public ranking page, for the
README. Every test run renders them (into pytest's temporary directory, so a test run leaves
the tree clean); `make screenshots` sets UPDATE_SCREENSHOTS=1 to write docs/screenshots/."""

from __future__ import annotations

import struct

import pytest
from playwright.sync_api import expect

from service.web.demo import ARTICLES

SHOTS = {
    "demo-desktop-light": ({"width": 1280, "height": 900}, "light", False),
    "demo-desktop-dark": ({"width": 1280, "height": 900}, "dark", False),
    "demo-phone-light": ({"width": 390, "height": 844}, "light", True),
    "demo-phone-dark": ({"width": 390, "height": 844}, "dark", True),
}


@pytest.fixture(scope="module")
def demo_with_activity(live):
    """The live service's demo site with some readers' moods, shares and comments."""
    assert live.get("/demo").status_code == 200  # makes the demo site and its articles' meta
    votes = {ARTICLES[0].id: {"happy": 6, "like": 3, "sad": 1, "meh": 1},
             ARTICLES[1].id: {"happy": 4, "like": 2}, ARTICLES[2].id: {"like": 3, "meh": 1},
             ARTICLES[3].id: {"happy": 2, "sad": 1}, ARTICLES[4].id: {"sad": 1, "happy": 1}}
    for article, moods in votes.items():
        for mood, n in moods.items():
            for _ in range(n):
                live.react("demo", article, mood)
    first = ARTICLES[0].id
    for channel in ("wechat", "wechat", "moments", "weibo"):
        live.http.post(f"{live.url}/v1/sites/demo/articles/{first}/shares", json={"channel": channel},
                       headers={"X-Reader-Token": live.reader("demo")}, timeout=10)
    posted = []
    for name, body in (("兰州网友", "终于通车了，回家方便多了！"), ("河西人", "期待早日开到敦煌。"),
                       ("旅行者", "沿线风景很美，推荐大家坐一次。")):
        r = live.http.post(f"{live.url}/v1/sites/demo/articles/{first}/comments",
                           json={"body": body, "author_name": name},
                           headers={"X-Reader-Token": live.reader("demo")}, timeout=10)
        assert r.status_code == 201, r.text
        posted.append(r.json()["id"])
    r = live.http.post(f"{live.url}/v1/sites/demo/articles/{first}/comments",
                       json={"body": "同感！", "author_name": "张掖人", "parent": posted[1]},
                       headers={"X-Reader-Token": live.reader("demo")}, timeout=10)
    assert r.status_code == 201, r.text
    for _ in range(3):
        live.http.put(f"{live.url}/v1/sites/demo/comments/{posted[0]}/vote", json={"vote": "up"},
                      headers={"X-Reader-Token": live.reader("demo")}, timeout=10)
    return first


@pytest.fixture
def shots_dir(screenshots_dir):
    return screenshots_dir


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("name", list(SHOTS))
def test_demo_screenshots(name, browser, browser_context_args, live, demo_with_activity, shots_dir):
    viewport, scheme, phone = SHOTS[name]
    context = browser.new_context(**{**browser_context_args, "viewport": viewport,
                                     "color_scheme": scheme, "is_mobile": phone,
                                     "device_scale_factor": 1})
    page = context.new_page()
    page.goto(f"{live.url}/demo")
    expect(page.locator("[data-xinqing=mood] button[data-key=happy] .n")).not_to_have_text("0")
    expect(page.locator("[data-xinqing=rank] li").first).to_be_visible()
    page.locator("[data-xinqing=comments]").scroll_into_view_if_needed()
    expect(page.locator("[data-xinqing=comments] .cl article").first).to_be_visible()
    expect(page.locator("[data-xinqing=share] button[data-key=wechat] .n")).to_have_text("2")
    page.evaluate("window.scrollTo(0, 0)")
    path = shots_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    width, height = png_size(path)
    assert width == viewport["width"] and height > viewport["height"]
    context.close()


def test_ranking_page_screenshot(browser, browser_context_args, live, demo_with_activity, shots_dir):
    context = browser.new_context(**{**browser_context_args, "viewport": {"width": 900, "height": 700},
                                     "device_scale_factor": 1})
    page = context.new_page()
    page.goto(f"{live.url}/s/demo/rankings?by=happy&window=24h")
    expect(page.locator(".ranking li").first).to_contain_text(ARTICLES[0].title)
    path = shots_dir / "rankings.png"
    page.screenshot(path=str(path), full_page=True)
    assert png_size(path)[0] == 900
    context.close()
