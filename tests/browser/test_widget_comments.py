"""Comments in a real browser against the live service: loaded only near the viewport, post,
reply, 顶 (still shown after a reload), 加载更多 with focus and announcement, the held state,
error sentences, and comment text that stays text."""

from __future__ import annotations

from playwright.sync_api import expect

from .hosting import widget  # noqa: F401 - fixture


def post(live, site: str, article: str, body: str, name: str | None = None,
         parent: str | None = None) -> dict:
    r = live.http.post(f"{live.url}/v1/sites/{site}/articles/{article}/comments",
                       json={"body": body, "author_name": name, "parent": parent},
                       headers={"X-Reader-Token": live.reader(site)}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def comments_host(site: str, article: str, **attrs) -> str:
    extra = "".join(f' data-{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<div id="c" data-xinqing="comments" data-site="{site}" data-article="{article}"{extra}></div>'


def test_comments_load_near_the_viewport_then_post_reply_vote_and_page(widget):
    site, _ = widget.site()
    for i in range(1, 7):
        post(widget.live, site, "k1", f"第{i}条评论", name=f"读者{i}")
    post(widget.live, site, "k1", "<img src=x onerror=alert(1)>", name="<b>坏人</b>")
    # (the strict CSP allows no inline style: the spacer gets its height from the CSSOM)
    widget.page.add_init_script('''document.addEventListener("DOMContentLoaded", () =>
        document.getElementById("spacer").style.height = "3000px")''')
    widget.open('<p id="top">正文</p><div id="spacer"></div>' + comments_host(site, "k1", limit=5, sort="new"))
    widget.page.evaluate("window.scrollTo(0, 0)")
    widget.page.wait_for_timeout(300)  # give a wrongly eager loader the chance to show itself
    assert widget.api_calls(r"comments\.[0-9a-f]{10}\.js") == []
    assert widget.api_calls(r"/comments\?") == []
    widget.find("#c").scroll_into_view_if_needed()
    box = widget.find("#c")
    expect(box.locator("h2")).to_contain_text("评论")
    expect(box.locator("h2 .total")).to_have_text("共7条")
    items = box.locator(".cl > li > article")
    expect(items).to_have_count(5)
    # comment text is text: the markup shows as typed, nothing is injected
    expect(items.first.locator(".body")).to_have_text("<img src=x onerror=alert(1)>")
    expect(items.first.locator(".who")).to_have_text("<b>坏人</b>")
    assert box.locator("img").count() == 0

    # post: the counter follows, the new comment goes on top
    text = box.locator(".pf textarea").first
    text.fill("说得好")
    expect(box.locator(".pf .count").first).to_have_text("3/2000")
    widget.page.evaluate("""window.seen = [];
        document.addEventListener('xinqing:comment', e => seen.push(e.detail))""")
    box.locator(".pf .send").first.click()
    expect(box.locator(".pf .note").first).to_have_text("评论已发表")
    expect(items.first.locator(".body")).to_have_text("说得好")
    expect(box.locator("h2 .total")).to_have_text("共8条")
    expect(text).to_have_value("")
    widget.page.wait_for_function("seen.length == 1")
    assert widget.page.evaluate("seen[0].status") == "published"

    # reply to the second comment
    target = box.locator(".cl > li").nth(1)
    target.locator("button.rep").click()
    reply = target.locator("form.reply textarea")
    expect(reply).to_be_focused()
    reply.fill("同意")
    target.locator("form.reply .send").click()
    expect(target.locator(".rl article .body")).to_have_text("同意")
    expect(box.locator("h2 .total")).to_have_text("共9条")

    # 顶, shown as the reader's own after a reload
    up = target.locator("> article button[data-vote=up]")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_text("顶 1")
    widget.page.reload()
    widget.find("#c").scroll_into_view_if_needed()
    again = widget.find("#c .cl > li").nth(1).locator("> article button[data-vote=up]")
    expect(again).to_have_text("顶 1")
    expect(again).to_have_attribute("aria-pressed", "true")
    expect(widget.find("#c .cl > li").nth(1).locator(".rl article .body")).to_have_text("同意")

    # 加载更多: appended, focus on the first new one, the count announced
    box = widget.find("#c")
    expect(box.locator(".cl > li > article")).to_have_count(5)
    box.locator("button.more").click()
    expect(box.locator(".cl > li > article")).to_have_count(8)
    expect(box.locator(".cl > li > article").nth(5)).to_be_focused()
    expect(box.locator("section > .note")).to_have_text("已加载3条评论")
    expect(box.locator("button.more")).to_be_hidden()
    assert widget.errors() == []


def test_a_held_comment_says_it_awaits_review(widget):
    site, _ = widget.site(moderation="pre")
    widget.open(comments_host(site, "h1"))
    box = widget.find("#c")
    expect(box.locator(".none")).to_have_text("还没有评论，来说两句吧")
    box.locator(".pf textarea").fill("请审核")
    box.locator(".pf .name").fill("小王")
    box.locator(".pf .send").click()
    expect(box.locator(".pf .note")).to_have_text("评论已提交，审核通过后显示")
    item = box.locator(".cl article")
    expect(item.locator(".badge.wait")).to_have_text("审核中")
    expect(item.locator(".who")).to_have_text("小王")
    expect(box.locator("h2 .total")).to_have_text("共0条")
    assert item.locator("button").count() == 0  # no 顶 or 回复 on what is not published
    assert widget.errors() == []


def test_errors_read_as_sentences_and_the_counter_holds_the_limit(widget):
    site, _ = widget.site()
    widget.open(comments_host(site, "x1", max_length=10, lang="en"))
    box = widget.find("#c")
    expect(box.locator("h2")).to_contain_text("Comments")
    text = box.locator(".pf textarea")
    text.fill("this is far too long")
    expect(box.locator(".pf .count")).to_have_text("20/10 · At most 10 characters")
    expect(text).to_have_attribute("aria-invalid", "true")
    box.locator(".pf .send").click()
    assert widget.api_calls(r"/comments$") == []  # nothing sent over the limit
    text.fill("twice")
    box.locator(".pf .send").click()
    expect(box.locator(".pf .note")).to_have_text("Comment posted")
    text.fill("twice")
    box.locator(".pf .send").click()
    expect(box.locator(".pf .note")).to_have_text("You just posted the same comment.")
    assert widget.errors(expected="409") == []


def test_a_post_whose_answer_was_lost_is_sent_again_with_the_same_key(widget):
    site, _ = widget.site()
    lost = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch())  # the service takes the post; the answer never arrives
            route.abort()
        else:
            route.continue_()

    widget.page.route("**/articles/i1/comments", lose_the_first_answer)
    widget.open(comments_host(site, "i1", lang="en"))
    box = widget.find("#c")
    text = box.locator(".pf textarea")
    text.fill("只发一次")
    box.locator(".pf .send").click()
    expect(box.locator(".pf .note")).not_to_have_text("")
    assert lost and lost[0].status == 201
    expect(text).to_have_value("只发一次")  # kept for the retry
    box.locator(".pf .send").click()
    expect(box.locator(".pf .note")).to_have_text("Comment posted")
    posts = [r for r in widget.requests if r.method == "POST" and r.url.endswith("/comments")]
    keys = {r.headers.get("idempotency-key") for r in posts}
    assert len(posts) == 2 and len(keys) == 1 and None not in keys
    assert posts[1].response().headers.get("idempotent-replayed") == "true"
    listing = widget.live.get(f"/v1/sites/{site}/articles/i1/comments").json()
    assert [c["body"] for c in listing["items"]] == ["只发一次"]

    text.fill("只发一次")  # the same words as a new draft are a new post (the duplicate rule)
    box.locator(".pf .send").click()
    posts = [r for r in widget.requests if r.method == "POST" and r.url.endswith("/comments")]
    assert len(posts) == 3 and posts[2].headers["idempotency-key"] not in keys
    assert widget.errors(expected="409|ERR_FAILED") == []


def test_the_counter_counts_against_the_sites_own_limit(widget):
    site, _ = widget.site(comment_max_length=12)
    lowered = comments_host(site, "m2", lang="en", max_length=5).replace('id="c"', 'id="c5"')
    widget.open(comments_host(site, "m1", lang="en") + lowered)
    text = widget.find("#c .pf textarea")
    expect(widget.find("#c .pf .count")).to_have_text("0/12")
    text.fill("thirteen char")
    expect(widget.find("#c .pf .count")).to_have_text("13/12 · At most 12 characters")
    expect(widget.find("#c5 .pf .count")).to_have_text("0/5")  # data-max-length only lowers it
    assert widget.errors() == []
