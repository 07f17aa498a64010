"""The editors' dashboard in headless Chromium against the live service (gunicorn + Redis).

Each test makes its own site (`live.new_site()`), signs in through the form and checks what
an editor sees against what the API says. Screenshots of each view go to docs/screenshots/.
"""

from __future__ import annotations

import csv
import io

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import ADMIN_TOKEN

TITLE = "甘肃天水：春耕时节田间忙"


class Dash:
    """Drive the dashboard of one site."""

    def __init__(self, page, live, site: str, token: str) -> None:
        self.page, self.live, self.site, self.token = page, live, site, token
        self.ed = {"Authorization": f"Bearer {token}"}

    def sign_in(self, site: str | None = None, token: str | None = None, expect_view=True):
        self.page.goto(self.live.url + "/dashboard")
        self.page.fill("#signin-site", self.site if site is None else site)
        self.page.fill("#signin-token", token or self.token)
        self.page.click("#signin-form button[type=submit]")
        if expect_view:
            self.ready("overview")

    def ready(self, view: str) -> None:
        self.page.wait_for_selector(f"body[data-ready={view}]", timeout=10000)

    def open(self, route: str) -> None:
        # (the same route again re-renders too: xqDashboard.go dispatches the hashchange)
        self.page.evaluate("route => { document.body.dataset.ready = ''; xqDashboard.go(route); }",
                           "#/" + route)
        self.ready(route.split("/")[0].split("?")[0])

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**self.ed, **kwargs.pop("headers", {})}
        return self.live.http.request(method, f"{self.live.url}/v1/sites/{self.site}/{path}",
                                      headers=headers, timeout=10, **kwargs)

    def comment(self, reader: str, body: str, article: str = "38012345") -> requests.Response:
        return self.live.http.post(f"{self.live.url}/v1/sites/{self.site}/articles/{article}/comments",
                                   json={"body": body}, headers={"X-Reader-Token": reader}, timeout=10)


@pytest.fixture
def dash(page, live):
    site, token = live.new_site("d")
    return Dash(page, live, site, token)


def seed(dash: Dash, live) -> None:
    """A few articles with meta, votes, shares, views and a held comment."""
    for i, (title, channel) in enumerate([(TITLE, "gansu"), ("新能源汽车出口再创新高", "economy"),
                                          ("博物馆之夜：文物“活”起来", "culture")]):
        article = f"3801234{5 + i}"
        live.put_meta(dash.site, dash.token, article, title=title, channel=channel,
                      url=f"https://www.example.com/{article}.html")
        for mood in ["happy", "happy", "sad", "like", "meh"][: 5 - i]:
            reader = live.reader(dash.site)
            live.react(dash.site, article, mood, reader)
            live.http.post(f"{live.url}/v1/sites/{dash.site}/articles/{article}/views",
                           headers={"X-Reader-Token": reader}, timeout=10)
        live.http.post(f"{live.url}/v1/sites/{dash.site}/articles/{article}/shares",
                       json={"channel": "wechat"}, timeout=10)


# -- signing in -------------------------------------------------------------------------------

def test_sign_in_with_a_wrong_then_the_right_token_and_out(dash, page, console):
    dash.sign_in(token="xqe_wrong-token", expect_view=False)
    message = page.locator("#signin-message")
    expect(message).to_contain_text("令牌不对")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0

    dash.sign_in()
    expect(page.locator("#site-name")).to_have_text(dash.site)
    stored = page.evaluate("JSON.parse(sessionStorage.getItem('xinqing.dashboard'))")
    assert stored["token"] == dash.token and stored["site"] == dash.site
    # only in sessionStorage: never in the URL, a cookie or localStorage
    assert dash.token not in page.url
    assert page.context.cookies() == []
    assert dash.token not in str(page.evaluate("JSON.stringify(localStorage)"))

    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#signin-message")).to_contain_text("已退出")
    assert page.evaluate("sessionStorage.getItem('xinqing.dashboard')") is None
    assert [e for e in console.errors if "401" not in e] == []


def test_a_rotated_or_expired_token_returns_to_sign_in_with_a_message(dash, page):
    dash.sign_in()
    # the kept token stops being valid (rotated): the next load's first call is a 401
    page.evaluate("""token => {
        const s = JSON.parse(sessionStorage.getItem('xinqing.dashboard'));
        s.token = token; sessionStorage.setItem('xinqing.dashboard', JSON.stringify(s)); }""",
                  "xqe_rotated-away")
    page.reload()
    expect(page.locator("#signin-message")).to_contain_text("登录已失效")
    assert page.evaluate("sessionStorage.getItem('xinqing.dashboard')") is None


