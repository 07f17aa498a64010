"""Window edges, table-driven: one vote per case, cast, aged to an edge, then kept, moved or
retracted, and every window's ranking checked at every later edge.

A window of L hours covers the clock hours [R - L, R] (docs/rankings.md): a vote cast in the
first second of hour h is still inside L at the last second of hour h + L, and a vote cast in
the last second of hour h is outside it from the first second of hour h + L + 1. A vote that
moves or is retracted leaves the windows of the hour it was *cast* in, so each case acts at
one of those two edges and then reads on across the edges of every window after it (that is
when an op subtracted from the wrong hour shows: the roll takes away what the move already
took). The check reads, for every window, the ranking of each mood, `reactions` and `hot`
through the API, and the scope's window totals from the store (they can go below zero, where
a ranking only leaves the article out).

`tools/mutants.py` breaks the Lua on purpose and reruns this file with the model test; see
its docstring.
"""

from __future__ import annotations

import math

import pytest

from conftest import ADMIN_TOKEN

MOODS = ("happy", "sad", "like", "meh")
WINDOWS = {"1h": 1, "24h": 24, "7d": 168, "30d": 720, "all": None}
HALF_LIFE = 100.0   # hours: a 1-hour age difference shows in `hot` (0.7 %), 721 hours still > 0
VOTE_POINTS = 3
ARTICLE = "a1"
FIRST = 1_764_400_000 // 3600 + 1    # the hour the vote is cast in
LAST_SECOND = 3599


def case_table():
    """(id, cast second in its hour, action, hours after the cast hour, second in that hour)."""
    rows = []
    for window, hours in WINDOWS.items():
        if hours is None:
            continue
        # just inside: cast at hh:00:00, still counted at the last second of hour + L
        rows.append((f"{window}-inside", 0, None, hours, LAST_SECOND))
        # just outside: cast at hh:59:59, gone at the first second of hour + L + 1
        rows.append((f"{window}-outside", LAST_SECOND, None, hours + 1, 0))
        for action in ("sad", ""):
            verb = "moved" if action else "retracted"
            rows.append((f"{window}-{verb}-inside", 0, action, hours, LAST_SECOND))
            rows.append((f"{window}-{verb}-outside", LAST_SECOND, action, hours + 1, 0))
    return rows


CASES = case_table()


def expected(votes: dict[int, tuple[str, int]], now: int) -> dict[tuple[str, str], float]:
    """(metric, window) -> the article's score, from the definition."""
    cur = now // 3600
    out: dict[tuple[str, str], float] = {}
    for window, hours in WINDOWS.items():
        inside = [(mood, t // 3600) for mood, t in votes.values()
                  if hours is None or t // 3600 >= cur - hours]
        for mood in MOODS:
            out[(mood, window)] = sum(1 for m, _ in inside if m == mood)
        out[("reactions", window)] = len(inside)
        out[("hot", window)] = sum(VOTE_POINTS * 2 ** (-(cur - h) / HALF_LIFE) for _, h in inside)
    return out


class Observer:
    """Read what the service shows at the clock's time: every ranking and window total.

    All reads of this file go through here, so a write path that applies rankings a moment
    later needs one change (wait for it here), not one per case.
    """

    def __init__(self, app, client, clock) -> None:
        self.services = app.extensions["xinqing"]
        self.client = client
        self.clock = clock

    def scores(self) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        for window in WINDOWS:
            r = self.client.get("/v1/sites/gmw/rankings/moods",
                                query_string={"window": window, "limit": 100})
            assert r.status_code == 200, r.get_json()
            for box in r.get_json()["moods"]:
                out[(box["key"], window)] = self._score(box["items"])
            for metric in ("reactions", "hot"):
                r = self.client.get("/v1/sites/gmw/rankings",
                                    query_string={"by": metric, "window": window, "limit": 100})
                assert r.status_code == 200, r.get_json()
                out[(metric, window)] = self._score(r.get_json()["items"])
        return out

    @staticmethod
    def _score(items) -> float:
        assert [i["article"] for i in items] in ([], [ARTICLE]), items
        return items[0]["score"] if items else 0

    def totals(self) -> dict[tuple[str, str], int]:
        totals = self.services.store.rankings.totals("gmw", None, list(MOODS),
                                                     int(self.clock()), HALF_LIFE)
        return {(mood, window): totals[window][f"m:{mood}"] for window in WINDOWS
                for mood in MOODS}


def checkpoints(cast_hour: int, act_hour: int) -> list[int]:
    """The hours to read at from the action on: each window's last hour and the one after,
    counted from the cast hour and from the action's hour."""
    hours = {act_hour}
    for length in WINDOWS.values():
        if length is not None:
            for base in (cast_hour, act_hour):
                hours.update((base + length, base + length + 1))
    return sorted(h for h in hours if h >= act_hour)


@pytest.mark.parametrize("case,cast_second,action,after,act_second", CASES,
                         ids=[row[0] for row in CASES])
def test_vote_at_a_window_edge(app_factory, clock, case, cast_second, action, after,
                               act_second):
    app = app_factory(CLOCK=clock, HOT_HALF_LIFE_HOURS=HALF_LIFE)
    client = app.test_client()
    r = client.post("/v1/admin/sites", json={"site": "gmw", "require_meta": False},
                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 201, r.get_json()
    reader = {"X-Reader-Token": client.post("/v1/sites/gmw/readers").get_json()["reader_token"]}
    url = f"/v1/sites/gmw/articles/{ARTICLE}/reactions/mine"
    observe = Observer(app, client, clock)

    clock.now = FIRST * 3600 + cast_second
    assert client.put(url, json={"mood": "happy"}, headers=reader).status_code == 200
    votes = {0: ("happy", int(clock()))}

    act_hour = FIRST + after
    clock.now = act_hour * 3600 + act_second
    if action == "":
        assert client.delete(url, headers=reader).status_code == 200
        del votes[0]
    elif action:
        assert client.put(url, json={"mood": action}, headers=reader).status_code == 200
        votes[0] = (action, int(clock()))

    for hour in checkpoints(FIRST, act_hour):
        clock.now = max(clock.now, hour * 3600)
        now = int(clock())
        want = expected(votes, now)
        got = observe.scores()
        at = f"{case}: read at cast hour + {hour - FIRST}"
        for key, value in want.items():
            if key[0] == "hot":
                assert math.isclose(got[key], value, rel_tol=1e-5), (at, key, got[key], value)
            else:
                assert got[key] == value, (at, key, got[key], value)
        totals = observe.totals()
        for key, value in totals.items():
            assert value == want[key], (at, "window total", key, value, want[key])


def test_the_table_covers_every_window_and_edge():
    """Each window has a kept, a moved and a retracted vote just inside and just outside."""
    names = {row[0] for row in CASES}
    for window in ("1h", "24h", "7d", "30d"):
        for what in ("", "-moved", "-retracted"):
            for edge in ("inside", "outside"):
                assert f"{window}{what}-{edge}" in names
