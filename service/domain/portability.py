"""Export and import of a whole site as JSON Lines (docs/data.md): the records, their order,
validation of a file before anything is written, and the restore of each article.

Export reads one article at a time with one script (consistent per article while writes go
on) and writes its records at once; memory holds one article, never the site. Import reads
the file twice: first every line is checked (schema, order, references inside the article's
block), and only a file with no bad line is written, one article per script, idempotently.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any, Callable, Iterable, Iterator

import orjson
from marshmallow import ValidationError

from schemas.common import ARTICLE_RE, KEY_RE
from schemas.portability import (
    ARTICLE_RECORDS,
    MAX_TIME,
    READER_RE,
    FORMAT,
    FORMAT_VERSION,
    RECORDS,
    SITE_RECORDS,
)
from schemas.sites import SiteSettingsSchema, normalize_settings
from ..store.keys import COMMENTS_FIELD, LEGACY_FIELD, PV_FIELD, REACTION_FIELD, SHARE_FIELD, UV_FIELD
from ..store.portability import ArticleRestore, ArticleSnapshot, DedupeSet, PortabilityStore
from .comment_model import HOT_PERIOD, QUEUE_STATUSES, CommentState, Status, Vote
from .sites import DEFAULTS, PRIVATE_FIELDS, Site, encode_fields, token_digest

log = logging.getLogger("xinqing.data")

_SETTINGS = SiteSettingsSchema()


def rfc3339(ts: int) -> str:
    """Format unix seconds as an RFC 3339 UTC time."""
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(record: dict[str, Any]) -> bytes:
    """Return one record as a JSON Lines line."""
    return orjson.dumps(record) + b"\n"


# -- export -----------------------------------------------------------------------------------

def site_record(site_id: str, fields: dict[str, str]) -> dict[str, Any]:
    """Return the `site` record: every setting (defaults filled in), the token digest, the rest."""
    created = fields.get("created_at")
    return {
        "type": "site",
        "settings": Site.from_fields(site_id, fields).settings,
        "editor_token_sha256": fields.get("editor_token_sha256") or None,
        "created_at": int(created) if created and created.isdigit() else None,
        "extra": {k: v for k, v in sorted(fields.items())
                  if k not in DEFAULTS and k not in PRIVATE_FIELDS},
    }


def article_records(article: str, snap: ArticleSnapshot) -> Iterator[dict[str, Any]]:
    """Return the records of one article's snapshot: `article`, then votes, legacy counts, comments
    (by number) and comment votes."""
    numbers = snap.numbers
    meta = None
    if snap.meta:
        meta = {k: (int(v) if k in ("updated_at", "down") else v) for k, v in sorted(snap.meta.items())}
    visitors = None
    if snap.hll:
        visitors = {"hll": snap.hll.hex()}
    elif not snap.hll_readable:   # an embedded store: only the estimate can travel
        visitors = {"estimate": int(numbers.get(UV_FIELD, 0) or 0)}
    record: dict[str, Any] = {
        "type": "article", "article": article, "meta": meta,
        "views": {"pv": int(numbers.get(PV_FIELD, 0) or 0), "uv": int(numbers.get(UV_FIELD, 0) or 0)},
        "shares": {f[len(SHARE_FIELD):]: int(v) for f, v in sorted(numbers.items())
                   if f.startswith(SHARE_FIELD) and int(v)},
        "activity": {f: int(v) for f, v in sorted(snap.activity.items())
                     if not f.startswith(LEGACY_FIELD) and int(v)},
        "visitors": visitors,
        "comment_seq": snap.comment_seq or None,
        "comment_version": snap.comment_version,
    }
    if snap.share_dedupe:
        record["share_dedupe"] = {"hour": snap.hour, "members": snap.share_dedupe}
    if snap.view_dedupe:
        record["view_dedupe"] = {"slot": snap.slot, "members": snap.view_dedupe}
    yield record
    for reader, value in sorted(snap.votes.items()):
        mood, _, cast = value.partition("|")
        yield {"type": "vote", "article": article, "reader": reader, "mood": mood,
               "cast_at": int(cast)}
    for f, v in sorted(snap.activity.items()):
        if f.startswith(LEGACY_FIELD) and int(v):
            code, _, hour = f[1:].rpartition("|")
            rec: dict[str, Any] = {"type": "legacy", "article": article}
            if code.startswith("m:"):
                rec.update(kind="mood", mood=code[2:])
            else:
                rec["kind"] = "views"
            rec.update(count=int(v), at=int(hour) * 3600)
            yield rec
    for seq, state in sorted(snap.states.items()):
        content = orjson.loads(snap.contents.get(str(seq)) or "{}")
        yield {"type": "comment", "article": article, "seq": seq, "parent": state.parent,
               "reader": state.reader or None, "status": state.status.value,
               "featured": state.featured,
               "created_at": content.get("at") or rfc3339(state.created),
               "body": content.get("b", ""), "author_name": content.get("n", ""),
               "hold_reasons": content.get("h") or []}
    for f, vote in sorted(snap.comment_votes.items(), key=lambda kv: (int(kv[0].split(":")[0]), kv[0])):
        seq, _, reader = f.partition(":")
        yield {"type": "comment_vote", "article": article, "seq": int(seq), "reader": reader,
               "vote": vote}


class Exporter:
    """Write a site's whole state as JSON Lines."""

    def __init__(self, store: PortabilityStore, sites,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.sites = sites
        self.clock = clock

    def records(self, site_id: str,
                progress: Callable[[int], Callable[[], None]] | None = None) -> Iterator[dict]:
        """Return every record of the site, header first and `end` last. `progress(total)` is called
        once the articles are counted and returns a callable ticked once per article."""
        self.sites.get(site_id)   # SiteNotFound before anything is written
        now = int(self.clock())
        count = 0

        def out(record):
            nonlocal count
            count += 1
            return record

        yield out({"type": "header", "format": FORMAT, "version": FORMAT_VERSION,
                   "site": site_id, "exported_at": rfc3339(now), "generator": "xinqing"})
        yield out(site_record(site_id, self.store.site_fields(site_id)))
        articles = self.store.article_ids(site_id)
        tick = progress(len(articles)) if progress else None
        exported = 0
        try:
            for article in articles:
                snap = self.store.snapshot(site_id, article, now)
                if not snap.empty:
                    exported += 1
                    for record in article_records(article, snap):
                        yield out(record)
                if tick:
                    tick()
        finally:
            articles.close()
        for status in QUEUE_STATUSES:
            for comment_id, at in self.store.index_entries(site_id, status.value):
                yield out({"type": "queue", "status": status.value, "comment": comment_id, "at": at})
        for ref, raw in sorted(self.store.bans(site_id).items()):
            yield out({"type": "ban", "ref": ref, "record": orjson.loads(raw)})
        for entry_id, fields in self.store.history_entries(site_id):
            yield out({"type": "history", "id": entry_id, "fields": fields})
        yield {"type": "end", "records": count, "articles": exported}

    def write(self, site_id: str, stream: IO[bytes],
              progress: Callable[[int], Callable[[], None]] | None = None) -> dict[str, int]:
        """Write the records to a binary stream; counts of each record type."""
        kinds: Counter = Counter()
        for record in self.records(site_id, progress):
            kinds[record["type"]] += 1
            stream.write(dumps(record))
        return dict(kinds)


# -- validation -------------------------------------------------------------------------------

@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def _reason(err: ValidationError) -> str:
    def walk(messages, path=""):
        if isinstance(messages, dict):
            for k, v in messages.items():
                yield from walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
            yield f"{path or 'record'}: {'; '.join(messages)}"
        elif isinstance(messages, list):
            for m in messages:
                yield from walk(m, path)
        else:
            yield f"{path or 'record'}: {messages}"
    return ", ".join(walk(err.messages))


@dataclass
class _Block:
    """What validation remembers of the article being read (bounded by that article)."""

    article: str
    line: int
    comment_seq: int | None
    readers: set = field(default_factory=set)
    comments: dict = field(default_factory=dict)     # seq -> (parent, line)
    comment_votes: set = field(default_factory=set)
    vote_lines: list = field(default_factory=list)   # (seq, line) of comment votes
    legacy: set = field(default_factory=set)


_SCHEMAS = {kind: schema() for kind, schema in RECORDS.items()}
_VOTE_KEYS = frozenset({"type", "article", "reader", "mood", "cast_at"})
_MOOD_RE = re.compile(KEY_RE.strip("^$"))


def _plainly_valid_vote(data: dict) -> bool:
    """A vote line VoteRecord would load unchanged, checked without marshmallow (votes are
    most of a file; ~10x faster). Anything else, valid or not, goes through the schema,
    which alone words the errors."""
    cast = data.get("cast_at")
    return (data.keys() == _VOTE_KEYS and type(cast) is int and 0 <= cast <= MAX_TIME
            and isinstance(data["article"], str) and ARTICLE_RE.fullmatch(data["article"]) is not None
            and isinstance(data["reader"], str) and READER_RE.fullmatch(data["reader"]) is not None
            and isinstance(data["mood"], str) and _MOOD_RE.fullmatch(data["mood"]) is not None)


def parse_line(raw: bytes, checked: bool = False) -> dict[str, Any]:
    """Return one line as a validated record (its `type` known, its fields loaded). `checked`: the
    file passed Validator already, so only the JSON is parsed (the import's second pass)."""
    if checked:
        return orjson.loads(raw)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object")
    kind = data.get("type")
    if kind == "vote" and _plainly_valid_vote(data):
        return data
    schema = _SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationError(f"unknown record type {str(kind)[:40]!r}; expected one of "
                              f"{', '.join(RECORDS)}")
    loaded = schema.load(data)
    if kind == "site":
        try:
            _SETTINGS.load(loaded["settings"])
        except ValidationError as exc:
            raise ValidationError({"settings": exc.messages}) from None
    return loaded


class Validator:
    """Check a whole export line by line; yields every bad line (constant memory but for the
    article being read)."""

    def __init__(self) -> None:
        self.header: dict | None = None
        self.articles = 0
        self.lines = 0

    def check(self, lines: Iterable[bytes]) -> Iterator[BadLine]:
        """Check every line of an export; yield each bad line."""
        block: _Block | None = None
        last_article = ""
        phase = "header"      # header -> site -> articles -> site-records -> end -> done
        last_history = (-1, -1)
        n = 0
        for n, raw in enumerate(lines, 1):
            self.lines = n
            if phase == "done":
                yield BadLine(n, "a line after the end record")
                continue
            if not raw.strip():
                yield BadLine(n, "an empty line")
                continue
            try:
                rec = parse_line(raw)
            except ValidationError as exc:
                yield BadLine(n, _reason(exc))
                continue
            kind = rec["type"]
            if phase == "header":
                phase = "site"
                if kind != "header":
                    yield BadLine(n, "the first line must be the header record")
                    continue
                self.header = rec
                continue
            if phase == "site":
                phase = "articles"
                if kind != "site":
                    yield BadLine(n, "the second line must be the site record")
                    if kind == "header":
                        continue
                else:
                    continue
            if kind in ("header", "site"):
                yield BadLine(n, f"a second {kind} record")
            elif kind == "article":
                if phase != "articles":
                    yield BadLine(n, "an article record after the site-wide records")
                    continue
                if block is not None:
                    yield from self._close(block)
                if rec["article"] <= last_article:
                    yield BadLine(n, f"articles must come in increasing order of id (and "
                                     f"once each): {rec['article']!r} after {last_article!r}")
                last_article = max(last_article, rec["article"])
                block = _Block(rec["article"], n, rec["comment_seq"])
                self.articles += 1
            elif kind in ARTICLE_RECORDS:
                if block is None or phase != "articles":
                    yield BadLine(n, f"a {kind} record outside its article's block")
                elif rec["article"] != block.article:
                    yield BadLine(n, f"a {kind} record of article {rec['article']!r} inside "
                                     f"the block of {block.article!r}")
                else:
                    yield from self._add(block, kind, rec, n)
            elif kind in SITE_RECORDS:
                if block is not None:
                    yield from self._close(block)
                    block = None
                phase = "site-records"
                if kind == "history":
                    key = tuple(int(x) for x in rec["id"].split("-"))
                    if key <= last_history:
                        yield BadLine(n, "history entries must come oldest first, once each")
                    last_history = max(last_history, key)
            elif kind == "end":
                if block is not None:
                    yield from self._close(block)
                    block = None
                phase = "done"
                if rec["records"] != n - 1:
                    yield BadLine(n, f"the end record counts {rec['records']} lines before it; "
                                     f"the file has {n - 1}")
                if rec["articles"] != self.articles:
                    yield BadLine(n, f"the end record counts {rec['articles']} articles; the "
                                     f"file has {self.articles}")
        if phase == "header":
            yield BadLine(1, "the file is empty")
        elif phase != "done":
            if block is not None:
                yield from self._close(block)
            yield BadLine(n + 1, "the file ends without its end record (cut short?)")

    @staticmethod
    def _add(block: _Block, kind: str, rec: dict, n: int) -> Iterator[BadLine]:
        if kind == "vote":
            if rec["reader"] in block.readers:
                yield BadLine(n, f"a second vote of reader {rec['reader']} on the article")
            block.readers.add(rec["reader"])
        elif kind == "legacy":
            key = (rec["kind"], rec.get("mood"))
            if key in block.legacy:
                yield BadLine(n, "a second legacy count of the same kind on the article")
            block.legacy.add(key)
        elif kind == "comment":
            seq = rec["seq"]
            if seq in block.comments:
                yield BadLine(n, f"a second comment number {seq} on the article")
            elif block.comment_seq is None or seq > block.comment_seq:
                yield BadLine(n, f"comment number {seq} is above the article's comment_seq "
                                 f"({block.comment_seq})")
            else:
                parent = rec["parent"]
                if parent and (parent not in block.comments or block.comments[parent][0]):
                    yield BadLine(n, f"comment {seq}'s parent {parent} is not an earlier "
                                     f"top-level comment of the article")
                block.comments[seq] = (parent, n)
        elif kind == "comment_vote":
            key = (rec["seq"], rec["reader"])
            if key in block.comment_votes:
                yield BadLine(n, "a second vote of the same reader on the comment")
            block.comment_votes.add(key)
            block.vote_lines.append((rec["seq"], n))

    @staticmethod
    def _close(block: _Block) -> Iterator[BadLine]:
        for seq, n in block.vote_lines:
            if seq not in block.comments:
                yield BadLine(n, f"a vote on comment {seq}, which the article does not have")


# -- import -----------------------------------------------------------------------------------

def _unix(text: str) -> int:
    """Unix seconds of a checked RFC 3339 UTC time ("2025-01-31T08:00:00Z")."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def restore_of(site_id: str, rec: dict, votes: list[dict], legacy: list[dict],
               comments: list[dict], cvotes: list[dict]) -> ArticleRestore:
    """Return what one article's records amount to in storage. Counters a record set implies
    (reactions, published comments, 顶/踩, reply counts, listings) are derived from it."""
    numbers: Counter = Counter()
    for vote in votes:
        numbers[REACTION_FIELD + vote["mood"]] += 1
    activity = {name: str(count) for name, count in rec["activity"].items()}
    for count in legacy:
        code = f"m:{count['mood']}" if count["kind"] == "mood" else "v"
        if count["count"]:
            activity[f"{LEGACY_FIELD}{code}|{count['at'] // 3600}"] = str(count["count"])
            if count["kind"] == "mood":
                numbers[REACTION_FIELD + count["mood"]] += count["count"]
    numbers[PV_FIELD] = rec["views"]["pv"]
    numbers[UV_FIELD] = rec["views"]["uv"]
    for channel, shared in rec["shares"].items():
        numbers[SHARE_FIELD + channel] = shared
    ups: Counter = Counter()
    downs: Counter = Counter()
    for comment_vote in cvotes:
        (ups if comment_vote["vote"] == Vote.UP.value else downs)[comment_vote["seq"]] += 1
    replies: Counter = Counter()
    for comment in comments:
        if comment["parent"] and comment["status"] == Status.PUBLISHED.value:
            replies[comment["parent"]] += 1
    states, contents = {}, {}
    for comment in comments:
        seq = comment["seq"]
        created = _unix(comment["created_at"])
        states[seq] = CommentState(Status(comment["status"]), ups[seq], downs[seq], replies[seq],
                                   comment["featured"], created, comment["parent"],
                                   comment["reader"] or "")
        content: dict[str, Any] = {"b": comment["body"], "n": comment["author_name"],
                                   "at": rfc3339(created)}
        if comment.get("hold_reasons"):
            content["h"] = comment["hold_reasons"]
        contents[str(seq)] = orjson.dumps(content).decode("utf-8")
        if comment["status"] == Status.PUBLISHED.value:
            numbers[COMMENTS_FIELD] += 1
    if comments and COMMENTS_FIELD not in numbers:
        numbers[COMMENTS_FIELD] = 0
    meta = {name: str(value) for name, value in (rec["meta"] or {}).items()}
    visitors = rec["visitors"] or {}
    shares, views = rec.get("share_dedupe"), rec.get("view_dedupe")
    return ArticleRestore(
        votes={vote["reader"]: f"{vote['mood']}|{vote['cast_at']}" for vote in votes},
        numbers={name: str(value) for name, value in numbers.items()
                 if value or name == COMMENTS_FIELD},
        meta=meta, activity=activity,
        hll=bytes.fromhex(visitors["hll"]) if visitors.get("hll") else None,
        comment_seq=rec["comment_seq"], comment_version=rec["comment_version"],
        contents=contents, states=states,
        comment_votes={f"{vote['seq']}:{vote['reader']}": vote["vote"] for vote in cvotes},
        share_dedupe=DedupeSet(shares["hour"], shares["members"]) if shares else None,
        view_dedupe=DedupeSet(views["slot"], views["members"]) if views else None)


@dataclass
class ImportReport:
    site: str
    articles: int = 0
    records: Counter = field(default_factory=Counter)
    editor_token: str | None = None     # set when a new token was made (print it once)
    rankings: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


class Importer:
    """Write a validated export into the store (see Validator; call it first)."""

    def __init__(self, store: PortabilityStore, sites, rankings,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.sites = sites
        self.rankings = rankings
        self.clock = clock

    def load(self, lines: Iterable[bytes], site: str | None = None, new_token: bool = False,
             tick: Callable[[], None] | None = None) -> ImportReport:
        """Write a checked export into the store and rebuild the site's rankings."""
        now = int(self.clock())
        report: ImportReport | None = None
        block: tuple[dict, list, list, list, list] | None = None
        queue: dict[str, dict[str, int]] = {}
        bans: dict[str, str] = {}
        history: list[tuple[str, dict[str, str]]] = []
        for raw in lines:
            rec = parse_line(raw, checked=True)
            kind = rec["type"]
            if report is not None:
                report.records[kind] += 1
            if kind == "header":
                report = ImportReport(site or rec["site"])
                report.records[kind] += 1
            elif kind == "site":
                report.editor_token = self._site(report.site, rec, new_token)
            elif kind == "article":
                if block:
                    self._article(report.site, block, now)
                    report.articles += 1
                    if tick:
                        tick()
                block = (rec, [], [], [], [])
            elif kind in ARTICLE_RECORDS:
                block[("vote", "legacy", "comment", "comment_vote").index(kind) + 1].append(rec)
            else:
                if block:
                    self._article(report.site, block, now)
                    report.articles += 1
                    block = None
                    if tick:
                        tick()
                if kind == "queue":
                    queue.setdefault(rec["status"], {})[rec["comment"]] = rec["at"]
                    if len(queue[rec["status"]]) >= 1000:
                        self.store.put_index_entries(report.site, rec["status"], queue.pop(rec["status"]))
                elif kind == "ban":
                    bans[rec["ref"]] = orjson.dumps(rec["record"]).decode("utf-8")
                elif kind == "history":
                    history.append((rec["id"], rec["fields"]))
                    if len(history) >= 1000:
                        self.store.put_history(report.site, history)
                        history = []
        for status, entries in queue.items():
            self.store.put_index_entries(report.site, status, entries)
        self.store.put_bans(report.site, bans)
        self.store.put_history(report.site, history)
        started = time.monotonic()
        report.rankings = self.rankings.rebuild(report.site)
        report.seconds["rankings"] = time.monotonic() - started
        return report

    def _site(self, site_id: str, rec: dict, new_token: bool) -> str | None:
        settings = normalize_settings(_SETTINGS.load(rec["settings"]))
        existing = self.store.site_fields(site_id)
        if existing:
            # The site's own editor token stays valid; its settings become the file's.
            self.sites.update(site_id, settings)
            return None
        token = None
        fields = {**(rec.get("extra") or {}), **encode_fields({**DEFAULTS, **settings})}
        digest = rec.get("editor_token_sha256")
        if new_token or not digest:
            token = "xqe_" + secrets.token_urlsafe(32)
            digest = token_digest(token)
        fields["editor_token_sha256"] = digest
        fields["created_at"] = str(rec.get("created_at") or int(self.clock()))
        self.store.put_site(site_id, fields, ())
        return token

    def _article(self, site_id: str, block, now: int) -> None:
        rec, votes, legacy, comments, cvotes = block
        article = rec["article"]
        touched = {(v["reader"], article) for v in votes}
        touched |= {(c["reader"], article) for c in comments if c["reader"]}
        touched |= {(cv["reader"], article) for cv in cvotes}
        # The readers' indexes first: a failure between the two leaves an index that names
        # an article with nothing of theirs (harmless), never data erasure could not find.
        self.store.index_readers(site_id, sorted(touched))
        data = restore_of(site_id, rec, votes, legacy, comments, cvotes)
        self.store.restore(site_id, article, data, now, HOT_PERIOD)
        estimate = (rec["visitors"] or {}).get("estimate")
        if estimate:
            # Only an estimate travelled (an embedded store's export): rebuild an HLL that
            # estimates about as many visitors, so later views count on from there.
            salt = hashlib.sha256(f"{site_id}|{article}".encode()).hexdigest()[:8]
            self.store.add_visitors(site_id, article,
                                    [f"~{salt}{i}" for i in range(estimate)])