def test_the_admin_token_lists_sites_and_switches_between_them(dash, live, page):
    other, _ = live.new_site("o")
    dash.sign_in(token=ADMIN_TOKEN)
    expect(page.locator("#who")).to_have_text("管理员")
    options = page.locator("#site-select option").all_inner_texts()
    assert dash.site in options and other in options
    page.select_option("#site-select", other)
    dash.ready("overview")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('xinqing.dashboard')).site") == other


# -- rankings, article, CSV -----------------------------------------------------------------

def test_a_vote_cast_through_the_api_shows_in_the_rankings_and_the_timeline(dash, live, page):
    live.put_meta(dash.site, dash.token, "38012345", title=TITLE, channel="gansu",
                  url="https://www.example.com/38012345.html")
    dash.sign_in()
    dash.open("rankings?by=happy")
    expect(page.locator("#rankings-empty")).to_be_visible()
    live.react(dash.site, "38012345", "happy")
    dash.open("rankings?by=happy&window=1h")
    row = page.locator("#rankings-table tbody tr").first
    expect(row).to_contain_text(TITLE)
    link = row.get_by_role("link", name=TITLE, exact=True)
    assert link.get_attribute("href") == "https://www.example.com/38012345.html"
    row.locator("a", has_text="详情").click()
    dash.ready("article")
    expect(page.locator("#article-meta")).to_contain_text(TITLE)
    expect(page.locator('#article-counts [data-mood="happy"] strong')).to_have_text("1")
    timeline = dash.api("GET", "articles/38012345/timeline?granularity=hour").json()
    hour = next(b for b in timeline["buckets"] if b["reactions"]["total"])
    cell = page.locator(f'#timeline-table tr[data-start="{hour["start"]}"] td[data-mood="happy"]')
    expect(cell).to_have_text("1")
    assert page.locator("#timeline-chart svg rect.bar").count() == 1


def test_csv_export_downloads_the_rows_shown(dash, live, page, tmp_path):
    seed(dash, live)
    dash.sign_in()
    dash.open("rankings?by=reactions&window=24h&limit=10")
    rows = page.locator("#rankings-table tbody tr")
    expect(rows).to_have_count(3)
    shown = [r.get_attribute("data-article") for r in rows.all()]
    with page.expect_download() as info:
        page.click("#rankings-csv")
    download = info.value
    assert download.suggested_filename == f"xinqing-{dash.site}-reactions-24h.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["article"] for r in table] == shown
    api_items = dash.api("GET", "rankings?by=reactions&window=24h&limit=10").json()["items"]
    assert [(r["rank"], r["title"], r["score"], r["happy"]) for r in table] == [
        (str(i["rank"]), i["meta"]["title"], str(i["score"]), str(i["reactions"]["counts"]["happy"]))
        for i in api_items]
    # a channel filter changes what is shown, and so what is exported
    dash.open("rankings?by=reactions&window=24h&limit=10&channel=gansu")
    expect(rows).to_have_count(1)
    with page.expect_download() as info:
        page.click("#rankings-csv")
    lines = open(info.value.path(), encoding="utf-8-sig").read().strip().splitlines()
    assert len(lines) == 2 and TITLE in lines[1]


def test_takedown_needs_a_confirmation(dash, live, page):
    seed(dash, live)
    dash.sign_in()
    dash.open("article/38012345")
    page.click("#takedown")
    page.click("#confirm-cancel")
    assert dash.api("GET", "articles/38012345").json()["meta"].get("taken_down") is None
    page.click("#takedown")
    page.click("#confirm-ok")
    expect(page.locator("[data-taken-down]")).to_be_visible()
    assert dash.api("GET", "articles/38012345").json()["meta"]["taken_down"] is True


# -- moderation -------------------------------------------------------------------------------

def test_a_held_comment_is_approved_from_the_keyboard_and_then_listed(dash, live, page):
    live.patch_settings(dash.site, dash.token, moderation="pre")
    first = dash.comment(live.reader(dash.site), "第一条：说得好")
    second = dash.comment(live.reader(dash.site), "第二条：<b>不是粗体</b>")
    assert first.status_code == second.status_code == 201
    assert first.json()["status"] == "pending"
    dash.sign_in()
    dash.open("moderation")
    items = page.locator("#queue .item")
    expect(items).to_have_count(2)
    expect(page.locator('#queue-tabs [data-status="pending"] .count')).to_have_text("2")
    # markup in a comment is shown as text
    expect(items.nth(1).locator(".body")).to_have_text("第二条：<b>不是粗体</b>")
    assert page.locator("#queue .item b").count() == 0
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")   # to the second
    page.keyboard.press("k")   # back to the first
    expect(items.first).to_have_class("item current")
    page.keyboard.press("a")
    expect(items).to_have_count(1)
    expect(page.locator('#queue-tabs [data-status="pending"] .count')).to_have_text("1")
    public = live.get(f"/v1/sites/{dash.site}/articles/38012345/comments").json()
    assert [c["body"] for c in public["items"]] == ["第一条：说得好"]
    # the decision is in the history, by an editor
    dash.open("history")
    row = page.locator("#history-table tbody tr").first
    expect(row).to_have_attribute("data-action", "approve")
    expect(row.locator("[data-actor]")).to_have_text("编辑")
    expect(row).to_contain_text(first.json()["id"])


