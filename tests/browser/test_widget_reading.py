"""相关阅读 and 推荐阅读 hosts in a real browser against the live service: loaded on demand,
the lists the API gives, 加载更多 without repeats while scores move, starting over when the
feed's cursor has expired, images only when asked, axe, and both on /demo."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .hosting import widget  # noqa: F401 - fixture
from .test_widget_pages import serious


def story(widget, site, token, article, **meta):
    widget.live.put_meta(site, token, article, title=f"新闻 {article}",
                         url=f"https://news.example.com/{article}.html", **meta)


def votes(widget, site, article, mood, n):
    for _ in range(n):
        widget.live.react(site, article, mood)


def titles(widget, host: str) -> list[str]:
    return widget.find(f"{host} .rd > li").evaluate_all("els => els.map(e => e.dataset.article)")


def test_related_lists_what_readers_felt_alike(widget):
    site, token = widget.site()
    for article, mood, n in (("r0", "happy", 5), ("r1", "happy", 6), ("r2", "sad", 7)):
        story(widget, site, token, article, channel="gansu", summary=f"{article} 的摘要",
              published_at="2025-11-28T02:30:00Z")
        votes(widget, site, article, mood, n)
    widget.open(f'<div id="rel" data-xinqing="related" data-site="{site}" data-article="r0"></div>'
                f'<div id="few" data-xinqing="related" data-site="{site}" data-article="r2" '
                f'data-lang="en" data-limit="1"></div>')
    box = widget.find("#rel")
    expect(box.locator("h2")).to_have_text("相关阅读")
    expect(box.locator(".basis")).to_have_text("读者心情相近的文章")
    expect(box.locator(".rd > li")).to_have_count(2)
    api = widget.live.get(f"/v1/sites/{site}/articles/r0/related").json()
    assert [i["article"] for i in api["items"]] == ["r1", "r2"]      # r2 only as a hot top-up
    assert titles(widget, "#rel") == ["r1", "r2"]
    first = box.locator(".rd > li").first
    expect(first.locator("a.rt")).to_have_text("新闻 r1")
    expect(first.locator("a.rt")).to_have_attribute("href", "https://news.example.com/r1.html")
    expect(first.locator(".ri")).to_contain_text("6人表态")
    expect(first.locator(".ri time")).to_have_attribute("datetime", "2025-11-28T02:30:00Z")
    assert box.locator(".rs").count() == 0                          # summaries are the feed's
    few = widget.find("#few")
    expect(few.locator("h2")).to_have_text("Related")
    expect(few.locator(".rd > li")).to_have_count(1)
    assert widget.api_calls(r"reading\.[0-9a-f]{10}\.js").__len__() == 1   # one module, both hosts
    assert widget.console.csp_violations() == [] and widget.errors() == []
    assert serious(Axe().run(widget.page)) == []


def test_feed_loads_more_without_repeats_while_scores_move(widget):
    site, token = widget.site()
    names = [f"f{i}" for i in range(7)]
    for i, article in enumerate(names):
        story(widget, site, token, article, summary=f"第{i}篇的摘要")
        votes(widget, site, article, "like", i + 1)
    # (the strict CSP allows no inline style: the spacer gets its height from the CSSOM)
    widget.page.add_init_script('''document.addEventListener("DOMContentLoaded", () =>
        document.getElementById("spacer").style.height = "3000px")''')
    widget.open(f'<div id="spacer"></div>'
                f'<div id="feed" data-xinqing="feed" data-site="{site}" data-limit="3"></div>')
    widget.page.wait_for_timeout(300)   # give a wrongly eager loader the chance to show itself
    assert widget.api_calls(r"/feed\?") == []
    box = widget.find("#feed")
    box.scroll_into_view_if_needed()
    expect(box.locator("h2")).to_have_text("推荐阅读")
    expect(box.locator(".rd > li")).to_have_count(3)
    assert titles(widget, "#feed") == ["f6", "f5", "f4"]
    expect(box.locator(".rd > li").first.locator(".rs")).to_have_text("第6篇的摘要")
    expect(box.locator(".rd > li").first.locator(".ri")).to_contain_text("0条评论")
    more = box.locator("button.more")
    votes(widget, site, "f0", "like", 9)                 # f0 is the hottest now
    more.click()
    expect(box.locator(".rd > li")).to_have_count(6)
    expect(box.locator(".note")).to_have_text("已加载3篇")
    expect(box.locator(".rd > li").nth(3).locator("a.rt")).to_be_focused()
    votes(widget, site, "f3", "like", 12)                # and f3, already shown
    more.click()
    expect(box.locator(".rd > li")).to_have_count(7)
    expect(more).to_be_hidden()
    shown = titles(widget, "#feed")
    assert shown == ["f6", "f5", "f4", "f3", "f2", "f1", "f0"]       # the first page's order
    assert widget.console.csp_violations() == [] and widget.errors() == []


def test_feed_starts_over_when_its_cursor_has_expired(widget, live_redis):
    site, token = widget.site()
    for i, article in enumerate(("e0", "e1", "e2", "e3")):
        story(widget, site, token, article)
        votes(widget, site, article, "happy", i + 1)
    widget.open(f'<div id="feed" data-xinqing="feed" data-site="{site}" data-limit="2" '
                f'data-lang="zh-TW"></div>')
    box = widget.find("#feed")
    expect(box.locator(".rd > li")).to_have_count(2)
    redis = live_redis.client()
    snapshots = list(redis.scan_iter(match=f"xq:rk:{{{site}/}}:fs:*"))
    assert len(snapshots) == 1
    redis.delete(*snapshots)                             # what its TTL does
    box.locator("button.more").click()
    expect(box.locator(".note")).to_have_text("列表已更新，已從頭載入")
    expect(box.locator(".rd > li")).to_have_count(2)
    assert titles(widget, "#feed") == ["e3", "e2"]
    expect(box.locator(".rd > li").first.locator("a.rt")).to_be_focused()
    box.locator("button.more").click()                  # and pages on from the new snapshot
    expect(box.locator(".rd > li")).to_have_count(4)
    assert titles(widget, "#feed") == ["e3", "e2", "e1", "e0"]
    assert widget.errors(expected=r"status of 409") == []


def test_feed_images_only_when_asked(widget):
    site, token = widget.site()
    picture = widget.pages.add("/pic.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="8" '
                                           'height="8"><rect width="8" height="8"/></svg>',
                               {"Content-Type": "image/svg+xml"})
    story(widget, site, token, "p1", image=picture)
    votes(widget, site, "p1", "happy", 1)
    widget.open(f'<div id="plain" data-xinqing="feed" data-site="{site}"></div>'
                f'<div id="pics" data-xinqing="feed" data-site="{site}" data-images="true"></div>',
                csp=None)
    expect(widget.find("#plain .rd > li")).to_have_count(1)
    expect(widget.find("#pics .rd > li img.pic")).to_have_attribute("src", picture)
    expect(widget.find("#pics img.pic")).to_have_attribute("alt", "")
    assert widget.find("#plain img").count() == 0
    widget.page.wait_for_function(
        "document.querySelector('#pics').shadowRoot.querySelector('img').complete")
    assert widget.errors() == []


def test_demo_reading_lists(page, live, console):
    page.goto(f"{live.url}/demo")
    related = page.locator("[data-xinqing=related]")
    feed = page.locator("[data-xinqing=feed]")
    feed.scroll_into_view_if_needed()
    expect(related.locator("h2")).to_have_text("相关阅读")
    expect(related.locator(".rd > li").first).to_be_visible()
    expect(feed.locator(".rd > li")).to_have_count(4)
    feed.locator("button.more").click()
    expect(feed.locator("button.more")).to_be_hidden()
    shown = feed.locator(".rd > li").evaluate_all("els => els.map(e => e.dataset.article)")
    assert len(shown) == len(set(shown)) >= 6
    assert page.locator(".reading").count() == 0         # the static list is gone
    assert console.errors == []
