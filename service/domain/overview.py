"""The editors' overview: today against the previous 7 days, and the last 48 hours per hour
against the 48 before. Exact: every number is a sum of the ranking scope's hour totals
(service/store/rankings.py), the same records the `stats` totals and the windows come from.

What counts, per hour (docs/rankings.md): `reactions` = standing votes (any configured mood)
cast in the hour (a vote moved or retracted later leaves the hour it was cast in); `shares`
and `views` = what the counting rules counted; `comments` = published comments created in
the hour. Hour totals are kept for 720 hours, far more than the 8 days read here.

Days are the site's local days (its `timezone`) made of whole UTC clock hours: a day starts
with the clock hour holding local midnight, so in a zone offset by half an hour a day's
first half hour is counted with the day before. Days of 23 or 25 hours (daylight saving)
count as they are.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .articles import rfc3339

METRICS = ("reactions", "shares", "views", "comments")
# Base codes of the hour totals: "m:<mood>" per mood, then these.
CODE_METRIC = {"s": "shares", "v": "views", "c": "comments"}
PREVIOUS_DAYS = 7
ACTIVITY_HOURS = 48


def local_days(now: int, tz: ZoneInfo, count: int) -> list[tuple[date, int, int]]:
    """(local date, first clock hour, last clock hour) of today and the `count` days before,
    oldest first; today ends with the current hour (pure)."""
    today = datetime.fromtimestamp(now, tz).date()
    current_hour = now // 3600
    days = []
    for back in range(count, -1, -1):
        day = today - timedelta(days=back)
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        following = day + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=tz)
        first = int(start.timestamp()) // 3600
        last = current_hour if back == 0 else int(end.timestamp()) // 3600 - 1
        days.append((day, first, last))
    return days


def fold(totals: dict[tuple[int, str], int], hours, moods: list[str]) -> dict[str, int]:
    """Sum the hour totals of `hours` into the four metrics (pure); removed moods are left out,
    as in `stats`."""
    out = dict.fromkeys(METRICS, 0)
    mood_codes = {f"m:{m}" for m in moods}
    for (hour, code), n in totals.items():
        if hour not in hours:
            continue
        if code in mood_codes:
            out["reactions"] += n
        elif code in CODE_METRIC:
            out[CODE_METRIC[code]] += n
    return {k: max(0, v) for k, v in out.items()}


class Overview:
    def __init__(self, rankings_store, sites, clock: Callable[[], float] = time.time) -> None:
        self.ranking_store = rankings_store
        self.sites = sites
        self.clock = clock

    def overview(self, site_id: str, channel: str | None) -> dict[str, Any]:
        """Today vs the previous 7 days' average, and 48 hours vs the 48 before, per hour."""
        site = self.sites.get(site_id)
        now = int(self.clock())
        tz = ZoneInfo(site.settings.get("timezone") or "Asia/Shanghai")
        moods = [m["key"] for m in site.moods]
        days = local_days(now, tz, PREVIOUS_DAYS)
        current = now // 3600
        first = min(days[0][1], current - 2 * ACTIVITY_HOURS + 1)
        codes = [f"m:{m}" for m in moods] + list(CODE_METRIC)
        totals = self.ranking_store.hour_totals(site_id, channel, range(first, current + 1), codes)

        def day_item(day: date, lo: int, hi: int) -> dict[str, Any]:
            return {"date": day.isoformat(), "from": rfc3339(lo * 3600),
                    "to": rfc3339((hi + 1) * 3600), **fold(totals, range(lo, hi + 1), moods)}

        previous = [day_item(*d) for d in days[:-1]]
        average = {m: round(sum(d[m] for d in previous) / PREVIOUS_DAYS, 2) for m in METRICS}

        def hours(lo: int) -> list[dict[str, Any]]:
            return [{"start": rfc3339(h * 3600), **fold(totals, (h,), moods)}
                    for h in range(lo, lo + ACTIVITY_HOURS)]

        return {
            "site": site_id, "channel": channel, "timezone": str(tz),
            "generated_at": rfc3339(now),
            "today": day_item(*days[-1]),
            "previous_days": previous,
            "previous_average": average,
            "hours": hours(current - ACTIVITY_HOURS + 1),
            "previous_hours": hours(current - 2 * ACTIVITY_HOURS + 1),
        }
