"""An editor's settings change in the dashboard reaches the reader widget on its next load."""

from __future__ import annotations

from playwright.sync_api import expect

from .hosting import expect_count, mood_host, widget  # noqa: F401 - fixture
from .test_dashboard import Dash


def test_a_mood_added_and_relabelled_in_the_dashboard_shows_in_the_widget(widget, live, page):
    site, token = widget.site()
    dash = Dash(page, live, site, token)
    dash.sign_in()
    dash.open("settings")
    page.click("#add-mood")
    row = page.locator("#moods-rows > li").last
    row.locator("[data-part=key]").fill("angry")
    row.locator('[data-part="labels.zh-CN"]').fill("愤怒")
    row.locator('[data-part="labels.en"]').fill("Angry")
    row.locator("[data-part=emoji]").fill("😠")
    # and a new label for an existing mood
    page.locator("#moods-rows > li").first.locator('[data-part="labels.zh-CN"]').fill("高兴")
    page.click("#settings-form button[type=submit]")
    expect(page.locator("#settings-message")).to_contain_text("已保存")

    widget.open(mood_host(site, "a1"))
    expect(widget.find("#m h2")).to_have_text("您此时的心情")
    angry = widget.mood("#m", "angry")
    expect(angry).to_contain_text("愤怒")
    expect(angry).to_contain_text("😠")
    expect(widget.mood("#m", "happy")).to_contain_text("高兴")
    keys = widget.find("#m button[data-key]").evaluate_all("bs => bs.map(b => b.dataset.key)")
    assert keys == ["happy", "sad", "like", "meh", "angry"]
    angry.click()  # a reader can vote for it at once
    expect_count(widget, "#m", "angry", "1", pressed=True)
    counts = live.get(f"/v1/sites/{site}/articles/a1/reactions").json()["counts"]
    assert counts["angry"] == 1
    assert widget.errors() == []
