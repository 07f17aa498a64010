"""The moderation decision history: recorded with each decision, listed newest first, on a
real Redis through the Flask client (and the domain/store alone where a fault is needed)."""

from __future__ import annotations

import logging

import pytest
from redis.crc import key_slot

from conftest import ADMIN_TOKEN
from service.domain.history import ModerationHistory, entry, item
from service.errors import StorageUnavailable
from service.store.history import HistoryStore
from service.store.keys import Keys

SECRET_BODY = "这条评论的内容不该进历史"


def test_history_key_is_exact_and_shares_the_bans_slot():
    k = Keys("xq")
    assert k.moderation_history("gmw") == "xq:{gmw}:mh"
    assert key_slot(k.moderation_history("gmw").encode()) == key_slot(k.bans("gmw").encode())


class Site:
    def __init__(self, api, site="gmw", **settings):
        self.api, self.client, self.site = api, api.client, site
        self.token = api.create_site(site, **settings)
        self.ed = api.editor(self.token)

    def comment(self, reader=None, body=SECRET_BODY, article="a1"):
        r = self.client.post(f"/v1/sites/{self.site}/articles/{article}/comments",
                             json={"body": body}, headers=reader or self.api.reader(self.site))
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def moderate(self, cid, action, headers=None):
        r = self.client.post(f"/v1/sites/{self.site}/comments/{cid}/moderate",
                             json={"action": action}, headers=headers or self.ed)
        return r

    def history(self, headers=None, **args):
        return self.client.get(f"/v1/sites/{self.site}/moderation/history", query_string=args,
                               headers=self.ed if headers is None else headers)

    def items(self, **args):
        r = self.history(**args)
        assert r.status_code == 200, r.get_json()
        return r.get_json()["items"]


@pytest.fixture
def s(api):
    return Site(api, moderation="pre", comment_duplicate_window=0)


