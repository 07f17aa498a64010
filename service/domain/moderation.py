"""Moderation and bans: the editors' side of comments.

Editors see comments with their author's ref (a keyed pseudonym, never the reader id) and
hold reasons, page through the per-site status queues, apply the state machine's actions
(service.domain.comment_model.TRANSITIONS, enforced by the transition script) and ban
authors, optionally with the client network they post from. Every decision goes to the
site's history (service.domain.history).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Callable, NamedTuple

import orjson

from ..errors import BanNotFound, CommentNotFound, NotFound, ReaderBanned, Unprocessable
from .comment_listing import own_view
from .comment_model import (AUTHOR_REF_RE, QUEUE_STATUSES, TRANSITIONS, Action, CommentState,
                            Status, parse_id, rfc3339)
from .cursors import Cursor, CursorCodec, b64
from .readers import client_network

# Rounds of reading a queue page while stale index entries are dropped.
QUEUE_READ_ROUNDS = 5


class AuthorRefs:
    """Stable pseudonyms of readers and client networks on a site, for editors and bans.

    Keyed hashes of the secret key; refs made under the previous key (bans placed before a
    rotation) are still looked up while it is configured."""

    def __init__(self, secret: str, previous_secret: str | None = None) -> None:
        self.keys = [hashlib.sha256(b"xinqing author ref|" + key.encode("utf-8")).digest()
                     for key in (secret, previous_secret) if key]

    def author(self, site_id: str, reader: str, key: bytes | None = None) -> str:
        """Return the reader's pseudonym on the site (what editors ban); not the reader id."""
        mac = hmac.new(key or self.keys[0], f"{site_id}|{reader}".encode(),
                       hashlib.sha256).digest()
        return "u" + b64(mac[:12])

    def network(self, site_id: str, client_address: str, key: bytes | None = None) -> str:
        """Return the pseudonym of the client's network on a site (IPv4 address, IPv6 /64)."""
        mac = hmac.new(key or self.keys[0],
                       f"{site_id}|net|{client_network(client_address)}".encode(),
                       hashlib.sha256).digest()
        return "n" + b64(mac[:12])


def editor_view(refs: AuthorRefs, site_id: str, article: str, seq: int, state: CommentState,
                content: dict[str, Any]) -> dict[str, Any]:
    """Return a comment as editors see it: its author's ref and hold reasons too."""
    view = own_view(article, seq, state, content)
    view["author"]["ref"] = refs.author(site_id, state.reader)
    view["hold_reasons"] = content.get("h") or []
    return view


def _ban_view(ref: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"ref": ref, "reason": record.get("reason", ""),
            "created_at": record.get("created_at"), "until": record.get("until"),
            "network": bool(record.get("network"))}