def test_batch_actions_on_a_selection_report_each_failure(dash, live, page):
    live.patch_settings(dash.site, dash.token, moderation="pre")
    ids = [dash.comment(live.reader(dash.site), f"评论 {i}").json()["id"] for i in range(3)]
    dash.sign_in()
    dash.open("moderation")
    expect(page.locator("#queue .item")).to_have_count(3)
    page.keyboard.press("x")            # select the first
    page.keyboard.press("j")
    page.keyboard.press("x")            # and the second
    expect(page.locator("#selected-count")).to_have_text("已选 2 条")
    # one of them is deleted elsewhere meanwhile: approving it fails (409), the other works
    assert dash.api("DELETE", f"comments/{ids[1]}").status_code == 200
    page.click('[data-batch="approve"]')
    result = page.locator("#moderation-result")
    expect(result).to_contain_text("1 条成功")
    expect(result).to_contain_text("1 条失败")
    expect(result).to_contain_text(ids[1])
    statuses = {i: dash.api("GET", f"comments/{i}").json()["status"] for i in ids}
    assert statuses == {ids[0]: "published", ids[1]: "deleted", ids[2]: "pending"}


def test_a_banned_authors_next_comment_is_refused(dash, live, page):
    live.patch_settings(dash.site, dash.token, moderation="pre")
    troll = live.reader(dash.site)
    assert dash.comment(troll, "广告广告").status_code == 201
    dash.sign_in()
    dash.open("moderation")
    expect(page.locator("#queue .item")).to_have_count(1)
    page.keyboard.press("b")
    expect(page.locator("#confirm")).to_be_visible()
    page.fill("#ban-reason", "广告")
    page.select_option("#ban-days", "7")
    page.click("#confirm-ok")
    expect(page.locator("#moderation-result")).to_contain_text("已封禁作者")
    refused = dash.comment(troll, "再来一条")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "reader_banned"
    assert dash.comment(live.reader(dash.site), "别人可以").status_code == 201
    history = dash.api("GET", "moderation/history").json()["items"]
    assert history[0]["action"] == "ban" and history[0]["reason"] == "广告"


# -- overview ---------------------------------------------------------------------------------

def test_the_overview_shows_the_apis_numbers(dash, live, page):
    seed(dash, live)
    dash.sign_in()
    api = dash.api("GET", "overview").json()
    for metric in ("reactions", "shares", "views", "comments"):
        card = page.locator(f'#overview-cards [data-metric="{metric}"]')
        expect(card.locator(".stat-value")).to_have_attribute("data-value", str(api["today"][metric]))
        expect(card.locator(".stat-value")).to_have_text(str(api["today"][metric]))  # < 1万
    assert api["today"]["reactions"] == 12 and api["today"]["shares"] == 3
    stats = dash.api("GET", "stats?window=24h").json()
    expect(page.locator("#moods-chart")).to_have_attribute("data-total", str(stats["totals"]["reactions"]))
    assert page.locator("#moods-chart svg rect.bar").count() == 4
    expect(page.locator("#activity-now-total")).to_have_text(
        str(sum(h["reactions"] for h in api["hours"])))
    # numbers of ten thousand and more are shown as 万
    assert page.evaluate("xqDashboard.num(12345)") == "1.2万"


