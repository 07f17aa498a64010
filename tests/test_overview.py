"""The editors' overview and the operator's site list, against a plain Python model of what
each number means (events with their times, local days computed independently)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import ADMIN_TOKEN
from service.domain.overview import local_days

HOUR = 3600
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Model:
    """Events as (unix time, metric); what the overview must say, computed the plain way."""

    def __init__(self, tz: str) -> None:
        self.tz = ZoneInfo(tz)
        self.events: list[tuple[float, str]] = []

    def add(self, t: float, metric: str, n: int = 1) -> None:
        self.events += [(t, metric)] * n

    def remove(self, t: float, metric: str) -> None:
        self.events.remove((t, metric))

    def day(self, d: date) -> Counter:
        return Counter(m for t, m in self.events
                       if datetime.fromtimestamp(t, self.tz).date() == d)

    def hour(self, h: int) -> Counter:
        return Counter(m for t, m in self.events if int(t) // HOUR == h)


@pytest.fixture
def site(api):
    # (the model writes to articles without synced meta: the site ranks and totals them all)
    token = api.create_site("gmw", moderation="pre", comment_duplicate_window=0,
                            require_meta=False)
    return api.editor(token)


def test_overview_equals_the_model(api, client, clock, site):
    model = Model("Asia/Shanghai")
    t0 = clock.now
    start = t0 - 9 * 86400

    def at(t):
        clock.now = t
        return t

    # votes: one per reader; one moved later (counts at its new cast time), one retracted
    moved, retracted = api.reader(), api.reader()
    for back_hours in (200, 150, 100, 60, 49, 30, 5, 1, 0):
        t = at(t0 - back_hours * HOUR)
        assert api.react(api.reader(), "happy", article=f"a{back_hours % 3}").status_code == 200
        model.add(t, "reactions")
    t_moved = at(start + 2 * 86400)
    assert api.react(moved, "sad").status_code == 200
    t_retracted = at(t0 - 3 * 86400)
    assert api.react(retracted, "like").status_code == 200
    model.add(t_moved, "reactions")
    # shares without a reader always count; views once per visitor and 10-minute slot
    for back_hours in (170, 72, 47, 2):
        t = at(t0 - back_hours * HOUR)
        r = client.post("/v1/sites/gmw/articles/a1/shares", json={"channel": "weibo"})
        assert r.status_code == 200 and r.get_json()["counted"]
        model.add(t, "shares")
        for _ in range(2):
            assert client.post("/v1/sites/gmw/articles/a2/views", headers=api.reader()).status_code == 200
            model.add(t, "views")
    # comments: published ones count at their creation time, whenever approved
    published = []
    for back_hours in (120, 50, 3):
        t = at(t0 - back_hours * HOUR)
        r = client.post("/v1/sites/gmw/articles/a1/comments", json={"body": f"评论{back_hours}"},
                        headers=api.reader())
        assert r.status_code == 201
        published.append((t, r.get_json()["id"]))
    at(t0)
    for t, cid in published[:2]:
        assert client.post(f"/v1/sites/gmw/comments/{cid}/moderate", json={"action": "approve"},
                           headers=site).status_code == 200
        model.add(t, "comments")
    assert client.post(f"/v1/sites/gmw/comments/{published[2][1]}/moderate",
                       json={"action": "reject"}, headers=site).status_code == 200
    # later: the moved vote moves, the retracted one goes
    assert api.react(moved, "meh").status_code == 200
    model.remove(t_moved, "reactions")
    model.add(t0, "reactions")
    assert api.retract(retracted).status_code == 200

    r = client.get("/v1/sites/gmw/overview", headers=site)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    metrics = ("reactions", "shares", "views", "comments")
    today = datetime.fromtimestamp(t0, model.tz).date()
    assert body["today"]["date"] == today.isoformat()
    assert {m: body["today"][m] for m in metrics} == {m: model.day(today)[m] for m in metrics}
    days = [today.fromordinal(today.toordinal() - back) for back in range(7, 0, -1)]
    assert [d["date"] for d in body["previous_days"]] == [d.isoformat() for d in days]
    for got, d in zip(body["previous_days"], days):
        assert {m: got[m] for m in metrics} == {m: model.day(d)[m] for m in metrics}, d
    for m in metrics:
        assert body["previous_average"][m] == round(sum(model.day(d)[m] for d in days) / 7, 2)
    current = int(t0) // HOUR
    assert len(body["hours"]) == len(body["previous_hours"]) == 48
    for got, h in zip(body["previous_hours"] + body["hours"], range(current - 95, current + 1)):
        assert got["start"] == datetime.utcfromtimestamp(h * HOUR).strftime("%Y-%m-%dT%H:00:00Z")
        assert {m: got[m] for m in metrics} == {m: model.hour(h)[m] for m in metrics}, h
    # something was counted in each part, so the comparison above means something
    assert body["today"]["reactions"] >= 3 and sum(d["shares"] for d in body["previous_days"]) >= 2
    assert sum(h["comments"] for h in body["previous_hours"]) == 1
    # every standing vote of the model is in the all-time stats too (same records)
    stats = client.get("/v1/sites/gmw/stats?window=all", headers=site).get_json()["totals"]
    assert stats["reactions"] == len([e for e in model.events if e[1] == "reactions"])


def test_overview_by_channel_and_auth(api, client, site):
    api.client.put("/v1/sites/gmw/articles/a1/meta", headers=site,
                   json={"title": "t", "url": "https://example.com/1", "channel": "gansu"})
    assert api.react(api.reader(), "happy", article="a1").status_code == 200
    assert api.react(api.reader(), "happy", article="b1").status_code == 200
    whole = client.get("/v1/sites/gmw/overview", headers=site).get_json()
    gansu = client.get("/v1/sites/gmw/overview?channel=gansu", headers=site).get_json()
    assert whole["today"]["reactions"] == 2 and gansu["today"]["reactions"] == 1
    assert gansu["channel"] == "gansu"
    assert client.get("/v1/sites/gmw/overview").status_code == 401
    assert client.get("/v1/sites/gmw/overview", headers={"Authorization": "Bearer x"}).status_code == 401
    assert client.get("/v1/sites/gmw/overview", headers=ADMIN).status_code == 200
    assert client.get("/v1/sites/gmw/overview?channel=a/b", headers=site).status_code == 422
    assert client.get("/v1/sites/gmw/overview?channel=" + "x" * 65, headers=site).status_code == 422


def test_local_days_in_odd_zones():
    # Kolkata (+05:30): a day starts with the clock hour holding local midnight
    kolkata = ZoneInfo("Asia/Kolkata")
    now = int(datetime(2025, 3, 10, 12, 0, tzinfo=kolkata).timestamp())
    days = local_days(now, kolkata, 1)
    assert [d for d, _, _ in days] == [date(2025, 3, 9), date(2025, 3, 10)]
    (_, lo1, hi1), (_, lo2, hi2) = days
    midnight = int(datetime(2025, 3, 10, tzinfo=kolkata).timestamp())
    assert lo2 == midnight // HOUR and hi1 == lo2 - 1 and hi2 == now // HOUR
    # New York, 2 November 2025: 25 hours (daylight saving ends)
    ny = ZoneInfo("America/New_York")
    now = int(datetime(2025, 11, 3, 9, 0, tzinfo=ny).timestamp())
    (d1, lo, hi), _ = local_days(now, ny, 1)
    assert d1 == date(2025, 11, 2) and hi - lo + 1 == 25


def test_operators_list_sites(api, client):
    api.create_site("gmw")
    api.create_site("abc", timezone="Europe/Berlin")
    r = client.get("/v1/admin/sites", headers=ADMIN)
    assert r.status_code == 200
    assert r.get_json() == {"items": [{"site": "abc", "timezone": "Europe/Berlin"},
                                      {"site": "gmw", "timezone": "Asia/Shanghai"}]}
    assert client.get("/v1/admin/sites").status_code == 401
    editor = api.editor(api.create_site("third"))
    # an editor token on an operator endpoint (every such case is 401)
    assert client.get("/v1/admin/sites", headers=editor).status_code in (401, 403)


def test_a_bad_mood_key_is_a_422_with_field_details_not_a_500(api, client):
    """The dashboard's settings form shows these details next to each field."""
    editor = api.editor(api.create_site("gmw"))
    r = client.patch("/v1/sites/gmw/settings", headers=editor, json={
        "moods": [{"key": "Bad Key", "labels": {}}, {"key": "ok", "labels": {"en": "OK"}}],
        "share_channels": [{"key": "", "labels": {"en": "x"}}]})
    assert r.status_code == 422, r.get_json()
    fields = r.get_json()["error"]["details"]["fields"]["json"]
    assert "key" in fields["moods"]["0"] and "labels" in fields["moods"]["0"]
    assert "key" in fields["share_channels"]["0"]
