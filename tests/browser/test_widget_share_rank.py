"""The share bar (WeChat hint, copy link), the 新闻表情排行 box, views and list-page count spans,
in a real browser against the live service, on a strict-CSP page of another origin."""

from __future__ import annotations

from playwright.sync_api import expect

from .hosting import expect_count, mood_host, widget  # noqa: F401 - fixture

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/120.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) "
             "NetType/WIFI Language/zh_CN")


def share_host(site: str, article: str) -> str:
    return (f'<div id="s" data-xinqing="share" data-site="{site}" data-article="{article}" '
            f'data-url="https://news.example.cn/{article}.html"></div>')


def channel(widget, key: str):
    return widget.find(f"#s button[data-key={key}]")


def test_wechat_shows_the_share_hint_and_counts_the_share(widget, browser, browser_context_args):
    context = browser.new_context(**{**browser_context_args, "user_agent": WECHAT_UA,
                                     "viewport": {"width": 412, "height": 860}, "is_mobile": True})
    widget = widget.on(context.new_page())  # WeChat's in-app browser
    site, _ = widget.site()
    widget.open('<button id="before">前</button>' + share_host(site, "w1"))
    expect(channel(widget, "wechat")).to_contain_text("微信好友")
    assert [b.get_attribute("data-key") for b in widget.find("#s button.ch").all()] == [
        "wechat", "moments", "weibo", "qq", "qzone", "link", "native"]
    channel(widget, "moments").click()
    hint = widget.find("#s [role=dialog]")
    expect(hint).to_contain_text("点击右上角")
    expect(widget.find("#s [role=dialog] button")).to_be_focused()
    expect(channel(widget, "moments").locator(".n")).to_have_text("1")
    widget.page.keyboard.press("Escape")
    expect(hint).to_have_count(0)
    expect(channel(widget, "moments")).to_be_focused()  # focus returns to the button
    counts = widget.live.get(f"/v1/sites/{site}/articles/w1/shares").json()["counts"]
    assert counts["moments"] == 1 and sum(counts.values()) == 1
    assert widget.errors() == []
    context.close()


def test_elsewhere_copy_link_confirms_and_events_fire(widget):
    widget.page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                          origin=widget.pages.origin)
    site, _ = widget.site()
    widget.open(share_host(site, "c1"))
    assert widget.page.evaluate("typeof navigator.share") == "undefined"  # desktop Linux Chromium
    widget.page.evaluate("""window.seen = [];
        document.addEventListener('xinqing:share', e => seen.push(e.detail))""")
    channel(widget, "wechat").click()  # outside WeChat, no share sheet: the link is copied
    expect(widget.find("#s .note")).to_have_text("链接已复制")
    assert widget.page.evaluate("navigator.clipboard.readText()") == "https://news.example.cn/c1.html"
    expect(channel(widget, "wechat").locator(".n")).to_have_text("1")
    widget.page.wait_for_function("seen.length == 1")
    detail = widget.page.evaluate("seen[0]")
    assert (detail["channel"], detail["article"], detail["counted"]) == ("wechat", "c1", True)
    channel(widget, "link").click()
    expect(channel(widget, "link").locator(".n")).to_have_text("1")
    assert widget.errors() == []


def test_rank_box_tabs_windows_titles_and_more_link(widget):
    site, token = widget.site()
    widget.live.put_meta(site, token, "r1", title="兰州新闻一", url="https://news.example.cn/r1.html",
                         channel="gansu")
    widget.live.put_meta(site, token, "r2", title="<b>不是HTML</b>", url="https://news.example.cn/r2.html",
                         channel="gansu")
    for article, mood, n in (("r1", "happy", 2), ("r2", "happy", 1), ("r3", "sad", 1)):
        for _ in range(n):
            widget.live.react(site, article, mood)
    widget.open(f'<div id="r" data-xinqing="rank" data-site="{site}" data-window="24h"></div>')
    box = widget.find("#r")
    expect(box.locator("h2")).to_have_text("新闻表情排行")
    expect(box.locator(".tab[aria-pressed=true]")).to_contain_text("开心")
    expect(box.locator("li")).to_have_count(2)
    first = box.locator("li").first
    expect(first.locator("a")).to_have_text("兰州新闻一")
    assert first.locator("a").get_attribute("href") == "https://news.example.cn/r1.html"
    expect(box.locator("li").nth(1).locator(".ttl")).to_have_text("<b>不是HTML</b>")  # text
    more = box.locator("a.more")
    assert more.get_attribute("href") == f"{widget.live.url}/s/{site}/rankings?by=happy&window=24h"
    box.locator("button[data-key=sad]").click()
    expect(box.locator("li")).to_have_count(1)
    expect(box.locator("li .ttl")).to_have_text("r3")  # no meta: the id, not a link
    assert box.locator("li a").count() == 0
    # one call per window, all moods at once
    calls = widget.api_calls(r"/rankings/moods\?")
    assert len(calls) == 1 and "window=24h" in calls[0]
    box.locator("select").select_option("7d")
    expect(more).to_have_attribute("href", f"{widget.live.url}/s/{site}/rankings?by=sad&window=7d")
    assert len(widget.api_calls(r"/rankings/moods\?.*window=7d")) == 1
    assert widget.errors() == []


