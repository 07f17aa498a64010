"""Comments under concurrency on real Redis: paging while inserting, votes, counts, dupes.

Threads each use their own Flask test client on one app; every write is one Lua script, so
what is checked here is that the scripts (not Python) keep the invariants.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import ApiHelper


def setup(app):
    client = app.test_client()
    api = ApiHelper(client)
    editor = api.create_site("gmw")
    return api, {"Authorization": f"Bearer {editor}"}


def post(app, reader, body, article="a1", **extra):
    return app.test_client().post(f"/v1/sites/gmw/articles/{article}/comments",
                                  json={"body": body, **extra}, headers=reader)


def seq(cid: str) -> int:
    return int(cid.rsplit("~", 1)[1])


def page_all(app, sort, limit, pause=None):
    client = app.test_client()
    seen, cursor = [], None
    while True:
        q = {"sort": sort, "limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get("/v1/sites/gmw/articles/a1/comments", query_string=q)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if pause:
            pause()
        if not cursor:
            return seen


def test_paging_while_comments_are_added(app, redis_client):
    api, _ = setup(app)
    readers = [api.reader() for _ in range(8)]
    seeded = [post(app, readers[i % 8], f"seed {i}").get_json()["id"] for i in range(30)]
    stop = threading.Event()
    added: list[str] = []

    def insert(k):
        i = 0
        while not stop.is_set() and i < 40:
            r = post(app, readers[k], f"live {k} {i}")
            assert r.status_code == 201, r.get_json()
            added.append(r.get_json()["id"])
            i += 1

    pool = ThreadPoolExecutor(6)
    inserters = [pool.submit(insert, k) for k in range(4)]
    results = {}
    try:
        tick = threading.Event()
        while len(added) < 5:  # paging starts once the inserters are running
            tick.wait(0.002)
        before = len(added)
        results["old"] = pool.submit(page_all, app, "old", 4, lambda: tick.wait(0.005)).result()
        results["new"] = pool.submit(page_all, app, "new", 4, lambda: tick.wait(0.005)).result()
        results["hot"] = pool.submit(page_all, app, "hot", 4, lambda: tick.wait(0.005)).result()
        during = len(added) - before
    finally:
        stop.set()
        for f in inserters:
            f.result()
        pool.shutdown()
    assert during > 10, "comments were added while the pages were read"
    every = set(seeded) | set(added)
    for sort, seen in results.items():
        assert len(seen) == len(set(seen)), f"{sort}: duplicates"
        assert set(seeded) <= set(seen), f"{sort}: a comment that existed all along is missing"
        assert set(seen) <= every
    old, new = results["old"], results["new"]
    assert [seq(i) for i in old] == sorted(seq(i) for i in old)
    assert [seq(i) for i in new] == sorted((seq(i) for i in new), reverse=True)
    # no gaps: "old" saw every comment up to the last one it saw, "new" every one below its first
    assert set(old) == {i for i in every if seq(i) <= seq(old[-1])}
    assert set(new) == {i for i in every if seq(i) <= seq(new[0])}


def test_concurrent_votes_are_exact(app, redis_client):
    api, _ = setup(app)
    author = api.reader()
    cid = post(app, author, "vote on me").get_json()["id"]
    readers = [api.reader() for _ in range(40)]

    def up(reader):
        r = app.test_client().put(f"/v1/sites/gmw/comments/{cid}/vote", json={"vote": "up"},
                                  headers=reader)
        assert r.status_code == 200

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(up, readers + readers))  # each reader twice: still one standing vote
    votes = app.test_client().get("/v1/sites/gmw/articles/a1/comments").get_json()["items"][0]["votes"]
    assert votes == {"up": 40, "down": 0}

    # readers switching and retracting at random; each one's last answer is its standing vote
    final = {}

    def churn(k):
        rng = random.Random(k)
        last = None
        for _ in range(15):
            choice = rng.choice(["up", "down", None])
            client = app.test_client()
            if choice is None:
                r = client.delete(f"/v1/sites/gmw/comments/{cid}/vote", headers=readers[k])
            else:
                r = client.put(f"/v1/sites/gmw/comments/{cid}/vote", json={"vote": choice},
                               headers=readers[k])
            assert r.status_code == 200
            last = r.get_json()["votes"]["mine"]
        final[k] = last

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(churn, range(40)))
    votes = app.test_client().get("/v1/sites/gmw/articles/a1/comments").get_json()["items"][0]["votes"]
    assert votes == {"up": sum(v == "up" for v in final.values()),
                     "down": sum(v == "down" for v in final.values())}
    standing = redis_client.hgetall("xq:{gmw:a1}:cv")
    assert sorted(standing.values()) == sorted(v for v in final.values() if v)


def test_one_reader_racing_itself_holds_one_vote(app, redis_client):
    api, _ = setup(app)
    reader = api.reader()
    cid = post(app, reader, "race").get_json()["id"]

    def flip(i):
        app.test_client().put(f"/v1/sites/gmw/comments/{cid}/vote",
                              json={"vote": "up" if i % 2 else "down"}, headers=reader)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(flip, range(64)))
    votes = app.test_client().get("/v1/sites/gmw/articles/a1/comments").get_json()["items"][0]["votes"]
    assert votes["up"] + votes["down"] == 1
    mine = redis_client.hget("xq:{gmw:a1}:cv", f"{seq(cid)}:{reader['X-Reader-Token'].split('.')[0]}")
    assert votes[mine] == 1


def test_published_count_stays_exact_under_concurrent_writes(app, redis_client):
    api, editor = setup(app)
    readers = [api.reader() for _ in range(6)]
    tops = [post(app, readers[i % 6], f"top {i}").get_json()["id"] for i in range(12)]

    def work(k):
        rng = random.Random(k)
        client = app.test_client()
        for i in range(20):
            target = rng.choice(tops)
            op = rng.choice(["reply", "reject", "approve", "spam", "delete", "feature"])
            if op == "reply":
                post(app, readers[k], f"reply {k} {i}", parent=target)
            elif op == "delete":
                client.delete(f"/v1/sites/gmw/comments/{target}", headers=editor)
            else:
                client.post(f"/v1/sites/gmw/comments/{target}/moderate", json={"action": op},
                            headers=editor)

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(work, range(6)))
    states = redis_client.hgetall("xq:{gmw:a1}:cs")
    published = sum(s.startswith("published|") for s in states.values())
    count = app.test_client().get("/v1/sites/gmw/articles/a1").get_json()["comments"]["count"]
    assert count == published
    # every parent's reply_count equals its published replies; listings hold exactly the
    # published tops and the placeholders that still have published replies
    replies = {}
    for s in states.values():
        parts = s.split("|")
        if parts[0] == "published" and parts[6] != "0":
            replies[parts[6]] = replies.get(parts[6], 0) + 1
    listed = set(redis_client.zrange("xq:{gmw:a1}:cn", 0, -1))
    for key, s in states.items():
        parts = s.split("|")
        if parts[6] == "0":
            assert int(parts[3]) == replies.get(key, 0)
            visible = parts[0] == "published" or int(parts[3]) > 0
            assert (f"{int(key):010d}" in listed) == visible


def test_concurrent_duplicates_create_one_comment(app):
    api, _ = setup(app)
    reader = api.reader()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: post(app, reader, "抢沙发").status_code, range(16)))
    assert sorted(codes) == [201] + [409] * 15
