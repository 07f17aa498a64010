"""Comments: statuses and the moderation state machine, hot score, ids, cursors and the
rules of posting, voting, deleting and moderating. No Flask, no Redis commands.

Ids. A comment id is `<article>~<seq>`: the article it belongs to and its number on that
article (given out by the create script, so numbers follow commit order). The routes
`/comments/{id}/...` carry no article, and encoding it in the id means every comment write
is one script on the article's hash tag with no per-site id index to keep in step (`~` is
URL-safe and not allowed in article ids, so the split is unambiguous).

Hot. `hot = sign(up - down) * log10(1 + |up - down|) + created_unix_seconds / 45000` (Reddit's
hot, counting the first vote): nine net 顶 weigh as much as 12.5 hours of recency, 99 as
25 hours, one as 3.8 hours; net 踩 push a comment down the same way. The score changes
only when a vote changes, never with the passing of time (recency is in the created term),
so it can be stored in a sorted set and paged with a keyset cursor.

Cursors. `base64url(payload).signature`, the payload being the last item's sort score and
number, the signature an HMAC over the listing it belongs to (site, article, sort, parent).
A page starts strictly after the cursor's (score, number), so comments added meanwhile never
shift pages: no duplicates and no gaps for new/old. In `hot`, a comment whose votes change
while a reader pages may cross the page boundary (shown twice or not at all); clients that
care dedupe by id.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import hmac
import math
import re
import time
from typing import Any, Callable, Iterable

import orjson

from ..errors import (
    BanNotFound,
    CommentNotFound,
    CommentNotVotable,
    CommentRejected,
    CommentsClosed,
    DuplicateComment,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    InvalidCursor,
    InvalidId,
    InvalidTransition,
    NotCommentAuthor,
    NotFound,
    ParentClosed,
    ReaderBanned,
    Unprocessable,
    after_commit,
)
from .comment_model import (
    AUTHOR_REF_RE,
    COMMENT_ID_RE,
    COMMENT_SEQ_MAX,
    DEFAULT_AUTHOR,
    DELETE_MOVE,
    HOT_PERIOD,
    QUEUE_STATUSES,
    TRANSITIONS,
    Action,
    CommentState,
    Move,
    Sort,
    Status,
    Vote,
    format_id,
    parse_id,
    rfc3339,
)
from .guards import Draft, normalize_for_matching, screen
from .readers import client_network

log = logging.getLogger("xinqing.comments")

# `Idempotency-Key`: visible ASCII, like the IETF draft's and Stripe's keys (UUIDs and such)
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")
_SEQ_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only (str.isdigit also takes "²")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Opaque, signed keyset cursors bound to one listing (`previous`: the secret key before
    a rotation, whose cursors still decode)."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._keys = [hashlib.sha256(b"xinqing cursor|" + key.encode("utf-8")).digest()
                      for key in (secret, previous) if key]
        self._key = self._keys[0]

    def _sign(self, scope: str, payload: str, key: bytes | None = None) -> str:
        return _b64(hmac.new(key or self._key, f"{scope}\n{payload}".encode(),
                             hashlib.sha256).digest()[:12])

    def encode(self, scope: str, score: str, member: str) -> str:
        payload = f"{score}|{member}"
        return f"{_b64(payload.encode())}.{self._sign(scope, payload)}"

    def decode(self, scope: str, cursor: str | None) -> tuple[str, str] | None:
        if not cursor:
            return None
        try:
            body, _, signature = cursor.partition(".")
            payload = _unb64(body).decode("ascii")
            signature.encode("ascii")   # compare_digest refuses non-ASCII text (a 500)
        except (ValueError, UnicodeDecodeError):
            raise InvalidCursor() from None
        if not signature or not any(hmac.compare_digest(signature, self._sign(scope, payload, key))
                                    for key in self._keys):
            raise InvalidCursor()
        score, _, member = payload.partition("|")
        try:
            if not math.isfinite(float(score)):
                raise ValueError
        except ValueError:
            raise InvalidCursor() from None
        return score, member


class CommentCounts:
    """Published comments per creation hour, read from the comment records themselves.

    The truth `xinqing rankings rebuild` recomputes the `comments` metric from; it needs only
    the comment store, so the rankings can be built before the comments service.
    """

    def __init__(self, store) -> None:
        self.store = store

    def published_by_hour(self, site_id: str, article: str) -> dict[int, int]:
        """Count the article's published comments per creation hour."""
        hours: dict[int, int] = {}
        for state in self.store.states(site_id, article).values():
            if state.status is Status.PUBLISHED:
                hours[state.created // 3600] = hours.get(state.created // 3600, 0) + 1
        return hours


class Comments:
    """Posting, listing, voting, deleting and moderating comments."""

    def __init__(self, store, sites, engagement, secret: str,
                 clock: Callable[[], float] = time.time, previous_secret: str | None = None,
                 history=None,
                 after_count_change: Iterable[Callable[[str, str, int, int], None]] = ()) -> None:
        self.store = store
        self.sites = sites
        self.engagement = engagement
        self.clock = clock
        self.cursors = CursorCodec(secret, previous_secret)
        # Author and network refs are keyed hashes; refs made under the previous key (bans
        # placed before a rotation) are still looked up while it is configured.
        self._ref_keys = [hashlib.sha256(b"xinqing author ref|" + key.encode("utf-8")).digest()
                          for key in (secret, previous_secret) if key]
        self._ref_key = self._ref_keys[0]
        # Hooks run when an article's published count moves: (site, article, delta, created).
        self.after_count_change = list(after_count_change)
        # service.domain.history.ModerationHistory, or None: editors' decisions are recorded.
        self.history = history

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- projections ----------------------------------------------------------------------
    def author_ref(self, site_id: str, reader: str, key: bytes | None = None) -> str:
        """A stable pseudonym of a reader on a site, for editors (bans); not the reader id."""
        mac = hmac.new(key or self._ref_key, f"{site_id}|{reader}".encode(),
                       hashlib.sha256).digest()
        return "u" + _b64(mac[:12])

    @staticmethod
    def _public(article: str, seq: int, state: CommentState, content: dict[str, Any],
                mine: str | None, with_mine: bool) -> dict[str, Any]:
        """A comment as public listings show it; a non-published one is a placeholder."""
        shown = state.status is Status.PUBLISHED
        votes = {"up": state.up, "down": state.down}
        if with_mine:
            votes["mine"] = mine or None
        return {
            "id": f"{article}~{seq}",
            "article": article,
            "parent": f"{article}~{state.parent}" if state.parent else None,
            "author": {"name": content["n"] if shown else ""},
            "body": content["b"] if shown else "",
            "created_at": content["at"],
            "status": Status.PUBLISHED.value if shown else Status.DELETED.value,
            "votes": votes,
            "reply_count": state.replies,
            "featured": state.featured,
        }

    def _own(self, article: str, seq: int, state: CommentState, content: dict[str, Any]) -> dict[str, Any]:
        """A comment as its author or an editor sees it: the real status and body."""
        out = self._public(article, seq, state, content, None, False)
        out.update(status=state.status.value, body=content["b"], author={"name": content["n"]})
        return out

    def _editor(self, site_id: str, article: str, seq: int, state: CommentState,
                content: dict[str, Any]) -> dict[str, Any]:
        out = self._own(article, seq, state, content)
        out["author"]["ref"] = self.author_ref(site_id, state.reader)
        out["hold_reasons"] = content.get("h") or []
        return out

    # -- posting --------------------------------------------------------------------------
    def post(self, site_id: str, article: str, token: str | None, body: str,
             author_name: str | None, parent_id: str | None,
             client_address: str | None = None) -> dict[str, Any]:
        return self.post_once(site_id, article, token, body, author_name, parent_id, None,
                              client_address)[0]

    def post_once(self, site_id: str, article: str, token: str | None, body: str,
                  author_name: str | None, parent_id: str | None,
                  idempotency_key: str | None,
                  client_address: str | None = None) -> tuple[dict[str, Any], bool]:
        """Post a comment; with an `Idempotency-Key`, a retry (same key, same fields) answers
        what the first post created and creates nothing. Returns (comment, replayed).

        `client_address` places the author in a client network (readers.client_network),
        kept with the comment as a keyed hash so an editor's ban can cover it."""
        site = self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=True)
        idempotency = None
        if idempotency_key is not None:
            if not IDEMPOTENCY_KEY_RE.fullmatch(idempotency_key):
                raise InvalidIdempotencyKey()
            fingerprint = hashlib.sha256(orjson.dumps([body, author_name, parent_id])).hexdigest()
            idempotency = (hashlib.sha256(idempotency_key.encode()).hexdigest()[:32],
                           fingerprint[:32])
        now_ms = self.now_ms()
        network = self.network_ref(site_id, client_address) if client_address else None
        self._check_ban(site_id, reader, client_address, now_ms)
        parent = 0
        if parent_id:
            try:
                parent_article, parent = parse_id(parent_id)
            except NotFound:
                raise ParentClosed(details={"parent": parent_id[:160]}) from None
            if parent_article != article:
                raise ParentClosed("the parent belongs to another article",
                                   details={"parent": parent_id[:160]})
        name = author_name or DEFAULT_AUTHOR
        verdict = screen(Draft(site, body, name))
        if not verdict.ok:
            raise CommentRejected(verdict.reason, details={"rule": verdict.rejected_by,
                                                           "reason": verdict.reason})
        held = site.settings["moderation"] == "pre" or bool(verdict.held)
        status = Status.PENDING if held else Status.PUBLISHED
        content = {"b": body, "n": name, "at": rfc3339(now_ms)}
        if verdict.held:
            content["h"] = list(verdict.held)
        if network:
            content["w"] = network  # never shown; what a network ban covers
        # Duplicates are the same text as sensitive words see it (guards.normalize_for_
        # matching): invisible characters, traditional forms or look-alikes make no new post.
        digest = hashlib.sha256((normalize_for_matching(body) or body).encode("utf-8")).hexdigest()[:20]
        created = self.store.create(
            site_id, article, content=orjson.dumps(content).decode("utf-8"), status=status,
            parent=parent, reader=reader, now_ms=now_ms, dedupe=f"{reader}|{parent}|{digest}",
            dedupe_window_ms=int(site.settings["comment_duplicate_window"]) * 1000,
            hot_period=HOT_PERIOD, idempotency=idempotency)
        if created.outcome == "replay":
            # the first answer: the comment as created (its content never changes)
            first = CommentState(created.status, 0, 0, 0, False, created.created,
                                 created.parent, reader)
            return self._own(article, created.seq, first, orjson.loads(created.content)), True
        if created.outcome == "key_reused":
            raise IdempotencyKeyReused()
        if created.outcome == "down":
            raise CommentsClosed(details={"article": article})
        if created.outcome == "duplicate":
            raise DuplicateComment(details={"window_seconds": site.settings["comment_duplicate_window"]})
        if created.outcome in ("no_parent", "parent_closed"):
            raise ParentClosed(details={"parent": parent_id})
        if created.outcome == "full":
            raise CommentsClosed("this article has reached the comment limit")
        comment_id = format_id(article, created.seq)
        self._index(site_id, comment_id, None, status, now_ms)
        if status is Status.PUBLISHED:
            self._count_changed(site_id, article, 1, created.created)
        state = CommentState(status, 0, 0, 0, False, created.created, created.parent, reader)
        return self._own(article, created.seq, state, content), False

    def _check_ban(self, site_id: str, reader: str, client_address: str | None,
                   now_ms: int) -> None:
        """ReaderBanned if the reader, or the client network it posts from, is banned
        (under the secret key or the previous one)."""
        refs, scopes = [], []
        for key in self._ref_keys:
            refs.append(self.author_ref(site_id, reader, key))
            scopes.append("reader")
            if client_address:
                refs.append(self.network_ref(site_id, client_address, key))
                scopes.append("network")
        for scope, raw in zip(scopes, self.store.bans_of(site_id, refs)):
            if raw:
                ban = orjson.loads(raw)
                until = ban.get("until_ms")
                if until is None or until > now_ms:
                    raise ReaderBanned(details={"until": ban.get("until"), "scope": scope})

    def network_ref(self, site_id: str, client_address: str, key: bytes | None = None) -> str:
        """A stable pseudonym of the client's network on a site (IPv4 address, IPv6 /64)."""
        mac = hmac.new(key or self._ref_key,
                       f"{site_id}|net|{client_network(client_address)}".encode(),
                       hashlib.sha256).digest()
        return "n" + _b64(mac[:12])

    def _index(self, site_id: str, comment_id: str, old: Status | None, new: Status | None,
               now_ms: int) -> None:
        """Keep the per-site moderation indexes in step (after the article's write).

        The comment's own write is done and is answered truthfully whatever happens here;
        only the editors' index can miss it, logged with the id so an operator can re-queue
        it (an index read drops stale entries, but cannot find a missing one)."""
        after_commit(log, f"comment {site_id}/{comment_id} is {new.value if new else None} but "
                          f"its moderation index was not updated", self.store.index_move,
                     site_id, comment_id, old, new, now_ms, QUEUE_STATUSES)

    def follow_erasure(self, site_id: str, article: str, seq: int, old: Status, delta: int,
                       created: int) -> None:
        """Bring the moderation index and the `comments` ranking in step with a comment an
        erasure deleted (service.domain.erasure), as a deletion here would."""
        self._index(site_id, format_id(article, seq), old, Status.DELETED, self.now_ms())
        if delta:
            self._count_changed(site_id, article, delta, created)

    def published_by_hour(self, site_id: str, article: str) -> dict[int, int]:
        """Count the article's published comments per creation hour (see CommentCounts)."""
        return CommentCounts(self.store).published_by_hour(site_id, article)

    def _count_changed(self, site_id: str, article: str, delta: int, created: int) -> None:
        """Tell the hooks (the `comments` ranking) that the published count moved; after the
        commit, so a failure is logged (`xinqing rankings rebuild` recomputes the metric
        from the comment records), never answered."""
        for hook in self.after_count_change:
            after_commit(log, f"comments of {site_id}/{article} changed by {delta} but "
                              f"{getattr(hook, '__name__', hook)} did not follow; run "
                              f"`xinqing rankings rebuild --site {site_id}`",
                         hook, site_id, article, delta, created)

    # -- listing --------------------------------------------------------------------------
    @staticmethod
    def _page_items(article: str, seqs: list[str], states: list[CommentState | None],
                    contents: list[str], mines: list[str],
                    with_mine: bool) -> list[dict[str, Any] | None]:
        """Public dicts of stored comments (see _public; inlined here, this is the hot path);
        None where a comment vanished between the index and its records."""
        items: list[dict[str, Any] | None] = []
        loads = orjson.loads
        published, deleted = Status.PUBLISHED, Status.DELETED.value
        for i, seq in enumerate(seqs):
            state, content = states[i], contents[i]
            if state is None or not content:
                items.append(None)
                continue
            data = loads(content)
            shown = state.status is published
            votes = {"up": state.up, "down": state.down}
            if with_mine:
                votes["mine"] = mines[i] or None
            items.append({
                "id": f"{article}~{seq}",
                "article": article,
                "parent": f"{article}~{state.parent}" if state.parent else None,
                "author": {"name": data["n"] if shown else ""},
                "body": data["b"] if shown else "",
                "created_at": data["at"],
                "status": published.value if shown else deleted,
                "votes": votes,
                "reply_count": state.replies,
                "featured": state.featured,
            })
        return items

    def _page_body(self, article: str, page, with_mine: bool, nested: bool) -> list[dict]:
        items = self._page_items(article, page.seqs, page.states, page.contents, page.mines,
                                 with_mine)
        if nested:
            for item in items:
                if item is not None:
                    item["replies"] = []
            replies = self._page_items(article, page.reply_seqs, page.reply_states,
                                       page.reply_contents, page.reply_mines, with_mine)
            for owner, reply in zip(page.owners, replies):
                parent = items[owner - 1]
                if reply is not None and parent is not None:
                    parent["replies"].append(reply)
        return [item for item in items if item is not None]

    def version(self, site_id: str, article: str) -> str:
        """The label of the article's listings as they are now (see service.api.pagecache)."""
        return self.store.version(site_id, article)

    def list(self, site_id: str, article: str, sort: Sort, limit: int, cursor: str | None,
             token: str | None) -> dict[str, Any]:
        return self.list_labelled(site_id, article, sort, limit, cursor, token)[0]

    def list_labelled(self, site_id: str, article: str, sort: Sort, limit: int,
                      cursor: str | None, token: str | None) -> tuple[dict[str, Any], str]:
        """A page of top-level comments, and the version label it was read at."""
        site = self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=False)
        scope = f"list|{site_id}|{article}|{sort.value}"
        cur = self.cursors.decode(scope, cursor)
        page = self.store.page(
            site_id, article, sort_key="hot" if sort is Sort.HOT else "seq",
            desc=sort is not Sort.OLD, lo="-inf", hi="+inf",
            cursor=self._seq_cursor(cur), limit=limit,
            preview=int(site.settings["comment_replies_preview"]), reader=reader, public=True)
        items = self._page_body(article, page, reader is not None, True)
        return {
            "items": items,
            "next_cursor": self.cursors.encode(scope, page.scores[-1], page.seqs[-1])
            if page.more and page.seqs else None,
            "count": page.count,
        }, page.version

    @staticmethod
    def _seq_cursor(cur: tuple[str, str] | None) -> tuple[str, int] | None:
        if cur is None:
            return None
        if not _SEQ_RE.fullmatch(cur[1]) or not 0 < int(cur[1]) <= COMMENT_SEQ_MAX:
            raise InvalidCursor()
        return cur[0], int(cur[1])

    def replies(self, site_id: str, comment_id: str, limit: int, cursor: str | None,
                token: str | None) -> dict[str, Any]:
        return self.replies_labelled(site_id, comment_id, limit, cursor, token)[0]

    def replies_labelled(self, site_id: str, comment_id: str, limit: int, cursor: str | None,
                         token: str | None) -> tuple[dict[str, Any], str]:
        """A page of one comment's replies, and the version label it was read at."""
        self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=False)
        article, seq = parse_id(comment_id)
        scope = f"replies|{site_id}|{comment_id}"
        cur = self._seq_cursor(self.cursors.decode(scope, cursor))
        page = self.store.reply_page(site_id, article, seq, after=cur[1] if cur else None,
                                     limit=limit, reader=reader)
        if not page.seqs and cur is None:
            if self.store.record(site_id, article, seq).state is None or page.down:
                raise CommentNotFound(details={"id": comment_id})
        return {
            "items": self._page_body(article, page, reader is not None, False),
            "next_cursor": self.cursors.encode(scope, page.scores[-1], page.seqs[-1])
            if page.more and page.seqs else None,
        }, page.version

    # -- votes ----------------------------------------------------------------------------
    def vote(self, site_id: str, comment_id: str, token: str | None,
             vote: Vote | None) -> dict[str, Any]:
        self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=True)
        article, seq = parse_id(comment_id)
        result = self.store.vote(site_id, article, seq, reader, vote, HOT_PERIOD)
        if result.outcome == "missing":
            raise CommentNotFound(details={"id": comment_id})
        if result.outcome == "closed":
            raise CommentNotVotable(details={"id": comment_id, "status": result.status.value})
        return {"id": comment_id, "votes": {"up": result.up, "down": result.down,
                                            "mine": result.mine.value if result.mine else None}}

    def my_votes(self, site_id: str, article: str, token: str | None,
                 comment_ids: list[str]) -> dict[str, Any]:
        """The reader's votes on these comments of the article, so a widget can keep the
        listing itself public (cacheable) and fetch only this small private part."""
        self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=True)
        seqs = []
        for comment_id in comment_ids:
            match = COMMENT_ID_RE.fullmatch(comment_id)
            if not match or match.group(1) != article or int(match.group(2)) > COMMENT_SEQ_MAX:
                raise InvalidId("not a comment id of this article",
                                details={"id": comment_id[:160]})
            seqs.append(int(match.group(2)))
        found = self.store.votes_of(site_id, article, reader, seqs)
        return {"votes": {comment_id: vote.value if vote else None
                          for comment_id, vote in zip(comment_ids, found)}}

    # -- deletion and moderation ----------------------------------------------------------
    def _apply(self, site_id: str, comment_id: str, move: Move, author: str | None,
               action: str) -> tuple[str, int]:
        article, seq = parse_id(comment_id)
        moved = self.store.transition(site_id, article, seq, allowed=move.sources,
                                      to=move.target, featured=move.featured, author=author,
                                      hot_period=HOT_PERIOD)
        if moved.outcome == "missing":
            raise CommentNotFound(details={"id": comment_id})
        if moved.outcome == "forbidden":
            raise NotCommentAuthor()
        if moved.outcome == "conflict":
            featured = "featured " if moved.featured else ""
            raise InvalidTransition(
                f"cannot {action} a {featured}{moved.old.value} comment",
                details={"id": comment_id, "status": moved.old.value,
                         "featured": moved.featured, "action": action})
        if moved.old != moved.new:
            self._index(site_id, comment_id, moved.old, moved.new, self.now_ms())
        if moved.delta:
            self._count_changed(site_id, article, moved.delta, moved.created)
        return article, seq

    def delete(self, site_id: str, comment_id: str, token: str | None,
               as_editor: bool, actor: str | None = None) -> dict[str, Any]:
        """Delete as the author, or as an editor (`actor`: the credential kind, recorded)."""
        self.sites.get(site_id)
        author = None if as_editor else self.engagement.reader(site_id, token, required=True)
        article, _ = self._apply(site_id, comment_id, DELETE_MOVE, author, "delete")
        if as_editor:
            self._record(site_id, "delete", actor, comment=comment_id, article=article,
                         status=Status.DELETED.value)
        return {"id": comment_id, "status": Status.DELETED.value}

    def moderate(self, site_id: str, comment_id: str, action: Action,
                 actor: str | None = None) -> dict[str, Any]:
        """Apply an editor's action; the decision history records it (after the write)."""
        self.sites.get(site_id)
        article, seq = self._apply(site_id, comment_id, TRANSITIONS[action], None, action.value)
        record = self.store.record(site_id, article, seq)
        out = self._editor(site_id, article, seq, record.state, orjson.loads(record.content))
        self._record(site_id, action.value, actor, comment=comment_id, article=article,
                     author=out["author"]["ref"], status=out["status"])
        return out

    def _record(self, site_id: str, action: str, actor: str | None, **refs) -> None:
        """Add a decision to the site's history (service.domain.history), when wired."""
        if self.history is not None:
            self.history.record(site_id, action, actor or "editor", **refs)

    def _history_fields(self, action: str, actor: str | None, **refs) -> dict | None:
        if self.history is None:
            return None
        return self.history.fields(action, actor or "editor", **refs)

    def comment_for_editor(self, site_id: str, comment_id: str) -> dict[str, Any]:
        self.sites.get(site_id)
        article, seq = parse_id(comment_id)
        record = self.store.record(site_id, article, seq)
        if record.state is None or not record.content:
            raise CommentNotFound(details={"id": comment_id})
        return self._editor(site_id, article, seq, record.state, orjson.loads(record.content))

    def queue(self, site_id: str, status: Status, limit: int,
              cursor: str | None) -> dict[str, Any]:
        """The editors' view of one status: pending oldest first, the others newest first.

        Index entries whose comment has moved on (a write between the article's script and
        the index update failed, or an older index entry) are dropped while reading.
        """
        self.sites.get(site_id)
        scope = f"queue|{site_id}|{status.value}"
        last = self.cursors.decode(scope, cursor)
        desc = status is not Status.PENDING
        valid: list[tuple[tuple[str, str], dict[str, Any]]] = []
        exhausted = False
        for _ in range(5):
            want = limit + 1 - len(valid)
            rows = self.store.index_page(site_id, status, desc=desc, cursor=last, count=want)
            refs = []
            for member, _score in rows:
                try:
                    refs.append(parse_id(member))
                except NotFound:
                    refs.append(None)
            records = iter(self.store.records(site_id, [r for r in refs if r]))
            stale = []
            for (member, score), ref in zip(rows, refs):
                last = (score, member)
                record = next(records) if ref else None
                if (record is None or record.state is None or not record.content
                        or record.state.status is not status):
                    stale.append(member)
                    continue
                valid.append((last, self._editor(site_id, ref[0], ref[1], record.state,
                                                 orjson.loads(record.content))))
            if stale:
                self.store.index_drop(site_id, status, stale)
            if len(rows) < want:
                exhausted = True
                break
            if len(valid) > limit:
                break
        items = [item for _, item in valid[:limit]]
        if len(valid) > limit:
            next_at = valid[limit - 1][0]
        elif exhausted or last is None:
            next_at = None
        else:
            next_at = last
        return {"items": items,
                "next_cursor": self.cursors.encode(scope, *next_at) if next_at else None}

    def queue_counts(self, site_id: str) -> dict[str, int]:
        """How many comments each status queue holds (its index; published, rejected and spam
        keep their newest MODERATION_INDEX_CAP). An entry whose index update was lost counts
        until a queue read drops it."""
        self.sites.get(site_id)
        sizes = self.store.index_sizes(site_id, QUEUE_STATUSES)
        return {status.value: size for status, size in zip(QUEUE_STATUSES, sizes)}

    # -- bans -----------------------------------------------------------------------------
    def _ban_record(self, reason: str | None, days: int | None) -> dict[str, Any]:
        now_ms = self.now_ms()
        until_ms = now_ms + days * 86400 * 1000 if days else None
        return {"reason": reason or "", "created_at": rfc3339(now_ms),
                "until": rfc3339(until_ms) if until_ms else None, "until_ms": until_ms}

    def ban(self, site_id: str, ref: str, reason: str | None, days: int | None,
            actor: str | None = None, comment_id: str | None = None,
            network: str | None = None) -> dict[str, Any]:
        """Ban an author; with `network` (a network ref), that client network too. The ban
        and its history entry are one MULTI (both in the site tag).

        Re-banning a ref keeps the network its earlier ban covered, with the new terms."""
        self.sites.get(site_id)
        record = self._ban_record(reason, days)
        if network is None:
            earlier = self.store.ban(site_id, ref)
            network = orjson.loads(earlier).get("network") if earlier else None
        records = {}
        if network:
            record["network"] = network
            records[network] = orjson.dumps({**record, "ref": ref}).decode("utf-8")
        records[ref] = orjson.dumps(record).decode("utf-8")
        history = self._history_fields(
            "ban", actor, author=ref, reason=reason, until=record["until"], comment=comment_id,
            article=parse_id(comment_id)[0] if comment_id else None)
        self.store.set_bans(site_id, records, history)
        return self._ban_out(ref, record)

    def ban_author(self, site_id: str, comment_id: str, reason: str | None,
                   days: int | None, network: bool = False,
                   actor: str | None = None) -> dict[str, Any]:
        """Ban the comment's author; with `network`, also the client network it came from."""
        self.sites.get(site_id)
        article, seq = parse_id(comment_id)
        record = self.store.record(site_id, article, seq)
        if record.state is None:
            raise CommentNotFound(details={"id": comment_id})
        net = None
        if network:
            net = orjson.loads(record.content).get("w") if record.content else None
            if not net:
                raise Unprocessable("the comment's client network is not known (it was "
                                    "posted before network bans existed)",
                                    details={"id": comment_id})
        return self.ban(site_id, self.author_ref(site_id, record.state.reader), reason,
                        days, actor, comment_id, network=net)

    def unban(self, site_id: str, ref: str, actor: str | None = None) -> None:
        """Lift a ban, and the network ban that came with it."""
        self.sites.get(site_id)
        raw = self.store.ban(site_id, ref)
        network = orjson.loads(raw).get("network") if raw else None
        if not raw or not self.store.remove_ban(
                site_id, ref, self._history_fields("unban", actor, author=ref), network):
            raise BanNotFound(details={"ref": ref})

    def bans(self, site_id: str) -> dict[str, Any]:
        """Every author ban of the site (network bans show as `network: true` on theirs)."""
        self.sites.get(site_id)
        return {"items": [self._ban_out(ref, orjson.loads(raw))
                          for ref, raw in sorted(self.store.all_bans(site_id).items())
                          if AUTHOR_REF_RE.fullmatch(ref)]}

    @staticmethod
    def _ban_out(ref: str, record: dict[str, Any]) -> dict[str, Any]:
        return {"ref": ref, "reason": record.get("reason", ""),
                "created_at": record.get("created_at"), "until": record.get("until"),
                "network": bool(record.get("network"))}
