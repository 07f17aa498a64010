"""`xinqing export`, `xinqing import`, `xinqing migrate` and `xinqing readers`: data
ownership on the command line (docs/data.md).

    xinqing export SITE [-o FILE]                 the site as JSON Lines (stdout by default)
    xinqing import [FILE] [--site NEW] [--check]  check every line, then write (stdin by default)
    xinqing migrate phpcms SITE FILE --map n1=happy,...   PHPCMS v9 mood counts (CSV)
    xinqing migrate waline SITE FILE --map reaction0=like,...   Waline Counter (JSON or CSV)
    xinqing readers reindex SITE                  index what readers touched before the index existed

A progress bar shows on a terminal only (stderr); bad lines go to stderr, one per line, and
the command exits 1 without writing anything.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import IO, Iterable, Iterator

from .cli import fail, open_services


def _bar(total: int | None, unit: str, desc: str):
    from tqdm import tqdm

    # disable=None: a bar only when stderr is a terminal (never in logs or pipes)
    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=None,
                unit_scale=True, leave=False)


# -- export -----------------------------------------------------------------------------------

def cmd_export(args) -> int:
    """Write a site's whole state as JSON Lines."""
    from schemas.common import SITE_RE
    from .errors import XinqingError

    if not SITE_RE.fullmatch(args.site):
        return fail("the site id must match [a-z0-9][a-z0-9-]{0,31}")
    svc = open_services()
    exporter = svc.exporter
    bars = []

    def progress(total):
        bar = _bar(total, "article", f"export {args.site}")
        bars.append(bar)
        return lambda: bar.update(1)

    target = args.output
    try:
        if target in (None, "-"):
            counts = exporter.write(args.site, sys.stdout.buffer, progress)
            sys.stdout.buffer.flush()
        else:
            # Written beside the target and renamed at the end: a failed export never leaves
            # a file that looks whole.
            directory = os.path.dirname(os.path.abspath(target))
            with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False,
                                             prefix=".xinqing-export-") as tmp:
                try:
                    counts = exporter.write(args.site, tmp, progress)
                except BaseException:
                    os.unlink(tmp.name)
                    raise
            os.replace(tmp.name, target)
    except XinqingError as exc:
        return fail(f"{exc.message} ({exc.code})")
    finally:
        for bar in bars:
            bar.close()
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    print(f"exported {args.site}: {summary}", file=sys.stderr)
    return 0


# -- import -----------------------------------------------------------------------------------

@contextmanager
def _replayable(path: str | None) -> Iterator[tuple[str, IO[bytes] | None]]:
    """A path that can be read twice: the file given, or standard input spooled to disk."""
    if path not in (None, "-"):
        yield path, None
        return
    with tempfile.NamedTemporaryFile("w+b", prefix="xinqing-import-") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        spool.flush()
        yield spool.name, spool


def _lines(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        for line in f:
            yield line.rstrip(b"\r\n")


def _report_bad(bad: Iterable) -> int:
    n = 0
    for line in bad:
        n += 1
        print(str(line), file=sys.stderr)
    return n


def cmd_import(args) -> int:
    """Check an export line by line, then write it and rebuild the rankings."""
    from schemas.common import SITE_RE
    from .domain.portability import Validator

    if args.site is not None and not SITE_RE.fullmatch(args.site):
        return fail("--site must match [a-z0-9][a-z0-9-]{0,31}")
    with _replayable(args.file) as (path, _):
        started = time.monotonic()
        validator = Validator()
        bar = _bar(os.path.getsize(path), "B", "check")
        def counted():
            for line in _lines(path):
                bar.update(len(line) + 1)
                yield line
        bad = _report_bad(validator.check(counted()))
        bar.close()
        if bad:
            return fail(f"{bad} bad line{'s' if bad > 1 else ''} in {validator.lines}; "
                         f"nothing was written")
        site = args.site or validator.header["site"]
        checked = time.monotonic() - started
        if args.check:
            print(f"{validator.lines} lines, {validator.articles} articles: all good "
                  f"(nothing written: --check)", file=sys.stderr)
            return 0
        svc = open_services()
        importer = svc.importer
        bar = _bar(validator.articles, "article", f"import {site}")
        started = time.monotonic()
        report = importer.load(_lines(path), site=site, new_token=args.new_editor_token,
                               tick=lambda: bar.update(1))
        bar.close()
        wrote = time.monotonic() - started - report.seconds["rankings"]
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(report.records.items()))
    print(f"imported {report.site}: {summary}; rankings rebuilt from "
          f"{report.rankings.get('replayed', 0)} articles (checked in {checked:.1f} s, "
          f"written in {wrote:.1f} s, rankings in {report.seconds['rankings']:.1f} s)",
          file=sys.stderr)
    if report.editor_token:
        print(f"editor token of {report.site}: {report.editor_token}")
    return 0


# -- migrate ----------------------------------------------------------------------------------