def test_the_api_being_down_shows_a_banner_and_keeps_the_page_usable(dash, page):
    dash.sign_in()
    page.route("**/v1/**", lambda route: route.abort())
    page.route("**/readyz", lambda route: route.abort())
    page.click('[data-nav="rankings"]')
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner-text")).to_contain_text("连不上服务")
    # still signed in and navigable
    page.click('[data-nav="settings"]')
    expect(page.locator("#view-settings")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('xinqing.dashboard')") is not None
    page.unroute("**/v1/**")
    page.unroute("**/readyz")
    page.click("#banner-retry")
    dash.ready("settings")
    expect(page.locator("#banner")).to_be_hidden()


# -- settings ---------------------------------------------------------------------------------

def test_settings_add_a_mood_reorder_and_show_422_details_next_to_the_field(dash, live, page):
    dash.sign_in()
    dash.open("settings")
    page.click("#add-mood")
    row = page.locator("#moods-rows > li").last
    row.locator("[data-part=key]").fill("Bad Key")
    page.click("#settings-form button[type=submit]")
    error = row.locator('[data-field$=".key"] .field-error')
    expect(error).to_contain_text("expected 1-32")
    expect(row.locator('[data-field$=".labels"], [data-error-for$=".labels"]').last).to_contain_text("label")
    assert row.locator("[data-part=key]").get_attribute("aria-invalid") == "true"
    assert [m["key"] for m in dash.api("GET", "settings").json()["moods"]] == ["happy", "sad", "like", "meh"]

    row.locator("[data-part=key]").fill("angry")
    row.locator('[data-part="labels.zh-CN"]').fill("愤怒")
    row.locator('[data-part="labels.en"]').fill("Angry")
    row.locator("[data-part=emoji]").fill("😠")
    page.locator("#moods-rows > li").first.locator("[data-move='1']").click()   # happy after sad
    page.fill("#max-length", "500")
    page.click("#settings-form button[type=submit]")
    expect(page.locator("#settings-message")).to_contain_text("已保存")
    saved = dash.api("GET", "settings").json()
    assert [m["key"] for m in saved["moods"]] == ["sad", "happy", "like", "meh", "angry"]
    assert saved["moods"][-1] == {"key": "angry", "labels": {"zh-CN": "愤怒", "en": "Angry"}, "emoji": "😠"}
    assert saved["comment_max_length"] == 500
    # what the reader widget loads next lists the new mood, in the new order (the widget
    # itself showing it: test_dashboard_widget.py)
    public = live.get(f"/v1/sites/{dash.site}/articles/38012345/reactions?lang=zh-CN").json()
    assert [(m["key"], m["label"]) for m in public["moods"]][-1] == ("angry", "愤怒")
    assert [m["key"] for m in public["moods"]][:2] == ["sad", "happy"]
    # the new mood is a rankings tab at once
    dash.open("rankings")
    expect(page.locator('#rankings-tabs [data-by="angry"]')).to_contain_text("愤怒")


# -- accessibility, themes, phone width, screenshots ------------------------------------------

VIEWS = ["overview", "rankings", "article/38012345", "moderation", "history", "settings"]


_AXE = Axe()


def _serious(page, only: list[str] | None = None) -> list[str]:
    """Serious and critical axe violations on the page as it is now (axe injected once per
    document: the dashboard changes views without reloading)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE.axe_script)
    options = {"resultTypes": ["violations"]}
    if only:
        options["runOnly"] = only
    results = page.evaluate("options => axe.run(document, options)", options)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def test_every_view_has_no_serious_axe_violations_in_light_dark_and_phone(dash, live, page,
                                                                          console, screenshots_dir):
    seed(dash, live)
    live.patch_settings(dash.site, dash.token, moderation="pre")
    assert dash.comment(live.reader(dash.site), "这篇报道很及时。\n希望后续继续跟进。").status_code == 201
    page.goto(live.url + "/dashboard")
    problems = {"sign-in": _serious(page)}
    page.screenshot(path=str(screenshots_dir / "dashboard-signin.png"))
    dash.sign_in()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for view in VIEWS:
            dash.open(view)
            # every rule in light; in dark only what the theme changes (colours)
            problems[f"{view} {scheme}"] = _serious(page, None if scheme == "light" else ["color-contrast"])
            name = view.split("/")[0]
            page.screenshot(path=str(screenshots_dir / f"dashboard-{name}{'-dark' if scheme == 'dark' else ''}.png"),
                            full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    for view in ("overview", "moderation", "settings"):
        dash.open(view)
        problems[f"{view} phone"] = _serious(page, None if view == "overview" else ["color-contrast"])
        # usable at phone width: nothing wider than the screen but scrollable tables
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, view
        if view in ("overview", "moderation"):
            page.screenshot(path=str(screenshots_dir / f"dashboard-{view}-phone.png"))
    assert {k: v for k, v in problems.items() if v} == {}
    assert console.csp_violations() == []
    assert console.errors == []


def test_the_page_has_the_strict_policy_and_no_inline_code(live):
    r = live.get("/dashboard")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["Cache-Control"] == "no-cache"
    html = r.text
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    for src in [s.split('"')[0] for s in html.split('src="')[1:]]:
        asset = live.get(src)
        assert asset.status_code == 200 and "immutable" in asset.headers["Cache-Control"], src