def test_moderation_decisions_are_recorded_with_who_and_when(s, clock, redis_client):
    cid = s.comment()
    assert s.items() == []
    assert s.moderate(cid, "approve").status_code == 200
    clock.advance(60)
    assert s.moderate(cid, "feature", {"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
    clock.advance(60)
    assert s.moderate(cid, "spam").status_code == 200
    items = s.items()
    assert [(i["action"], i["actor"], i["status"]) for i in items] == [
        ("spam", "editor", "spam"), ("feature", "admin", "published"),
        ("approve", "editor", "published")]
    author = s.client.get(f"/v1/sites/gmw/comments/{cid}", headers=s.ed).get_json()["author"]["ref"]
    for i in items:
        assert i["comment"] == cid and i["article"] == "a1" and i["author"] == author
    # times come from the service's clock, in RFC 3339 UTC, newest first
    assert items[0]["at"] > items[1]["at"] > items[2]["at"]
    assert items[2]["at"].endswith("Z")
    # a refused action (409) records nothing
    assert s.moderate(cid, "unfeature").status_code == 409
    assert len(s.items()) == 3
    # nothing of the comment's text nor any token is stored in the stream
    raw = repr(redis_client.xrange("xq:{gmw}:mh"))
    assert SECRET_BODY not in raw and s.token not in raw and ADMIN_TOKEN not in raw
    assert "body" not in raw


def test_bans_unbans_deletes_and_takedowns_are_recorded(s, api):
    troll = api.reader("gmw")
    cid, own = s.comment(troll), s.comment(troll, "第二条")
    r = s.client.post(f"/v1/sites/gmw/comments/{cid}/ban", json={"reason": "abuse", "days": 1},
                      headers=s.ed)
    assert r.status_code == 200
    ref = r.get_json()["ref"]
    assert s.client.delete(f"/v1/sites/gmw/bans/{ref}", headers=s.ed).status_code == 204
    # lifting a ban that is not there is 404 and records nothing
    assert s.client.delete(f"/v1/sites/gmw/bans/{ref}", headers=s.ed).status_code == 404
    assert s.client.put(f"/v1/sites/gmw/bans/{ref}", json={},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
    # the author deleting their own comment is not an editor decision; an editor's is
    assert s.client.delete(f"/v1/sites/gmw/comments/{own}", headers=troll).status_code == 200
    assert s.client.delete(f"/v1/sites/gmw/comments/{cid}", headers=s.ed).status_code == 200
    assert s.client.delete("/v1/sites/gmw/articles/a1", headers=s.ed).status_code == 200
    assert s.client.delete("/v1/sites/gmw/articles/a1", headers=s.ed).status_code == 200  # again
    items = s.items()
    assert [(i["action"], i["actor"]) for i in items] == [
        ("takedown", "editor"), ("delete", "editor"), ("ban", "admin"), ("unban", "editor"),
        ("ban", "editor")]
    takedown, delete, ban_admin, unban, ban = items
    assert takedown["article"] == "a1" and takedown["comment"] is None
    assert delete["comment"] == cid and delete["status"] == "deleted"
    assert ban["author"] == ref and ban["comment"] == cid and ban["reason"] == "abuse"
    assert ban["until"] and ban_admin["until"] is None
    assert unban["author"] == ref and unban["comment"] is None


def test_paging_follows_next_cursor_without_gaps_or_repeats(s):
    cids = [s.comment() for _ in range(7)]
    for cid in cids:
        assert s.moderate(cid, "approve").status_code == 200
    seen, cursor, pages = [], None, 0
    while True:
        args = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = s.history(**args).get_json()
        seen += [i["comment"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(cids)) and pages == 3
    # a decision made while paging shows on the first page, never inside later ones
    first = s.history(limit=3).get_json()
    assert s.moderate(cids[0], "reject").status_code == 200
    rest = s.history(limit=100, cursor=first["next_cursor"]).get_json()["items"]
    assert [i["comment"] for i in rest] == list(reversed(cids))[3:]


def test_cursors_at_the_edges_of_stream_ids(s):
    cid = s.comment()
    assert s.moderate(cid, "approve").status_code == 200
    newest = s.items()[0]["id"]
    ms, seq = newest.split("-")
    for cursor, expected in [("0-0", []), ("0-5", []), (f"{ms}-0", []), (newest, []),
                             (f"{ms}-{int(seq) + 1}", [newest]), (f"{int(ms) + 1}-0", [newest]),
                             ("999999999999999-9999999999999999999", [newest])]:
        assert [i["id"] for i in s.items(cursor=cursor)] == expected, cursor


def test_history_needs_the_sites_editor_or_admin_token(s, api):
    other = api.editor(api.create_site("other"))
    assert s.history(headers={}).status_code == 401
    assert s.history(headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert s.history(headers=other).status_code == 401
    assert s.history(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
    assert s.client.get("/v1/sites/nope/moderation/history",
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 404


@pytest.mark.parametrize("args", [{"limit": 0}, {"limit": 101}, {"limit": "x"},
                                  {"cursor": "abc"}, {"cursor": "1-2\n"}, {"cursor": "9" * 16 + "-0"}])
def test_bad_query_is_a_json_422(s, args):
    r = s.history(**args)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "validation_error"


def test_history_is_in_the_openapi_document(client):
    doc = client.get("/openapi.json").get_json()
    op = doc["paths"]["/v1/sites/{site}/moderation/history"]["get"]
    assert "next_cursor" in str(doc["components"]["schemas"]["HistoryPage"])
    assert {p["name"] for p in op["parameters"]} >= {"limit", "cursor"}


# -- domain and store alone ------------------------------------------------------------------

def test_record_is_the_entry_point_for_other_features(app, clock):
    svc = app.extensions["xinqing"]
    svc.sites.create("gmw", {})
    entry_id = svc.history.record("gmw", "reader_erased", "cli", author="u" + "A" * 16)
    assert entry_id
    page = svc.history.page("gmw", 10, None)
    assert page["items"] == [{"id": entry_id, "action": "reader_erased", "actor": "cli",
                              "at": "2025-11-29T07:06:40Z", "comment": None, "article": None,
                              "author": "u" + "A" * 16, "status": None, "until": None,
                              "reason": None}]
    with pytest.raises(ValueError):
        svc.history.record("gmw", "not-a-decision", "editor")
    with pytest.raises(ValueError):
        svc.history.record("gmw", "approve", "reader")
    with pytest.raises(ValueError):
        svc.history.record("gmw", "approve", "editor", body="text")


def test_entry_and_item_are_pure():
    fields = entry("ban", "editor", 1_700_000_000_123, author="uX", reason="r" * 300, comment=None)
    assert fields == {"action": "ban", "actor": "editor", "at": "1700000000123", "author": "uX",
                      "reason": "r" * 200}
    assert item("1-0", fields)["at"] == "2023-11-14T22:13:20Z"


def test_stream_is_capped(redis_client):
    store = HistoryStore(redis_client, Keys("xq"), cap=50)
    for n in range(600):
        store.append("gmw", {"action": "approve", "actor": "editor", "at": str(n)})
    # MAXLEN ~ trims whole stream nodes: at least the cap kept, never far beyond it
    assert 50 <= store.length("gmw") <= 150
    newest = store.page("gmw", None, 1)[0][1]
    assert newest["at"] == "599"


def test_an_outage_after_the_decision_loses_only_the_entry_and_logs_it(caplog):
    class Down:
        def append(self, site, fields, pipe=None):
            raise StorageUnavailable()

    history = ModerationHistory(Down(), sites=None, clock=lambda: 1_700_000_000.0)
    with caplog.at_level(logging.ERROR, logger="xinqing.history"):
        assert history.record("gmw", "takedown", "editor", article="a1") is None
    assert "takedown" in caplog.text and "a1" in caplog.text and "gmw" in caplog.text


def test_queue_counts_follow_decisions(s):
    cids = [s.comment(body=f"第{i}条") for i in range(3)]
    counts = s.client.get("/v1/sites/gmw/moderation/counts", headers=s.ed)
    assert counts.status_code == 200
    assert counts.get_json() == {"pending": 3, "published": 0, "rejected": 0, "spam": 0}
    assert s.moderate(cids[0], "approve").status_code == 200
    assert s.moderate(cids[1], "spam").status_code == 200
    assert s.client.get("/v1/sites/gmw/moderation/counts", headers=s.ed).get_json() == {
        "pending": 1, "published": 1, "rejected": 0, "spam": 1}
    assert s.client.get("/v1/sites/gmw/moderation/counts").status_code == 401
