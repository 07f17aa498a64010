"""您此时的心情 in a real browser against the live service: voting, the reader's own mood after a
reload, several boxes, single-page apps, the keyboard, failures and a rejected token. Every
page is a news page on another origin under the strict CSP of hosting.STRICT_CSP."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from conftest import SECRET_KEY

from .hosting import expect_count, mood_host, widget  # noqa: F401 - fixture


def test_vote_switch_retract_and_reload(widget):
    site, _ = widget.site()
    widget.live.react(site, "a1", "sad")  # someone else
    widget.open(mood_host(site, "a1"))
    expect(widget.find("#m h2")).to_have_text("您此时的心情")
    expect_count(widget, "#m", "sad", "1", pressed=False)
    expect(widget.find("#m .sum")).to_have_text("1人表态")

    widget.mood("#m", "happy").click()
    expect_count(widget, "#m", "happy", "1", pressed=True)
    expect(widget.find("#m .note")).to_have_text("已选择：开心")
    expect(widget.mood("#m", "happy").locator(".p")).to_have_text("50%")
    widget.mood("#m", "like").click()  # another mood moves the vote
    expect_count(widget, "#m", "like", "1", pressed=True)
    expect_count(widget, "#m", "happy", "0", pressed=False)
    assert widget.live.get(f"/v1/sites/{site}/articles/a1").json()["reactions"]["counts"] == {
        "happy": 0, "sad": 1, "like": 1, "meh": 0}

    widget.page.reload()  # the reader's choice is still shown, the counts are fresh
    expect_count(widget, "#m", "like", "1", pressed=True)
    expect(widget.find("#m .sum")).to_have_text("2人表态")
    widget.mood("#m", "like").click()  # clicking it again retracts it
    expect_count(widget, "#m", "like", "0", pressed=False)
    expect(widget.find("#m .note")).to_have_text("已取消表态")
    widget.page.reload()
    expect(widget.find("#m .sum")).to_have_text("1人表态")
    expect(widget.mood("#m", "like")).to_have_attribute("aria-pressed", "false")
    assert widget.live.get(f"/v1/sites/{site}/articles/a1").json()["reactions"]["total"] == 1

    writes = [r for r in widget.requests if r.method in ("PUT", "DELETE")]
    assert [r.method for r in writes] == ["PUT", "PUT", "DELETE"]
    public = [r for r in widget.requests if r.method == "GET" and "/articles/a1/reactions?" in r.url]
    assert public and all("x-reader-token" not in r.headers for r in public)
    assert public[0].response().headers["cache-control"].startswith("public")
    assert widget.errors() == []


def test_two_boxes_for_two_articles_ask_for_the_readers_moods_once(widget):
    site, _ = widget.site()
    widget.live.react(site, "b2", "meh")
    widget.open(mood_host(site, "b1", "m1") + mood_host(site, "b2", "m2"))
    widget.mood("#m1", "happy").click()
    expect_count(widget, "#m1", "happy", "1", pressed=True)
    widget.mood("#m2", "sad").click()
    expect_count(widget, "#m2", "sad", "1", pressed=True)
    expect_count(widget, "#m2", "meh", "1", pressed=False)
    expect_count(widget, "#m1", "sad", "0")  # each box its own article
    widget.requests.clear()
    widget.page.reload()
    expect(widget.mood("#m1", "happy")).to_have_attribute("aria-pressed", "true")
    expect(widget.mood("#m2", "sad")).to_have_attribute("aria-pressed", "true")
    mine = widget.api_calls(r"/reactions/mine\?")
    assert len(mine) == 1 and "articles=b1,b2" in mine[0]
    assert widget.errors() == []


def test_a_single_page_app_swaps_articles_and_hosts(widget):
    site, _ = widget.site()
    widget.live.react(site, "s1", "happy")
    for _ in range(2):
        widget.live.react(site, "s2", "sad")
    widget.open(mood_host(site, "s1") + '<div id="spa"></div>')
    expect_count(widget, "#m", "happy", "1")
    widget.page.evaluate("document.getElementById('m').dataset.article = 's2'")
    expect_count(widget, "#m", "sad", "2")
    expect_count(widget, "#m", "happy", "0")
    # a host added later is mounted, one removed is unmounted
    widget.page.evaluate(f"""document.getElementById('spa').innerHTML =
        '<div id="late" data-xinqing="mood" data-site="{site}" data-article="s1"></div>'""")
    expect_count(widget, "#late", "happy", "1")
    widget.page.evaluate("document.getElementById('m').remove()")
    widget.mood("#late", "happy").click()
    expect_count(widget, "#late", "happy", "2", pressed=True)
    # the API: unmount empties a host, mount brings it back, refresh re-reads it
    assert widget.page.evaluate("Object.keys(window.xinqing).sort()") == [
        "assets", "base", "i18n", "mount", "refresh", "unmount", "url"]  # the one global
    widget.page.evaluate("xinqing.unmount(document.getElementById('late'))")
    expect(widget.find("#late .m")).to_have_count(0)
    widget.live.react(site, "s1", "happy")
    widget.page.evaluate("xinqing.mount(document.getElementById('late'))")
    expect_count(widget, "#late", "happy", "3", pressed=True)
    assert widget.errors() == []


def test_keyboard_only_voting(widget):
    site, _ = widget.site()
    widget.open('<a href="#top" id="first">顶部</a>' + mood_host(site, "k1"))
    expect_count(widget, "#m", "happy", "0")  # drawn: a Tab before that lands past the box
    widget.page.focus("#first")
    widget.page.keyboard.press("Tab")
    focused = widget.mood("#m", "happy")
    expect(focused).to_be_focused()
    # the focus is visible: an outline from :focus-visible
    assert focused.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
    widget.page.keyboard.press("Tab")
    expect(widget.mood("#m", "sad")).to_be_focused()
    widget.page.keyboard.press("Space")
    expect_count(widget, "#m", "sad", "1", pressed=True)
    widget.page.keyboard.press("Enter")  # again: retracted
    expect_count(widget, "#m", "sad", "0", pressed=False)
    expect(widget.mood("#m", "sad")).to_be_focused()  # focus stays put through the request
    group = widget.find("#m [role=group]")
    assert group.get_attribute("aria-labelledby") == "xq-title"
    assert widget.errors() == []


def test_a_rejected_reader_token_is_replaced_once(widget, live):
    site, _ = widget.site()
    stale = "A" * 16 + "." + "B" * 24  # e.g. signed with a secret since rotated
    key = json.dumps(f"xinqing:{live.url}|{site}")
    set_stale = f"localStorage.setItem({key}, {json.dumps(json.dumps({'t': stale}))})"
    widget.page.add_init_script(set_stale)
    widget.open(mood_host(site, "r1"))
    expect_count(widget, "#m", "happy", "0")
    # asked for its moods with it: refused, so it is dropped without a word to the reader
    assert widget.page.evaluate(f"localStorage.getItem({key})") == "{}"
    assert widget.find("#m .note").text_content() == ""
    widget.page.evaluate(set_stale)  # and once more, now only a write finds out
    widget.mood("#m", "happy").click()
    expect_count(widget, "#m", "happy", "1", pressed=True)
    puts = [r for r in widget.requests if r.method == "PUT"]
    assert len(puts) == 2 and puts[0].headers["x-reader-token"] == stale
    assert puts[0].response().status == 401 and puts[1].response().status == 200
    fresh = puts[1].headers["x-reader-token"]
    assert fresh != stale and json.loads(widget.page.evaluate(f"localStorage.getItem({key})"))["t"] == fresh
    assert len(widget.api_calls(r"/readers$")) == 1
    assert widget.errors(expected="401") == []


def test_a_token_signed_before_a_secret_rotation_is_kept_re_signed(widget, live):
    from service.domain.readers import ReaderTokens

    from .conftest import PREVIOUS_SECRET_KEY
    site, _ = widget.site()
    old = ReaderTokens(PREVIOUS_SECRET_KEY).issue(site)
    reader = old.split(".")[0]
    key = json.dumps(f"xinqing:{live.url}|{site}")
    widget.page.add_init_script(f"localStorage.setItem({key}, {json.dumps(json.dumps({'t': old}))})")
    widget.open(mood_host(site, "k1"))
    widget.mood("#m", "sad").click()
    expect_count(widget, "#m", "sad", "1", pressed=True)
    stored = json.loads(widget.page.evaluate(f"localStorage.getItem({key})"))["t"]
    # the same reader, now signed with the current key: no new reader was made
    assert stored != old and stored.split(".")[0] == reader
    assert ReaderTokens(SECRET_KEY).verify(site, stored) == reader
    assert widget.api_calls(r"/readers$") == []
    widget.mood("#m", "sad").click()  # the next write already carries the new token
    expect_count(widget, "#m", "sad", "0", pressed=False)
    assert [r for r in widget.requests if r.method == "DELETE"][0].headers["x-reader-token"] == stored
    assert widget.errors() == []


def test_an_unreachable_api_shows_a_retry_and_breaks_nothing(widget):
    site, _ = widget.site()
    errors = []
    widget.page.on("pageerror", lambda exc: errors.append(exc))
    down = {"on": True}
    widget.page.route("**/v1/**", lambda route: route.abort() if down["on"] else route.continue_())
    widget.open('<p id="own">页面自己的内容</p>' + mood_host(site, "u1"))
    expect(widget.find("#m .down")).to_contain_text("暂时无法加载")
    expect(widget.find("#own")).to_have_text("页面自己的内容")
    down["on"] = False
    widget.find("#m .down button").click()
    expect_count(widget, "#m", "happy", "0")
    # a vote that cannot reach the service rolls back and says so
    down["on"] = True
    widget.mood("#m", "happy").click()
    expect(widget.find("#m .note")).to_have_text("网络不通，请稍后再试")
    expect_count(widget, "#m", "happy", "0", pressed=False)
    assert errors == []
    assert [e for e in widget.errors() if "net::ERR_FAILED" not in e] == []


def test_429_waits_for_retry_after(widget):
    site, _ = widget.site()
    state = {"gets": 0, "puts": 0}

    def limited(route):
        request = route.request
        if request.method == "OPTIONS":
            return route.continue_()
        kind = "gets" if request.method == "GET" else "puts"
        state[kind] += 1
        if state[kind] == 1:  # the first of each is rate limited
            return route.fulfill(status=429, headers={
                "Retry-After": "1", "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After", "Content-Type": "application/json"},
                body=json.dumps({"error": {"code": "rate_limited", "message": "slow down", "details": {}}}))
        return route.continue_()

    widget.page.route("**/articles/q1/reactions**", limited)
    started = time.monotonic()
    widget.open(mood_host(site, "q1"))
    expect_count(widget, "#m", "happy", "0")
    assert time.monotonic() - started >= 1.0 and state["gets"] == 2  # waited, then asked again
    widget.mood("#m", "happy").click()
    expect(widget.find("#m .note")).to_have_text("操作太频繁，请1秒后再试")
    expect(widget.mood("#m", "happy")).to_have_attribute("aria-disabled", "true")
    expect(widget.mood("#m", "happy")).to_have_attribute("aria-disabled", "false")
    widget.mood("#m", "happy").click()
    expect_count(widget, "#m", "happy", "1", pressed=True)
    assert widget.errors(expected="429") == []


def test_bad_attributes_warn_once_and_render_nothing(widget):
    site, _ = widget.site()
    widget.open(f'<div id="bad1" data-xinqing="mood" data-site="Bad Site" data-article="x1"></div>'
                f'<div id="bad2" data-xinqing="mood" data-site="{site}"></div>'
                f'<div id="bad3" data-xinqing="nonsense" data-site="{site}"></div>'
                + mood_host(site, "ok1"))
    expect_count(widget, "#m", "happy", "0")
    warnings = [w.removesuffix(" JSHandle@node") for w in widget.console.warnings
                if w.startswith("xinqing:")]
    assert sorted(warnings) == sorted(["xinqing: bad data-site, nothing rendered",
                                       "xinqing: bad data-article, nothing rendered",
                                       'xinqing: unknown data-xinqing="nonsense", nothing rendered'])
    for bad in ("#bad1", "#bad2", "#bad3"):
        assert widget.page.evaluate(f"document.querySelector('{bad}').shadowRoot") is None
    # fixing the attribute mounts it
    widget.page.evaluate("document.getElementById('bad2').dataset.article = 'ok1'")
    expect_count(widget, "#bad2", "happy", "0")
    assert widget.errors() == []


def test_events_tell_the_page_what_the_reader_did(widget):
    site, _ = widget.site()
    widget.open(mood_host(site, "e1"))
    widget.page.evaluate("""window.seen = [];
        document.addEventListener('xinqing:vote', e => seen.push(e.detail))""")
    widget.mood("#m", "meh").click()
    expect_count(widget, "#m", "meh", "1", pressed=True)
    widget.page.wait_for_function("seen.length == 1")
    detail = widget.page.evaluate("seen")[0]
    assert {k: detail[k] for k in ("site", "article", "mood", "previous", "total")} == {
        "site": site, "article": "e1", "mood": "meh", "previous": None, "total": 1}


def test_languages_and_compact_numbers(widget):
    site, _ = widget.site()

    def big(route):
        response = route.fetch()
        body = response.json()
        body["counts"]["happy"] = 12345
        route.fulfill(response=response, json=body)

    widget.page.route("**/articles/l1/reactions?*", big)
    widget.open(mood_host(site, "l1", "cn") + mood_host(site, "l1", "tw", lang="zh-TW")
                + mood_host(site, "l1", "en", lang="en"))
    expect(widget.find("#cn h2")).to_have_text("您此时的心情")
    expect(widget.find("#tw h2")).to_have_text("您此時的心情")
    expect(widget.find("#en h2")).to_have_text("How does this story make you feel?")
    expect_count(widget, "#cn", "happy", "1.2万")
    expect_count(widget, "#tw", "happy", "1.2萬")
    expect_count(widget, "#en", "happy", "12.3K")
    expect(widget.find("#en button[data-key=happy] .l")).to_have_text("Happy")  # labels via ?lang=en
    expect(widget.find("#cn .sum")).to_have_text("1.2万人表态")
