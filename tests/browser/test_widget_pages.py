"""The whole widget on a strict-CSP page of another origin, its styles (constructable sheets,
the <link> fallback, themes, reduced motion), an axe scan, the public ranking page with
JavaScript off, and /demo end to end."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .hosting import expect_count, mood_host, widget  # noqa: F401 - fixture

# Filled from the page itself: a CSP violation report, which a console listener might miss.
WATCH_CSP = """window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"""


def every_kind(site: str, theme: str | None = None) -> str:
    """A news page with one host of every kind and a count span."""
    t = f' data-theme="{theme}"' if theme else ""
    return (f'<h1>新闻标题</h1><p>阅读 <span id="v" data-xinqing="views" data-site="{site}" '
            f'data-article="a1"{t}></span></p>'
            f'<div id="m" data-xinqing="mood" data-site="{site}" data-article="a1"{t}></div>'
            f'<div id="s" data-xinqing="share" data-site="{site}" data-article="a1"{t}></div>'
            f'<div id="r" data-xinqing="rank" data-site="{site}"{t}></div>'
            f'<div id="c" data-xinqing="comments" data-site="{site}" data-article="a1"{t}></div>'
            f'<h2>推荐阅读</h2><ul><li>另一篇 <span id="n" data-xinqing-count="reactions" '
            f'data-site="{site}" data-article="a2">-</span></li></ul>')


def wait_for_every_kind(widget):
    expect_count(widget, "#m", "happy", "0")
    expect(widget.find("#s button[data-key=wechat]")).to_be_visible()
    expect(widget.find("#r h2")).to_have_text("新闻表情排行")
    expect(widget.find("#v .xq")).to_have_text(re.compile(r"^阅读 \d+$"))
    expect(widget.find("#c .pf textarea")).to_be_visible()
    expect(widget.find("#n")).to_have_text("1")


def test_every_kind_on_a_strict_csp_page_of_another_origin(widget):
    site, _ = widget.site()
    widget.live.react(site, "a2", "happy")
    widget.page.add_init_script(WATCH_CSP)
    widget.open(every_kind(site))
    wait_for_every_kind(widget)
    widget.mood("#m", "happy").click()
    expect_count(widget, "#m", "happy", "1", pressed=True)
    for host in ("#m", "#s", "#r", "#c", "#v"):
        styling = widget.page.evaluate(f"""(() => {{ const root = document.querySelector('{host}').shadowRoot;
            return [root.adoptedStyleSheets.length, root.querySelectorAll('style, link').length]; }})()""")
        assert styling == [2 if host == "#c" else 1, 0], host  # constructable sheets, nothing injected
    assert widget.page.evaluate("cspViolations") == []
    assert widget.console.csp_violations() == [] and widget.errors() == []


def test_a_link_stylesheet_where_constructable_sheets_are_missing(widget):
    site, _ = widget.site()
    widget.page.add_init_script(WATCH_CSP + "delete ShadowRoot.prototype.adoptedStyleSheets;")
    widget.open(mood_host(site, "f1"))
    expect_count(widget, "#m", "happy", "0")
    links = widget.page.evaluate("[...document.querySelector('#m').shadowRoot.querySelectorAll('link')].map(l => l.href)")
    assert len(links) == 1 and re.search(r"/assets/widget/core\.[0-9a-f]{10}\.css$", links[0])
    border = widget.find("#m .xq").evaluate("el => getComputedStyle(el).borderTopStyle")
    assert border == "solid"  # styled by the linked sheet
    assert widget.page.evaluate("cspViolations") == [] and widget.errors() == []


def background(widget, host: str) -> str:
    return widget.find(f"{host} .xq").evaluate("el => getComputedStyle(el).backgroundColor")


WHITE, DARK = "rgb(255, 255, 255)", "rgb(27, 30, 34)"


def test_themes_light_dark_auto_and_reduced_motion(widget):
    site, _ = widget.site()
    widget.open(mood_host(site, "t1", "light") + mood_host(site, "t1", "dark", theme="dark")
                + mood_host(site, "t1", "auto", theme="auto"))
    expect_count(widget, "#auto", "happy", "0")
    assert background(widget, "#light") == WHITE  # the default
    assert background(widget, "#dark") == DARK
    assert background(widget, "#auto") == WHITE
    widget.page.emulate_media(color_scheme="dark")
    assert background(widget, "#auto") == DARK and background(widget, "#light") == WHITE
    # a theme switched by the page applies at once (pure CSS, no re-render)
    widget.page.evaluate("document.getElementById('light').dataset.theme = 'dark'")
    assert background(widget, "#light") == DARK
    assert widget.api_calls(r"/reactions\?").__len__() == 3
    # the page may restyle it through the documented custom properties
    widget.page.evaluate("document.getElementById('dark').style.setProperty('--xq-bg', 'rgb(1, 2, 3)')")
    assert background(widget, "#dark") == "rgb(1, 2, 3)"
    # prefers-reduced-motion: the bars stop animating
    bar = widget.find("#auto button[data-key=happy] .bar i")
    assert bar.evaluate("el => getComputedStyle(el).transitionDuration") == "0.3s"
    widget.page.emulate_media(reduced_motion="reduce")
    assert bar.evaluate("el => getComputedStyle(el).transitionDuration") == "0s"
    assert widget.errors() == []


def serious(results) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_nothing_serious_light_or_dark(widget):
    site, _ = widget.site()
    widget.live.react(site, "a2", "happy")
    widget.open(every_kind(site))
    wait_for_every_kind(widget)
    widget.mood("#m", "sad").click()
    expect_count(widget, "#m", "sad", "1", pressed=True)
    axe = Axe()
    assert serious(axe.run(widget.page)) == []
    widget.open(every_kind(site, theme="dark"))
    wait_for_every_kind(widget)
    assert serious(axe.run(widget.page)) == []


def test_the_ranking_page_works_with_javascript_off(browser, browser_context_args, live):
    site, token = live.new_site()
    live.put_meta(site, token, "j1", title="无脚本也能看", url="https://news.example.cn/j1.html",
                  channel="gansu")
    live.put_meta(site, token, "j2", title="另一个栏目", url="https://news.example.cn/j2.html",
                  channel="guonei")
    live.react(site, "j1", "happy")
    live.react(site, "j2", "happy")
    live.react(site, "j2", "sad")
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}/s/{site}/rankings")
    expect(page.locator("h1")).to_have_text("新闻表情排行")
    expect(page.locator(".ranking li")).to_have_count(2)
    page.get_by_role("link", name="难过").click()
    expect(page).to_have_url(re.compile(r"by=sad"))
    expect(page.locator(".ranking li a")).to_have_text("另一个栏目")
    page.get_by_role("link", name="全部心情").click()
    page.get_by_label("栏目").fill("gansu")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"channel=gansu"))
    expect(page.locator(".ranking li a")).to_have_text("无脚本也能看")
    context.close()


def test_demo_click_happy_and_see_count_and_ranking_change(page, live, console):
    page.goto(f"{live.url}/demo")
    happy = page.locator("[data-xinqing=mood] button[data-key=happy]")
    expect(happy.locator(".n")).to_have_text(re.compile(r"^\d+$"))
    expect(happy).to_have_attribute("aria-disabled", "false")
    before = int(happy.locator(".n").text_content())
    happy.click()
    expect(happy).to_have_attribute("aria-pressed", "true")
    expect(happy).to_have_attribute("aria-disabled", "false")
    expect(happy.locator(".n")).to_have_text(str(before + 1))
    title = page.locator("h1").text_content()
    rank = page.locator("[data-xinqing=rank]")
    expect(rank.locator("li a").filter(has_text=title[:10])).to_have_count(1)
    page.locator("[data-xinqing=feed]").scroll_into_view_if_needed()
    expect(page.locator("[data-xinqing=feed] .rd > li").first).to_be_visible()
    page.locator("[data-xinqing=comments]").scroll_into_view_if_needed()
    expect(page.locator("[data-xinqing=comments] textarea")).to_be_visible()
    assert serious(Axe().run(page)) == []
    page.goto(f"{live.url}/s/demo/rankings")
    expect(page.locator(".ranking li a").filter(has_text=title[:10])).to_have_count(1)
    assert serious(Axe().run(page)) == []
    assert console.errors == []
