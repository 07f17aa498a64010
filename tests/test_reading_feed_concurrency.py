"""推荐阅读 paged while another process's writes reshuffle the hot order: no repeats, no gaps.

Two apps share the test Redis: one pages the feed, the other keeps voting, retracting and
viewing (and adds new hot articles) between every two pages. The pages must add up to
exactly the hot order the first page saw, while the live ranking has moved on.
"""

from __future__ import annotations

import random
import threading

from conftest import Clock, wait_for
from reading_support import MOODS, Newsroom

ARTICLES = 40
LIMIT = 6


def test_feed_never_repeats_or_skips_while_scores_move(app_factory):
    clock = Clock()
    pager = Newsroom(app_factory(CLOCK=clock))
    writer_app = app_factory(CLOCK=clock)
    writer = writer_app.extensions["xinqing"]
    for i in range(ARTICLES):
        pager.meta(f"a{i:02d}")
        pager.votes(f"a{i:02d}", (i % 3, i % 2, 0, 0))
        pager.views(f"a{i:02d}", i % 7 + 1)

    def live_order():
        r = pager.client.get("/v1/sites/gmw/rankings", query_string={
            "by": "hot", "window": "7d", "limit": 100})
        return [i["article"] for i in r.get_json()["items"]]

    expected = live_order()
    assert len(expected) == ARTICLES

    writes = {"n": 0}
    stop = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        rng = random.Random(7)
        site = writer.sites.get("gmw")
        held: list[tuple[str, str]] = []
        new = writer_app.test_client()
        try:
            while not stop.is_set():
                article = rng.choice(expected)
                now = int(clock())
                roll = rng.random()
                if roll < 0.5:
                    reader = f"w{writes['n']}"
                    writer.rankings.set_vote(site, article, reader, rng.choice(MOODS), now)
                    held.append((article, reader))
                elif roll < 0.7 and held:
                    gone, reader = held.pop(rng.randrange(len(held)))
                    writer.rankings.set_vote(site, gone, reader, None, now)
                elif roll < 0.95:
                    writer.rankings.add_view(site, article, f"wv{writes['n']}", now)
                else:
                    fresh = f"new{writes['n']}"
                    new.put(f"/v1/sites/gmw/articles/{fresh}/meta", headers=pager.editor,
                            json={"title": fresh, "url": f"https://e.com/{fresh}"})
                    for k in range(30):
                        writer.rankings.add_view(site, fresh, f"nv{writes['n']}-{k}", now)
                writes["n"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    seen: list[str] = []
    body = pager.feed(limit=LIMIT).get_json()
    seen += [i["article"] for i in body["items"]]
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        while body["next_cursor"]:
            mark = writes["n"]
            wait_for(lambda: writes["n"] >= mark + 5 or errors, what="the writer's progress")
            r = pager.feed(limit=LIMIT, cursor=body["next_cursor"])
            assert r.status_code == 200, r.get_json()
            body = r.get_json()
            seen += [i["article"] for i in body["items"]]
    finally:
        stop.set()
        thread.join(10)
    assert not errors, errors
    assert len(seen) == len(set(seen)), "an article was shown twice"
    assert seen == expected, "the pages are not the order the first page saw"
    moved = live_order()
    assert moved[:ARTICLES] != expected, "the writer did not reshuffle anything"
    assert any(a.startswith("new") for a in moved), "no new hot article was added"