class Bans:
    """Author bans (and the network bans that come with them) of a site."""

    def __init__(self, store, sites, refs: AuthorRefs, history=None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store              # service.store.comments.CommentStore
        self.sites = sites
        self.refs = refs
        self.history = history          # service.domain.history.ModerationHistory, or None
        self.clock = clock

    def check(self, site_id: str, reader: str, client_address: str | None, now_ms: int) -> None:
        """Raise ReaderBanned if the reader, or the client network it posts from, is banned
        (under the secret key or the previous one)."""
        refs, scopes = [], []
        for key in self.refs.keys:
            refs.append(self.refs.author(site_id, reader, key))
            scopes.append("reader")
            if client_address:
                refs.append(self.refs.network(site_id, client_address, key))
                scopes.append("network")
        for scope, raw in zip(scopes, self.store.bans_of(site_id, refs)):
            if raw:
                ban = orjson.loads(raw)
                until = ban.get("until_ms")
                if until is None or until > now_ms:
                    raise ReaderBanned(details={"until": ban.get("until"), "scope": scope})

    def _history_fields(self, action: str, actor: str | None, **refs) -> dict | None:
        if self.history is None:
            return None
        return self.history.fields(action, actor or "editor", **refs)

    def ban(self, site_id: str, ref: str, reason: str | None, days: int | None,
            actor: str | None = None, comment_id: str | None = None,
            network: str | None = None) -> dict[str, Any]:
        """Ban an author; with `network` (a network ref), that client network too. The ban
        and its history entry are one MULTI (both in the site tag).

        Re-banning a ref keeps the network its earlier ban covered, with the new terms."""
        self.sites.get(site_id)
        now_ms = int(self.clock() * 1000)
        until_ms = now_ms + days * 86400 * 1000 if days else None
        record: dict[str, Any] = {"reason": reason or "", "created_at": rfc3339(now_ms),
                                  "until": rfc3339(until_ms) if until_ms else None,
                                  "until_ms": until_ms}
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
        return _ban_view(ref, record)

    def ban_author(self, site_id: str, comment_id: str, reason: str | None,
                   days: int | None, network: bool = False,
                   actor: str | None = None) -> dict[str, Any]:
        """Ban the comment's author; with `network`, also the client network it came from."""
        self.sites.get(site_id)
        article, seq = parse_id(comment_id)
        record = self.store.record(site_id, article, seq)
        if record.state is None:
            raise CommentNotFound(details={"id": comment_id})
        network_ref = None
        if network:
            network_ref = orjson.loads(record.content).get("w") if record.content else None
            if not network_ref:
                raise Unprocessable("the comment's client network is not known (it was "
                                    "posted before network bans existed)",
                                    details={"id": comment_id})
        return self.ban(site_id, self.refs.author(site_id, record.state.reader), reason, days,
                        actor, comment_id, network=network_ref)

    def unban(self, site_id: str, ref: str, actor: str | None = None) -> None:
        """Lift a ban, and the network ban that came with it."""
        self.sites.get(site_id)
        raw = self.store.ban(site_id, ref)
        network = orjson.loads(raw).get("network") if raw else None
        if not raw or not self.store.remove_ban(
                site_id, ref, self._history_fields("unban", actor, author=ref), network):
            raise BanNotFound(details={"ref": ref})

    def list(self, site_id: str) -> dict[str, Any]:
        """List every author ban of the site (network bans show as `network: true`)."""
        self.sites.get(site_id)
        return {"items": [_ban_view(ref, orjson.loads(raw))
                          for ref, raw in sorted(self.store.all_bans(site_id).items())
                          if AUTHOR_REF_RE.fullmatch(ref)]}


class _Queued(NamedTuple):
    """A queue item and where it sits in its index."""

    at: Cursor
    view: dict[str, Any]


class Moderation:
    """The editors' queues and actions on comments."""

    def __init__(self, store, sites, comments, refs: AuthorRefs, cursors: CursorCodec,
                 history=None) -> None:
        self.store = store              # service.store.comments.CommentStore
        self.sites = sites
        self.comments = comments        # service.domain.comments.Comments: applies moves
        self.refs = refs
        self.cursors = cursors
        self.history = history          # service.domain.history.ModerationHistory, or None

    def record(self, site_id: str, action: str, actor: str | None, **refs) -> None:
        """Add a decision to the site's history, when there is one."""
        if self.history is not None:
            self.history.record(site_id, action, actor or "editor", **refs)

    def moderate(self, site_id: str, comment_id: str, action: Action,
                 actor: str | None = None) -> dict[str, Any]:
        """Apply an editor's action; the decision history records it (after the write)."""
        self.sites.get(site_id)
        article, seq = self.comments.apply(site_id, comment_id, TRANSITIONS[action], None,
                                           action.value)
        record = self.store.record(site_id, article, seq)
        view = editor_view(self.refs, site_id, article, seq, record.state,
                           orjson.loads(record.content))
        self.record(site_id, action.value, actor, comment=comment_id, article=article,
                    author=view["author"]["ref"], status=view["status"])
        return view

    def comment(self, site_id: str, comment_id: str) -> dict[str, Any]:
        """Return one comment as editors see it."""
        self.sites.get(site_id)
        article, seq = parse_id(comment_id)
        record = self.store.record(site_id, article, seq)
        if record.state is None or not record.content:
            raise CommentNotFound(details={"id": comment_id})
        return editor_view(self.refs, site_id, article, seq, record.state,
                           orjson.loads(record.content))

    def queue(self, site_id: str, status: Status, limit: int,
              cursor: str | None) -> dict[str, Any]:
        """Read the editors' view of one status: pending oldest first, the others newest first.

        Index entries whose comment has moved on (a write between the article's script and
        the index update failed, or an older index entry) are dropped while reading.
        """
        self.sites.get(site_id)
        scope = f"queue|{site_id}|{status.value}"
        last = self.cursors.decode(scope, cursor)
        desc = status is not Status.PENDING
        valid: list[_Queued] = []
        exhausted = False
        for _ in range(QUEUE_READ_ROUNDS):
            want = limit + 1 - len(valid)
            rows = self.store.index_page(site_id, status, desc=desc, cursor=last, count=want)
            refs = []
            for member, _score in rows:
                try:
                    refs.append(parse_id(member))
                except NotFound:
                    refs.append(None)
            records = iter(self.store.records(site_id, [ref for ref in refs if ref]))
            stale = []
            for (member, score), ref in zip(rows, refs):
                last = Cursor(score, member)
                record = next(records) if ref else None
                if (record is None or record.state is None or not record.content
                        or record.state.status is not status):
                    stale.append(member)
                    continue
                article, seq = ref
                valid.append(_Queued(last, editor_view(self.refs, site_id, article, seq,
                                                       record.state,
                                                       orjson.loads(record.content))))
            if stale:
                self.store.index_drop(site_id, status, stale)
            if len(rows) < want:
                exhausted = True
                break
            if len(valid) > limit:
                break
        items = [queued.view for queued in valid[:limit]]
        if len(valid) > limit:
            next_at = valid[limit - 1].at
        elif exhausted or last is None:
            next_at = None
        else:
            next_at = last
        return {"items": items,
                "next_cursor": self.cursors.encode(scope, *next_at) if next_at else None}

    def queue_counts(self, site_id: str) -> dict[str, int]:
        """Count each status queue (its index; published, rejected and spam keep their newest
        MODERATION_INDEX_CAP). An entry whose index update was lost counts until a queue read
        drops it."""
        self.sites.get(site_id)
        sizes = self.store.index_sizes(site_id, QUEUE_STATUSES)
        return {status.value: size for status, size in zip(QUEUE_STATUSES, sizes)}