def test_a_vote_on_the_page_updates_the_rank_box_and_the_count_spans(widget):
    site, token = widget.site()
    widget.live.put_meta(site, token, "v1", title="本文", url="https://news.example.cn/v1.html")
    widget.open(mood_host(site, "v1")
                + f'<div id="r" data-xinqing="rank" data-site="{site}"></div>'
                + f'<span id="n" data-xinqing-count="reactions" data-site="{site}" data-article="v1">?</span>'
                + f'<span id="h" data-xinqing-count="happy" data-site="{site}" data-article="v1">?</span>')
    expect(widget.find("#r .empty")).to_have_text("暂无数据")
    expect(widget.find("#n")).to_have_text("0")
    widget.mood("#m", "happy").click()
    expect(widget.find("#r li a")).to_have_text("本文")
    expect(widget.find("#r li .sc")).to_have_text("1")
    expect(widget.find("#n")).to_have_text("1")
    expect(widget.find("#h")).to_have_text("1")
    assert widget.errors() == []


def test_list_page_counts_come_from_one_request_per_hundred(widget):
    site, _ = widget.site()
    widget.live.react(site, "p1", "happy")
    widget.live.react(site, "p1", "sad")
    widget.live.react(site, "p2", "like")
    spans = "".join(f'<li>文章{i} <span class="c" data-xinqing-count="reactions" data-site="{site}" '
                    f'data-article="p{i}">-</span></li>' for i in range(1, 121))
    spans += (f'<span id="happy" data-xinqing-count="happy" data-site="{site}" data-article="p1">-</span>'
              f'<span id="com" data-xinqing-count="comments" data-site="{site}" data-article="p2">-</span>'
              f'<span id="pv" data-xinqing-count="pv" data-site="{site}" data-article="p2">-</span>')
    widget.open(f"<ul>{spans}</ul>", script="/xinqing-count.js")  # the list-page script alone
    expect(widget.find("li:nth-child(1) .c")).to_have_text("2")
    expect(widget.find("li:nth-child(2) .c")).to_have_text("1")
    expect(widget.find("li:nth-child(120) .c")).to_have_text("0")
    expect(widget.find("#happy")).to_have_text("1")
    expect(widget.find("#com")).to_have_text("0")
    expect(widget.find("#pv")).to_have_text("0")
    calls = widget.api_calls(r"/articles\?ids=")
    assert len(calls) == 2  # 120 ids: 100 + 20
    assert sorted(len(call.split("ids=")[1].split(",")) for call in calls) == [20, 100]
    assert widget.page.evaluate("Object.keys(window.xinqing)") == ["counts", "countBase"]
    assert widget.errors() == []


def test_count_spans_added_later_are_filled_in_one_batch(widget):
    site, _ = widget.site()
    widget.live.react(site, "d1", "happy")
    widget.open(mood_host(site, "d0") + '<ul id="list"></ul>')
    expect_count(widget, "#m", "happy", "0")
    assert widget.api_calls(r"/articles\?ids=") == []  # no spans, no call
    widget.page.evaluate(f"""document.getElementById('list').innerHTML = ['d1', 'd2', 'd3'].map(a =>
        `<li><span data-xinqing-count="reactions" data-site="{site}" data-article="${{a}}">-</span></li>`).join('')""")
    expect(widget.find("#list li:nth-child(1) span")).to_have_text("1")
    expect(widget.find("#list li:nth-child(3) span")).to_have_text("0")
    assert len(widget.api_calls(r"/articles\?ids=d1,d2,d3$")) == 1
    assert widget.errors() == []


def test_views_are_counted_and_shown(widget):
    site, _ = widget.site()
    widget.open(f'<p>阅读 <span id="v" data-xinqing="views" data-site="{site}" data-article="pv1"></span></p>')
    expect(widget.find("#v .xq")).to_have_text("阅读 1")
    assert widget.live.get(f"/v1/sites/{site}/articles/pv1").json()["views"]["pv"] == 1
    assert widget.errors() == []
