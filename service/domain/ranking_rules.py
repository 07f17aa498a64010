"""What the rankings rank: windows, activities, metrics and hot points — the one table.

Everything else derives from here: the Lua scripts get these as a generated constants
prelude (service/store/rankings.py renders it when it registers the scripts), the request
schemas validate `window` with `WINDOW_NAMES`, the store names its keys from `METRICS` and
`WINDOW_NAMES`, and the domain's definitions read them. docs/rankings.md walks through
adding a metric or a window: a change here plus its use in `rank_lib.lua`.

This module imports nothing from the service, so any layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR_SECONDS = 3600   # the bucket: windows are counted in whole clock hours


@dataclass(frozen=True)
class Window:
    """A ranking window: the current clock hour and the `hours` before it (None: all time)."""

    name: str
    hours: int | None


WINDOWS: tuple[Window, ...] = (
    Window("1h", 1),
    Window("24h", 24),
    Window("7d", 168),
    Window("30d", 720),
    Window("all", None),
)
WINDOW_NAMES: tuple[str, ...] = tuple(w.name for w in WINDOWS)
# Hour entries are kept while the longest bounded window may still need them.
KEEP_HOURS: int = max(w.hours for w in WINDOWS if w.hours is not None)


@dataclass(frozen=True)
class Activity:
    """A kind of counted activity an article's records hold, per clock hour.

    `code` is how the records and the hour entries name it (a vote's code is `code` + ":" +
    its mood); `metric` the ranking that counts it (votes also count in their mood's own
    ranking); `hot_points` what one unit adds to `hot` before decay.
    """

    kind: str
    code: str
    metric: str
    hot_points: int


VOTE = Activity("vote", "m", "reactions", 3)
SHARE = Activity("share", "s", "shares", 5)
VIEW = Activity("view", "v", "views", 1)
COMMENT = Activity("comment", "c", "comments", 5)
ACTIVITIES: tuple[Activity, ...] = (VOTE, SHARE, VIEW, COMMENT)

HOT = "hot"
# The fixed metrics in the order every scope stores them (after the site's moods):
# one per activity, then `hot`, which sums every activity's points.
METRICS: tuple[str, ...] = tuple(a.metric for a in ACTIVITIES) + (HOT,)
MOOD_PREFIX = VOTE.code + ":"
HOT_POINTS: dict[str, int] = {a.code: a.hot_points for a in ACTIVITIES}
# Hot scores (as shown) below this count as zero; the stored scores are rebased once they
# carry a factor of 2^REBASE_HALF_LIVES.
HOT_EPSILON = 1e-9
REBASE_HALF_LIVES = 256


def mood_code(mood: str) -> str:
    """The code (and metric name) of votes for `mood`: "m:<mood>"."""
    return MOOD_PREFIX + mood


def is_mood_code(code: str) -> bool:
    return code.startswith(MOOD_PREFIX)


def activity_of(code: str) -> Activity | None:
    """The activity a code names (a mood code is a vote), None if none."""
    if is_mood_code(code):
        return VOTE
    return next((a for a in ACTIVITIES if a.code == code and a is not VOTE), None)


def base_codes(moods) -> list[str]:
    """Every code a scope counts for a site with `moods`: each mood's, then the others'."""
    return [mood_code(m) for m in moods] + [a.code for a in ACTIVITIES if a is not VOTE]


def lua_constants() -> dict[str, object]:
    """The table as the constants `rank_lib.lua` uses (rendered into its prelude)."""
    return {
        "RK_WINDOW_NAMES": list(WINDOW_NAMES),
        "RK_WINDOW_HOURS": [-1 if w.hours is None else w.hours for w in WINDOWS],
        "RK_KEEP": KEEP_HOURS,
        "RK_HOUR": HOUR_SECONDS,
        "RK_METRICS": list(METRICS),
        "RK_HOT": HOT,
        "RK_MOOD": VOTE.code,
        "RK_MOOD_PREFIX": MOOD_PREFIX,
        "RK_MOOD_METRIC": VOTE.metric,
        "RK_CODE_METRIC": {a.code: a.metric for a in ACTIVITIES if a is not VOTE},
        "RK_POINTS": dict(HOT_POINTS),
        "RK_EPS": HOT_EPSILON,
        "RK_REBASE": REBASE_HALF_LIVES,
    }
