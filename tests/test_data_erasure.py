"""Erasing one reader: every count and ranking ends exactly where it would be had the reader
never acted (compared against a second store that never saw them), replies to their comments
stay under a placeholder, nothing of their text stays, a second erasure changes nothing, and
the history records it without content."""

from __future__ import annotations

import random

import pytest

from conftest import ADMIN_TOKEN, Clock, RedisServer, make_config
from test_data_import import snapshot

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ARTICLES = ["a1", "a2", "a3", "a4"]


@pytest.fixture
def site(api, client):
    editor = api.editor(api.create_site())
    for i, article in enumerate(ARTICLES):
        client.put(f"/v1/sites/gmw/articles/{article}/meta", headers=editor,
                   json={"title": article, "url": f"https://e.com/{article}",
                         **({"channel": "gansu"} if i % 2 else {})})
    return editor


def test_reader_me_and_the_guards(api, client, site):
    reader = api.reader()
    assert client.get("/v1/sites/gmw/readers/me").status_code == 401
    me = client.get("/v1/sites/gmw/readers/me", headers=reader)
    assert me.status_code == 200 and "private" in me.headers["Cache-Control"]
    rid = me.get_json()["reader"]
    assert reader["X-Reader-Token"].startswith(rid + ".")
    assert client.delete(f"/v1/sites/gmw/readers/{rid}").status_code == 401
    assert client.delete(f"/v1/sites/gmw/readers/{rid}", headers=reader).status_code == 401
    assert client.delete(f"/v1/sites/gmw/readers/{rid}",
                         headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.delete("/v1/sites/gmw/readers/short", headers=site).status_code == 400
    assert client.delete(f"/v1/sites/gmw/readers/{rid}%0A", headers=site).status_code == 400
    assert client.delete(f"/v1/sites/nope/readers/{rid}", headers=ADMIN).status_code == 404
    r = client.delete(f"/v1/sites/gmw/readers/{rid}", headers=site)
    assert r.status_code == 200 and r.get_json()["votes"] == 0


def _play(client, editor, readers, skip: int | None, clock: Clock, seed: int):
    """The same scripted traffic on a store; the reader at index `skip` is left out."""
    rng = random.Random(seed)
    comments: dict[int, list[str]] = {i: [] for i in range(len(readers))}
    for step in range(160):
        # every random draw comes first, so both stores see the same sequence
        clock.advance(rng.choice([60, 1800, 3600, 5 * 3600]))
        who, article, roll = rng.randrange(len(readers)), rng.choice(ARTICLES), rng.random()
        mood, vote, pick = rng.choice(["happy", "sad", "like", "meh"]), rng.choice(["up", "down"]), rng.random()
        action = rng.choice(["reject", "approve", "feature"])
        if who == skip:
            continue
        h = readers[who]
        if roll < 0.5:
            client.put(f"/v1/sites/gmw/articles/{article}/reactions/mine", headers=h,
                       json={"mood": mood})
        elif roll < 0.6:
            client.delete(f"/v1/sites/gmw/articles/{article}/reactions/mine", headers=h)
        elif roll < 0.75:
            r = client.post(f"/v1/sites/gmw/articles/{article}/comments", headers=h,
                            json={"body": f"c{step}"})
            if r.status_code == 201:
                comments[who].append(r.get_json()["id"])
        elif roll < 0.95:
            # votes on comments, but never by others on the erased reader's comments (those
            # do not exist in the store that never saw the reader)
            pool = [c for w, cs in comments.items() for c in cs if w != 0 or who == 0]
            if pool:
                client.put(f"/v1/sites/gmw/comments/{pool[int(pick * len(pool))]}/vote",
                           headers=h, json={"vote": vote})
        else:
            pool = [c for w, cs in comments.items() for c in cs if w != 0]
            if pool:
                client.post(f"/v1/sites/gmw/comments/{pool[int(pick * len(pool))]}/moderate",
                            headers=editor, json={"action": action})


def _views(client, editor) -> dict:
    """Everything count-like the API shows, comment ids left out (they number differently)."""
    def strip(item):
        return {k: v for k, v in item.items() if k not in ("id", "parent", "created_at")} | (
            {"replies": [strip(r) for r in item["replies"]]} if "replies" in item else {})
    out = {}
    for article in ARTICLES:
        out[article] = client.get(f"/v1/sites/gmw/articles/{article}").get_json()
        for sort in ("new", "hot"):
            page = client.get(f"/v1/sites/gmw/articles/{article}/comments?sort={sort}&limit=50")
            out[(article, sort)] = [strip(i) for i in page.get_json()["items"]]
        out[(article, "timeline")] = client.get(
            f"/v1/sites/gmw/articles/{article}/timeline?granularity=day", headers=editor).get_json()
    for by in ("happy", "sad", "like", "meh", "reactions", "comments", "hot"):
        for window in ("1h", "24h", "7d", "all"):
            for channel in (None, "gansu"):
                body = client.get("/v1/sites/gmw/rankings", query_string={
                    "by": by, "window": window, **({"channel": channel} if channel else {})})
                out[(by, window, channel)] = body.get_json()["items"]
    for window in ("24h", "all"):
        out[("stats", window)] = client.get(f"/v1/sites/gmw/stats?window={window}",
                                            headers=editor).get_json()
    return out


def test_erasure_leaves_every_count_as_if_the_reader_never_acted(redis_server, redis_client):
    """Store A sees six readers; store B the same traffic without reader 0. After reader 0 is
    erased from A, every count, ranking, stat, timeline and comment listing is B's."""
    from service import create_app

    if redis_server is None:
        pytest.fail("needs redis-server", pytrace=False)
    other = RedisServer()
    try:
        results = []
        for server, client_, skip in ((redis_server, redis_client, None), (other, other.client(), 0)):
            clock = Clock(1_764_000_000.0)
            app = create_app(make_config(server, client_, CLOCK=clock, ACCESS_LOG=False))
            c = app.test_client()
            token = c.post("/v1/admin/sites", headers=ADMIN, json={"site": "gmw"}).get_json()
            editor = {"Authorization": f"Bearer {token['editor_token']}"}
            for i, article in enumerate(ARTICLES):
                c.put(f"/v1/sites/gmw/articles/{article}/meta", headers=editor,
                      json={"title": article, "url": f"https://e.com/{article}",
                            **({"channel": "gansu"} if i % 2 else {})})
            # the same reader ids in both stores: tokens are signed with the same secret
            svc = app.extensions["xinqing"]
            readers = [{"X-Reader-Token": f"{rid}.{svc.tokens._sign('gmw', rid)}"}
                       for rid in (f"reader{i:010d}" for i in range(6))]
            _play(c, editor, readers, skip, clock, seed=5)
            results.append((app, c, editor, clock))
        (app_a, ca, editor_a, clock_a), (app_b, cb, editor_b, clock_b) = results
        assert _views(ca, editor_a) != _views(cb, editor_b)   # reader 0 did count
        r = ca.delete("/v1/sites/gmw/readers/reader0000000000", headers=editor_a)
        assert r.status_code == 200
        erased = r.get_json()
        assert erased["votes"] > 0 and erased["comments"] > 0 and erased["comment_votes"] > 0
        assert _views(ca, editor_a) == _views(cb, editor_b)
        # again: nothing left, nothing changes
        before = snapshot(redis_client)
        again = ca.delete("/v1/sites/gmw/readers/reader0000000000", headers=editor_a).get_json()
        assert (again["votes"], again["comments"], again["comment_votes"]) == (0, 0, 0)
        assert snapshot(redis_client) == before
        # nothing of theirs is left anywhere in the store (ids, text)
        dump = repr(before)
        assert "reader0000000000" not in dump
        history = ca.get("/v1/sites/gmw/moderation/history", headers=editor_a).get_json()
        entry = history["items"][0]
        assert entry["action"] == "reader_erased" and entry["actor"] == "editor"
        assert entry["author"].startswith("u") and "reader0000000000" not in repr(history)
    finally:
        other.stop()


def test_replies_stay_under_a_placeholder_and_no_text_remains(api, client, site, redis_client):
    author, other = api.reader(), api.reader()
    rid = client.get("/v1/sites/gmw/readers/me", headers=author).get_json()["reader"]
    top = client.post("/v1/sites/gmw/articles/a1/comments", headers=author,
                      json={"body": "秘密的话", "author_name": "张三"}).get_json()["id"]
    reply = client.post("/v1/sites/gmw/articles/a1/comments", headers=other,
                        json={"body": "回复", "parent": top}).get_json()["id"]
    client.post("/v1/sites/gmw/articles/a1/comments", headers=author,
                json={"body": "我的回复", "parent": top})
    client.put(f"/v1/sites/gmw/comments/{reply}/vote", headers=author, json={"vote": "up"})
    client.post(f"/v1/sites/gmw/comments/{reply}/moderate", headers=site, json={"action": "reject"})
    r = client.delete(f"/v1/sites/gmw/readers/{rid}", headers=site).get_json()
    assert (r["comments"], r["comment_votes"]) == (2, 1)   # the 顶 on a rejected reply too
    listing = client.get("/v1/sites/gmw/articles/a1/comments").get_json()
    assert listing["count"] == 0   # the other reply is rejected; the author's are gone
    client.post(f"/v1/sites/gmw/comments/{reply}/moderate", headers=site, json={"action": "approve"})
    listing = client.get("/v1/sites/gmw/articles/a1/comments").get_json()
    [item] = listing["items"]
    assert (item["id"], item["status"], item["body"], item["author"]["name"]) == (top, "deleted", "", "")
    assert [x["id"] for x in item["replies"]] == [reply] and item["replies"][0]["votes"]["up"] == 0
    editor_view = client.get(f"/v1/sites/gmw/comments/{top}", headers=site).get_json()
    assert editor_view["body"] == "" and editor_view["author"]["name"] == ""
    assert "秘密" not in repr(snapshot(redis_client)) and "张三" not in repr(snapshot(redis_client))


def test_reader_index_memory_is_small(api, client, site, redis_client, app):
    """What the index costs (docs/data.md): a small fixed cost per reader, then bytes per
    article entry, from MEMORY USAGE (a listpack hash up to 512 articles)."""
    reader = api.reader()
    rid = client.get("/v1/sites/gmw/readers/me", headers=reader).get_json()["reader"]
    store = app.extensions["xinqing"].portability
    api.react(reader, "happy", article="content_37999999")
    one = store.reader_index_bytes("gmw", rid)
    for i in range(100):
        api.react(reader, "happy", article=f"content_{38000000 + i}")
    per_entry = (store.reader_index_bytes("gmw", rid) - one) / 100
    assert one < 120 and per_entry < 24, (one, per_entry)  # ~20 B for a 16-character id
