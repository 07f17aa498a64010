"""Counts from the systems news sites use today, as legacy counts (docs/data.md).

* PHPCMS v9's mood module keeps one row per article in `v9_mood`
  (`id, catid, siteid, contentid, total, n1 … n10, lastupdate`): ten mood columns whose
  meaning the module's settings gave (n1 震惊, n2 不解 … by default); a mapping says which
  n-column counts for which of the site's moods.
* Waline keeps one row per page in `Counter` (`time` = page views, `reaction0 … reaction8`,
  `url` = the page's path, `createdAt`, `updatedAt`), exported by its admin as JSON
  (`{"type": "waline", "data": {"Counter": [...]}}`) or as a table dump in CSV.

Those counts have no voters: they become legacy counts, cast at the row's `lastupdate` /
`updatedAt` (or a time given instead), that show in totals, rankings and timelines and that
no reader can take away. Every row is checked before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

import orjson

from schemas.common import ARTICLE_RE
from .portability import BadLine

PHPCMS_COLUMNS = ("id", "catid", "siteid", "contentid", "total",
                  *(f"n{i}" for i in range(1, 11)), "lastupdate")
WALINE_REACTIONS = tuple(f"reaction{i}" for i in range(9))


@dataclass(frozen=True)
class LegacyRow:
    """The legacy counts of one article: code ("m:<mood>" or "v") -> count, cast at `at`."""

    line: int
    article: str
    counts: dict[str, int]
    at: int


def parse_mapping(text: str, columns: Iterable[str], moods: Iterable[str]) -> dict[str, str | None]:
    """"n1=happy,n2=sad,n9=" -> {column: mood or None (dropped)}; ValueError says what is wrong."""
    columns, moods = list(columns), set(moods)
    out: dict[str, str | None] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        column, eq, mood = part.partition("=")
        column, mood = column.strip(), mood.strip()
        if not eq or column not in columns:
            raise ValueError(f"{part!r}: expected COLUMN=MOOD with COLUMN one of "
                             f"{', '.join(columns)}")
        if mood and mood not in moods:
            raise ValueError(f"{part!r}: the site has no mood {mood!r} (it has "
                             f"{', '.join(sorted(moods))})")
        out[column] = mood or None
    if not any(out.values()):
        raise ValueError("map at least one column to a mood, like n1=happy")
    return out


def _count(value: Any, column: str) -> int:
    if value is None or value == "" or (isinstance(value, str) and value.upper() == "NULL"):
        return 0
    if isinstance(value, bool) or not re.fullmatch(r"\s*[0-9]{1,15}\s*", str(value)):
        raise ValueError(f"{column}: expected a count (a whole number ≥ 0), got {str(value)[:40]!r}")
    return int(value)


def _time(value: Any, column: str, tz: ZoneInfo) -> int:
    """Unix seconds from a number (s or ms) or a date text (ISO 8601, or MySQL's
    "YYYY-MM-DD HH:MM:SS" read in `tz`)."""
    text = str(value).strip() if value is not None else ""
    if re.fullmatch(r"[0-9]{1,13}", text):
        n = int(text)
        return n // 1000 if n > 10 ** 11 else n
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{column}: expected a time, got {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return int(parsed.timestamp())


def _counts(row: dict[str, Any], mapping: dict[str, str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for column, mood in mapping.items():
        n = _count(row.get(column), column)
        if mood:
            counts[f"m:{mood}"] = counts.get(f"m:{mood}", 0) + n
    return counts


def _unmapped(row: dict[str, Any], columns: Iterable[str], mapping: dict) -> None:
    for column in columns:
        if column not in mapping and _count(row.get(column), column):
            raise ValueError(f"{column} holds {row[column]} but the mapping does not say which "
                             f"mood it is (map it, or drop it with {column}=)")


def _article_id(template: str, row: dict[str, Any]) -> str:
    try:
        article = template.format(**{k: str(v).strip() for k, v in row.items() if k})
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"the article template {template!r} cannot be filled ({exc})") from None
    if not ARTICLE_RE.fullmatch(article):
        raise ValueError(f"{article[:140]!r} is not an article id (1-128 of [A-Za-z0-9_.:-])")
    return article


def _rows(stream: io.TextIOBase,
          fixed: tuple[tuple[str, ...], ...] = ()) -> Iterator[tuple[int, dict]]:
    """(line, row) of a CSV: named by its header row, or, given `fixed`, by the column list
    of the row's length."""
    reader = csv.reader(stream)
    names = None
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if fixed:
            names = next((n for n in fixed if len(n) == len(row)), None)
            if names is None:
                yield line, {"__error__": f"expected {' or '.join(str(len(n)) for n in fixed)} "
                                          f"columns, found {len(row)}"}
                continue
        elif names is None:
            names = tuple(c.strip().strip("`\"") for c in row)
            continue
        if len(row) != len(names):
            yield line, {"__error__": f"expected {len(names)} columns, found {len(row)}"}
            continue
        yield line, dict(zip(names, row))