def cmd_migrate(args) -> int:
    """Set legacy counts from a PHPCMS or Waline table, after checking every row."""
    from zoneinfo import ZoneInfo

    from .domain import migration as m
    from .domain.portability import BadLine

    svc = open_services()
    try:
        site = svc.sites.get(args.site)
    except Exception as exc:  # noqa: BLE001 - SiteNotFound, storage errors: say so and stop
        return fail(getattr(exc, "message", str(exc)))
    moods = [mood["key"] for mood in site.moods]
    try:
        tz = ZoneInfo(args.timezone or site.settings.get("timezone") or "UTC")
        at = m.at_option(args.at)
        if args.system == "phpcms":
            mapping = m.parse_mapping(args.map, [f"n{i}" for i in range(1, 11)], moods)
            with open(args.file, encoding="utf-8-sig", newline="") as f:
                rows = list(m.check_unique(m.phpcms_rows(
                    f, mapping, template=args.article, siteid=args.siteid, at=at, tz=tz,
                    header=not args.no_header)))
        else:
            mapping = m.parse_mapping(args.map, m.WALINE_REACTIONS, moods)
            with open(args.file, "rb") as f:
                raw = f.read()
            rows = list(m.check_unique(m.waline_rows(
                raw, mapping, article_of=m.url_article(args.article_regex),
                views=not args.no_views, at=at, tz=tz)))
    except (ValueError, OSError) as exc:
        return fail(str(exc))
    bad = _report_bad(row for row in rows if isinstance(row, BadLine))
    good = [row for row in rows if not isinstance(row, BadLine)]
    if bad:
        return fail(f"{bad} bad row{'s' if bad > 1 else ''}; nothing was written")
    if args.check:
        print(f"{len(good)} articles: all good (nothing written: --check)", file=sys.stderr)
        return 0
    bar = _bar(len(good), "article", f"migrate {args.system}")
    articles = svc.legacy_counts.apply(args.site, good, tick=lambda: bar.update(1))
    bar.close()
    print(f"legacy counts set on {articles} articles of {args.site}", file=sys.stderr)
    return 0


# -- readers ----------------------------------------------------------------------------------

def cmd_readers_reindex(args) -> int:
    """Index what each reader touched on a site (data older than the index)."""
    from .domain.portability import article_records

    svc = open_services()
    store = svc.portability
    svc.sites.get(args.site)
    now = int(svc.engagement.clock())
    articles = store.article_ids(args.site)
    bar = _bar(len(articles), "article", "reindex")
    pairs = 0
    try:
        for article in articles:
            touched = {(record["reader"], article)
                       for record in article_records(article,
                                                     store.snapshot(args.site, article, now))
                       if record["type"] in ("vote", "comment", "comment_vote")
                       and record.get("reader")}
            store.index_readers(args.site, sorted(touched))
            pairs += len(touched)
            bar.update(1)
    finally:
        bar.close()
        articles.close()
    print(f"indexed {pairs} (reader, article) pairs of {args.site}", file=sys.stderr)
    return 0


def add_data_commands(sub) -> None:
    """Add export, import, migrate and readers to the `xinqing` parser."""
    export = sub.add_parser("export", help="write a site's whole state as JSON Lines",
                            description="Write SITE's settings, articles, votes with their "
                            "cast times, shares, views, comments, moderation state and bans "
                            "as JSON Lines (docs/data.md). Each article is read atomically.")
    export.add_argument("site")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)

    imp = sub.add_parser("import", help="check an export, then write it into the store",
                         description="Check every line of an export first (a bad line is "
                         "reported with its number and nothing is written), then make each "
                         "article exactly what the file says and rebuild the site's "
                         "rankings. Importing the same file again changes nothing.")
    imp.add_argument("file", nargs="?", help="the export (default: standard input)")
    imp.add_argument("--site", help="import under this site id instead of the file's")
    imp.add_argument("--check", action="store_true", help="only check the file")
    imp.add_argument("--new-editor-token", action="store_true",
                     help="give a newly created site a fresh editor token (printed) instead "
                          "of the exported one")
    imp.set_defaults(func=cmd_import)

    migrate = sub.add_parser("migrate", help="bring in counts from another system") \
        .add_subparsers(dest="system", required=True)
    for name, helptext, columns in (
            ("phpcms", "PHPCMS v9 mood module table (v9_mood) as CSV", "n1=happy,n6=like"),
            ("waline", "Waline Counter table: its JSON export or a CSV dump",
             "reaction0=like,reaction1=happy")):
        p = migrate.add_parser(name, help=helptext,
                               description=f"Set legacy counts from the {helptext}: counts "
                               "owned by no reader, cast at each row's time (or --at), in "
                               "totals, rankings and timelines. Every row is checked first.")
        p.add_argument("site")
        p.add_argument("file")
        p.add_argument("--map", required=True, help=f"columns to mood keys, e.g. {columns}; "
                       "COLUMN= drops a column")
        p.add_argument("--at", help="count everything as cast at this time (ISO 8601 or "
                       "unix seconds) instead of each row's")
        p.add_argument("--timezone", help="zone of times without an offset (default: the "
                       "site's)")
        p.add_argument("--check", action="store_true", help="only check the file")
        p.set_defaults(func=cmd_migrate)
        if name == "phpcms":
            p.add_argument("--article", default="{contentid}",
                           help="article id template over the row's columns "
                                "(default {contentid}; e.g. content_{catid}_{contentid})")
            p.add_argument("--siteid", type=int, help="only rows of this PHPCMS siteid")
            p.add_argument("--no-header", action="store_true",
                           help="the CSV has no header row (columns in the table's order)")
        else:
            p.add_argument("--article-regex", help="regex whose first group is the article "
                           "id in the url (default: the last path segment, no extension)")
            p.add_argument("--no-views", action="store_true",
                           help="leave Waline's page views (`time`) out")

    readers = sub.add_parser("readers", help="the per-reader index") \
        .add_subparsers(dest="action", required=True)
    reindex = readers.add_parser("reindex", help="index what readers touched (for data "
                                 "written before the index existed); safe to repeat")
    reindex.add_argument("site")
    reindex.set_defaults(func=cmd_readers_reindex)
