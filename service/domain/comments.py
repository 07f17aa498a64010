"""Comments: posting, 顶/踩 and deletion, and the moves of the state machine.

The model (statuses, the transition table, ids, the hot rule) is service.domain.comment_model;
listing is service.domain.comment_listing, the editors' side service.domain.moderation, the
cursors service.domain.cursors. No Flask, no Redis commands: service.store.comments runs
every write as one script on the article's hash tag.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple

import orjson

from ..errors import (
    CommentNotFound,
    CommentNotVotable,
    CommentRejected,
    CommentsClosed,
    DuplicateComment,
    IdempotencyKeyReused,
    InvalidId,
    InvalidIdempotencyKey,
    InvalidTransition,
    NotCommentAuthor,
    NotFound,
    ParentClosed,
    after_commit,
)
from .comment_listing import own_view
from .comment_model import (
    COMMENT_ID_RE,
    COMMENT_SEQ_MAX,
    DEFAULT_AUTHOR,
    DELETE_MOVE,
    HOT_PERIOD,
    QUEUE_STATUSES,
    CommentState,
    Move,
    Status,
    Vote,
    format_id,
    parse_id,
    rfc3339,
)
from .guards import Draft, normalize_for_matching, screen

log = logging.getLogger("xinqing.comments")

# `Idempotency-Key`: visible ASCII, like the IETF draft's and Stripe's keys (UUIDs and such)
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class PostRequest:
    """A reader's comment as posted.

    `idempotency_key`: the `Idempotency-Key` header, if any; `client_address` places the
    author in a client network (readers.client_network), kept with the comment as a keyed
    hash so an editor's ban can cover it."""

    site_id: str
    article: str
    token: str | None
    body: str
    author_name: str | None = None
    parent_id: str | None = None
    idempotency_key: str | None = None
    client_address: str | None = None


class Posted(NamedTuple):
    """A posted comment as its author sees it; `replayed` when an Idempotency-Key retry was
    answered with what the first post created."""

    comment: dict[str, Any]
    replayed: bool


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
    """Posting, voting on and deleting comments, and applying the state machine's moves."""

    def __init__(self, store, sites, engagement, bans,
                 clock: Callable[[], float] = time.time, history=None,
                 after_count_change: Iterable[Callable[[str, str, int, int], None]] = ()) -> None:
        self.store = store              # service.store.comments.CommentStore
        self.sites = sites
        self.engagement = engagement    # reader tokens
        self.bans = bans                # service.domain.moderation.Bans: checked on posting
        self.clock = clock
        # Hooks run when an article's published count moves: (site, article, delta, created).
        self.after_count_change = list(after_count_change)
        # service.domain.history.ModerationHistory, or None: editors' deletions are recorded.
        self.history = history

    def now_ms(self) -> int:
        """Return the clock's time in unix milliseconds."""
        return int(self.clock() * 1000)

    # -- posting --------------------------------------------------------------------------
    def post(self, request: PostRequest) -> Posted:
        """Post a comment; with an `Idempotency-Key`, a retry (same key, same fields) answers
        what the first post created and creates nothing."""
        site_id, article, parent_id = request.site_id, request.article, request.parent_id
        site = self.sites.get(site_id)
        reader = self.engagement.reader(site_id, request.token, required=True)
        idempotency = None
        if request.idempotency_key is not None:
            if not IDEMPOTENCY_KEY_RE.fullmatch(request.idempotency_key):
                raise InvalidIdempotencyKey()
            fingerprint = hashlib.sha256(orjson.dumps(
                [request.body, request.author_name, parent_id])).hexdigest()
            idempotency = (hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:32],
                           fingerprint[:32])
        now_ms = self.now_ms()
        address = request.client_address
        network = self.bans.refs.network(site_id, address) if address else None
        self.bans.check(site_id, reader, address, now_ms)
        parent = 0
        if parent_id:
            try:
                parent_article, parent = parse_id(parent_id)
            except NotFound:
                raise ParentClosed(details={"parent": parent_id[:160]}) from None
            if parent_article != article:
                raise ParentClosed("the parent belongs to another article",
                                   details={"parent": parent_id[:160]})
        body, name = request.body, request.author_name or DEFAULT_AUTHOR
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
            return Posted(own_view(article, created.seq, first, orjson.loads(created.content)),
                          replayed=True)
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
        return Posted(own_view(article, created.seq, state, content), replayed=False)

    # -- votes ----------------------------------------------------------------------------
    def vote(self, site_id: str, comment_id: str, token: str | None,
             vote: Vote | None) -> dict[str, Any]:
        """Hold the reader's 顶/踩 on a published comment (None retracts it)."""
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
        """Return the reader's votes on these comments of the article, so a widget can keep the
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

    # -- deletion and the state machine ----------------------------------------------------
    def apply(self, site_id: str, comment_id: str, move: Move, author: str | None,
              action: str) -> tuple[str, int]:
        """Apply one move of the state machine (the transition script checks it atomically);
        keep the moderation index and the `comments` ranking in step. Return (article, seq).

        `author`: the reader who must have written the comment, or None for an editor."""
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
        article, _ = self.apply(site_id, comment_id, DELETE_MOVE, author, "delete")
        if as_editor:
            self._record_decision(site_id, "delete", actor, comment=comment_id, article=article,
                         status=Status.DELETED.value)
        return {"id": comment_id, "status": Status.DELETED.value}

    def _record_decision(self, site_id: str, action: str, actor: str | None, **refs) -> None:
        """Add an editor's decision to the site's history, when there is one."""
        if self.history is not None:
            self.history.record(site_id, action, actor or "editor", **refs)

    # -- keeping the indexes and the rankings in step -------------------------------------
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

    def _count_changed(self, site_id: str, article: str, delta: int, created: int) -> None:
        """Tell the hooks (the `comments` ranking) that the published count moved; after the
        commit, so a failure is logged (`xinqing rankings rebuild` recomputes the metric
        from the comment records), never answered."""
        for hook in self.after_count_change:
            after_commit(log, f"comments of {site_id}/{article} changed by {delta} but "
                              f"{getattr(hook, '__name__', hook)} did not follow; run "
                              f"`xinqing rankings rebuild --site {site_id}`",
                         hook, site_id, article, delta, created)