def phpcms_rows(stream: io.TextIOBase, mapping: dict[str, str | None], *, template: str,
                siteid: int | None, at: int | None, tz: ZoneInfo,
                header: bool = True) -> Iterator[LegacyRow | BadLine]:
    """Return rows of a CSV export of PHPCMS v9's mood table: with its header row, or in the
    table's column order (header=False; the `id` column may be left out)."""
    fixed = () if header else (PHPCMS_COLUMNS, PHPCMS_COLUMNS[1:])
    moods = [f"n{i}" for i in range(1, 11)]
    for line, row in _rows(stream, fixed):
        if "__error__" in row:
            yield BadLine(line, row["__error__"])
            continue
        try:
            missing = [c for c in ("contentid", *mapping) if c not in row]
            if missing:
                raise ValueError(f"no column {', '.join(missing)} (the header row names "
                                 f"{', '.join(row)})")
            if siteid is not None and _count(row.get("siteid"), "siteid") != siteid:
                continue
            counts = _counts(row, mapping)
            _unmapped(row, moods, mapping)
            when = at if at is not None else _time(row.get("lastupdate"), "lastupdate", tz)
            if when <= 0:
                raise ValueError("lastupdate is 0: give the time these counts stand for "
                                 "with --at")
            yield LegacyRow(line, _article_id(template, row), counts, when)
        except ValueError as exc:
            yield BadLine(line, str(exc))


def _waline_records(raw: bytes) -> Iterator[tuple[int, dict]]:
    data = orjson.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and "errno" in data:
        data = data["data"]   # the admin API's envelope
    if not (isinstance(data, dict) and isinstance(data.get("data"), dict)
            and isinstance(data["data"].get("Counter"), list)):
        raise ValueError('expected Waline\'s export: {"type": "waline", "data": {"Counter": [...]}}')
    for i, row in enumerate(data["data"]["Counter"], 1):
        yield i, row if isinstance(row, dict) else {"__error__": "expected an object"}


def waline_rows(raw: bytes, mapping: dict[str, str | None], *, article_of: Callable[[str], str],
                views: bool, at: int | None, tz: ZoneInfo) -> Iterator[LegacyRow | BadLine]:
    """Return rows of Waline's Counter table: its JSON export (rows numbered as Counter[n], 1-based)
    or a CSV dump with a header row (numbered by line)."""
    head = raw.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            rows = list(_waline_records(raw))
        except (ValueError, orjson.JSONDecodeError) as exc:
            yield BadLine(1, str(exc))
            return
    else:
        rows = list(_rows(io.StringIO(raw.decode("utf-8-sig"))))
    for line, row in rows:
        if "__error__" in row:
            yield BadLine(line, row["__error__"])
            continue
        try:
            url = str(row.get("url") or "").strip()
            if not url:
                raise ValueError("url: the row names no page")
            counts = _counts(row, mapping)
            _unmapped(row, WALINE_REACTIONS, mapping)
            if views:
                counts["v"] = _count(row.get("time"), "time")
            when = at if at is not None else _time(row.get("updatedAt") or row.get("createdAt"),
                                                   "updatedAt", tz)
            yield LegacyRow(line, article_of(url), counts, when)
        except ValueError as exc:
            yield BadLine(line, str(exc))


def url_article(pattern: str | None) -> Callable[[str], str]:
    """Return how a Waline path becomes an article id: the regex's first group (or whole match),
    or by default the last path segment without its extension (/news/38012345.html → 38012345)."""
    regex = re.compile(pattern) if pattern else None

    def article(url: str) -> str:
        path = url.split("?", 1)[0].split("#", 1)[0]
        if regex is not None:
            match = regex.search(url)
            if not match:
                raise ValueError(f"url {url[:120]!r} does not match {pattern!r}")
            found = match.group(1) if regex.groups else match.group(0)
        else:
            found = path.rstrip("/").rsplit("/", 1)[-1]
            found = found.rsplit(".", 1)[0] if "." in found else found
        if not ARTICLE_RE.fullmatch(found or ""):
            raise ValueError(f"url {url[:120]!r} gives {found[:60]!r}, not an article id; "
                             f"say how with --article-regex")
        return found
    return article


def check_unique(rows: Iterable[LegacyRow | BadLine]) -> Iterator[LegacyRow | BadLine]:
    """Pass rows through, turning a second row for the same article into a bad line."""
    seen: dict[str, int] = {}
    for row in rows:
        if isinstance(row, LegacyRow):
            if row.article in seen:
                yield BadLine(row.line, f"article {row.article!r} again (first on line "
                                        f"{seen[row.article]})")
                continue
            seen[row.article] = row.line
        yield row


def at_option(text: str | None) -> int | None:
    """--at as unix seconds (a number, or an ISO 8601 time; without an offset, UTC)."""
    if not text:
        return None
    return _time(text, "--at", ZoneInfo("UTC"))


class LegacyCounts:
    """Write legacy counts: one script per article, then the rankings follow its ops."""

    def __init__(self, store, rankings) -> None:
        self.store = store
        self.rankings = rankings

    def apply(self, site_id: str, rows: Iterable[LegacyRow],
              tick: Callable[[], None] | None = None) -> int:
        """Set the legacy counts of each checked row's article; return how many articles."""
        site = self.rankings.sites.get(site_id)
        n = 0
        for row in rows:
            counts = [(code, count, row.at // 3600) for code, count in sorted(row.counts.items())]
            channel, down, ops = self.store.set_legacy(site_id, row.article, counts)
            if not down:
                self.rankings.follow(site, row.article, channel, ops)
            n += 1
            if tick:
                tick()
        return n
