"""Comment storage: the scripts and reads behind service.domain.comments. Knows keys, not rules.

Everything about one comment lives in its article's hash tag, so each write (create, vote,
moderate, delete) is one Lua script on one Redis Cluster slot, and the article's published
count (`c` in the numbers hash) changes in the same script as the status.

The editors' per-site indexes (moderation queue by status, bans) live in the site's tag. An
index is written right after the article's script, so a crash between the two can leave it
behind the truth; every index read therefore checks each entry against the comment's state
and drops entries whose status moved on. What stays possible is a comment missing from an
index if Redis fails between the two writes (documented in the report/README).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

from ..domain.comment_model import COMMENT_SEQ_MAX, CommentState, Featured, Status, Vote
from . import compose_script, guarded, lua_constants, run_touching
from .keys import IDEMPOTENCY_TTL, MODERATION_HISTORY_CAP, MODERATION_INDEX_CAP, REPLY_SPAN, Keys

SCRIPTS = ("comment_create", "comment_vote", "comment_transition", "comment_list",
           "comment_version", "ban_remove")
# Scripts that use the shared state format and hot score of lua/comment_lib.lua.
WITH_LIB = frozenset({"comment_create", "comment_vote", "comment_transition"})
# What every comment script may name: the domain's statuses and votes, as Lua tables.
CONSTANTS = (lua_constants("STATUS", Status), lua_constants("VOTE", Vote),
             lua_constants("FEATURED", Featured))


def comment_script(name: str) -> str:
    """Return the script's source: the constants tables, then comment_lib.lua when the
    script uses its helpers, then the script."""
    if name in WITH_LIB or name in ("reader_erase", "import_article"):
        return compose_script("comment_lib", name, constants=CONSTANTS)
    return compose_script(name, constants=CONSTANTS)


# The hot read path parses up to 50 states a page: a dict lookup instead of Status(value)
# (an enum call) and a plain tuple build instead of the NamedTuple's keyword constructor.
_STATUSES = {status.value: status for status in Status}
_new_state = CommentState._make


def parse_state(raw: str) -> CommentState:
    """Read a stored comment state: "status|up|down|replies|featured 0/1|created s|parent
    seq|reader id" (lua/comment_lib.lua reads and writes the same format; these two functions
    are its only reader and writer in Python)."""
    status, up, down, replies, featured, created, parent, reader = raw.split("|", 7)
    return _new_state((_STATUSES[status], int(up), int(down), int(replies), featured == "1",
                       int(created), int(parent), reader))


def encode_state(state: CommentState) -> str:
    """Write a comment state in the stored format (see parse_state)."""
    return "|".join((state.status.value, str(state.up), str(state.down), str(state.replies),
                     "1" if state.featured else "0", str(state.created), str(state.parent),
                     state.reader))


class CommentRecord(NamedTuple):
    """A stored comment: its state and its content (immutable JSON), or None where missing."""

    state: CommentState | None
    content: str | None


def _state_or_none(raw: str | None) -> CommentState | None:
    return parse_state(raw) if raw else None


def _score_text(raw) -> str:
    """A sorted-set score as exact text (redis-py hands the cast function bytes or a float)."""
    if isinstance(raw, bytes):
        return raw.decode("ascii")
    return repr(float(raw)) if not isinstance(raw, str) else raw


def pad(seq: int) -> str:
    """Return a comment seq as the zero-padded sorted-set member."""
    return f"{seq:010d}"


@dataclass(frozen=True)
class Created:
    outcome: str          # "ok", "replay" (an Idempotency-Key retry) or a refusal: down,
                          # duplicate, no_parent, parent_closed, full, key_reused
    seq: int = 0
    parent: int = 0
    created: int = 0
    status: Status | None = None  # replay: the status the comment was created with
    content: str = ""     # replay: the comment's stored content


@dataclass(frozen=True)
class VoteResult:
    outcome: str          # "ok", "missing", "closed"
    up: int = 0
    down: int = 0
    mine: Vote | None = None
    changed: bool = False
    status: Status | None = None   # closed: the status that refuses votes


@dataclass(frozen=True)
class Transition:
    outcome: str          # "ok", "missing", "forbidden", "conflict"
    old: Status | None = None
    new: Status | None = None
    delta: int = 0
    created: int = 0
    parent: int = 0
    featured: bool = False


@dataclass(frozen=True)
class Page:
    """A page as stored, in parallel lists (None or "" marks a missing state or content;
    `mines` is empty when no reader was given). Replies are listed the same way, each with
    the index of its item in `owners`. Plain lists: a 50-comment page is the hot read path."""

    down: bool
    count: int
    more: bool
    version: str          # "<comment version>.<taken down 0/1>" the page was read at
    seqs: list[str]
    scores: list[str]
    states: list[CommentState | None]
    contents: list[str]
    mines: list[str]
    owners: list[int]     # 1-based item index of each reply below
    reply_seqs: list[str]
    reply_states: list[CommentState | None]
    reply_contents: list[str]
    reply_mines: list[str]


class CommentStore:
    """Redis access for comments; shares the client (and its pool) of the main Store."""

    def __init__(self, client, keys: Keys) -> None:
        self.client = client
        self.keys = keys
        self.scripts = {name: client.register_script(comment_script(name)) for name in SCRIPTS}
        from .rankings import _is_cluster

        self.cluster = _is_cluster(client)

    # -- writes ---------------------------------------------------------------------------
    @guarded
    def create(self, site: str, article: str, *, content: str, status: Status, parent: int,
               reader: str, now_ms: int, dedupe: str, dedupe_window_ms: int,
               hot_period: int, idempotency: tuple[str, str] | None = None) -> Created:
        """Create a comment; `idempotency` = (key digest, request fingerprint) makes a
        retry with the same key answer what the first call created (see the script)."""
        k = self.keys
        keys = [k.comment_seq(site, article), k.comment_content(site, article),
                k.comment_state(site, article), k.comments_by_seq(site, article),
                k.comments_by_hot(site, article), k.comment_replies(site, article),
                k.numbers(site, article), k.comment_dedupe(site, article),
                k.meta(site, article), k.comment_version(site, article)]
        args = [content, status.value, parent, reader, now_ms, dedupe if dedupe_window_ms > 0 else "",
                max(dedupe_window_ms, 1), hot_period, REPLY_SPAN, COMMENT_SEQ_MAX]
        if idempotency is not None:
            key_digest, fingerprint = idempotency
            keys.append(k.comment_idempotency(site, article, reader, key_digest))
            args += [fingerprint, IDEMPOTENCY_TTL]
        reply = run_touching(self.client, self.scripts["comment_create"], keys, args,
                             (k.reader_index(site, reader), article), self.cluster)
        outcome, *found = reply
        if outcome == "replay":
            seq, parent, created, status, content = found
            return Created(outcome, int(seq), int(parent), int(created), Status(status), content)
        if outcome != "ok":
            return Created(outcome)
        seq, parent, created = found
        return Created(outcome, int(seq), int(parent), int(created))

    @guarded
    def vote(self, site: str, article: str, seq: int, reader: str, vote: Vote | None,
             hot_period: int) -> VoteResult:
        """Set, switch or retract a reader's 顶/踩 on a comment (one script)."""
        k = self.keys
        reply = run_touching(
            self.client, self.scripts["comment_vote"],
            [k.comment_state(site, article), k.comment_votes(site, article),
             k.comments_by_hot(site, article), k.meta(site, article),
             k.comment_version(site, article)],
            [seq, reader, vote.value if vote else "", hot_period],
            (k.reader_index(site, reader), article) if vote else None, self.cluster)
        outcome, *found = reply
        if outcome == "ok":
            up, down, mine, changed = found
            return VoteResult(outcome, int(up), int(down), Vote(mine) if mine else None,
                              bool(changed))
        return VoteResult(outcome, status=Status(found[0]) if found else None)

    @guarded
    def transition(self, site: str, article: str, seq: int, *, allowed: Iterable[Status],
                   to: Status | None, featured: Featured | None, author: str | None,
                   hot_period: int) -> Transition:
        """Move a comment from one of the `allowed` statuses to `to` (None keeps it) and
        set or clear its featured flag, atomically (lua/comment_transition.lua)."""
        k = self.keys
        reply = self.scripts["comment_transition"](
            keys=[k.comment_state(site, article), k.comments_by_seq(site, article),
                  k.comments_by_hot(site, article), k.comment_replies(site, article),
                  k.numbers(site, article), k.comment_version(site, article)],
            args=[seq, ",".join(sorted(status.value for status in allowed)),
                  to.value if to else "", featured.value if featured else "", author or "",
                  hot_period,
                  REPLY_SPAN],
        )
        outcome, *found = reply
        if outcome == "ok":
            old, new, delta, created, parent = found
            return Transition(outcome, Status(old), Status(new), int(delta), int(created),
                              int(parent))
        if outcome == "conflict":
            status, featured = found
            return Transition(outcome, old=Status(status), featured=bool(int(featured)))
        return Transition(outcome)

    # -- reads ----------------------------------------------------------------------------
    @guarded
    def page(self, site: str, article: str, *, sort_key: str, desc: bool, lo: str, hi: str,
             cursor: tuple[str, int] | None, limit: int, preview: int, reader: str | None,
             public: bool) -> Page:
        """Return one page of a sorted set of the article (comment_list.lua), in one round trip."""
        k = self.keys
        zset = {"seq": k.comments_by_seq, "hot": k.comments_by_hot,
                "replies": k.comment_replies}[sort_key](site, article)
        reply = self.scripts["comment_list"](
            keys=[zset, k.comment_state(site, article), k.comment_content(site, article),
                  k.comment_replies(site, article), k.comment_votes(site, article),
                  k.meta(site, article), k.numbers(site, article),
                  k.comment_version(site, article)],
            args=["desc" if desc else "asc", lo, hi, cursor[0] if cursor else "",
                  pad(cursor[1]) if cursor else "", limit, preview, reader or "",
                  "1" if public else "0", REPLY_SPAN],
        )
        (down, count, more, version, seqs, scores, states, contents, mines, owners,
         reply_seqs, reply_states, reply_contents, reply_mines) = reply
        return Page(bool(down), int(count), bool(more), f"{version}.{down}", seqs, scores,
                    [_state_or_none(raw) for raw in states], contents, mines, owners,
                    reply_seqs, [_state_or_none(raw) for raw in reply_states], reply_contents,
                    reply_mines)

    def reply_page(self, site: str, article: str, parent: int, *, after: int | None,
                   limit: int, reader: str | None) -> Page:
        """Return one page of a comment's published replies in seq order, strictly after reply seq
        `after` (their scores are parent * REPLY_SPAN + seq: one range per parent)."""
        base = parent * REPLY_SPAN
        return self.page(site, article, sort_key="replies", desc=False, lo=str(base),
                         hi=str(base + REPLY_SPAN - 1),
                         cursor=(str(base + after), after) if after else None, limit=limit,
                         preview=0, reader=reader, public=True)

    @guarded
    def states(self, site: str, article: str) -> dict[int, CommentState]:
        """Return every comment state of the article by seq."""
        return {int(seq): parse_state(raw) for seq, raw in
                self.client.hgetall(self.keys.comment_state(site, article)).items()}

    @guarded
    def version(self, site: str, article: str) -> str:
        """Return the tag a cached page of the article must carry to be current (one round trip)."""
        version, down = self.scripts["comment_version"](
            keys=[self.keys.comment_version(site, article), self.keys.meta(site, article)])
        return f"{version}.{down}"

    @guarded
    def records(self, site: str, refs: list[tuple[str, int]]) -> list[CommentRecord]:
        """Return the record of each (article, seq), in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        for article, seq in refs:
            pipe.hget(self.keys.comment_state(site, article), seq)
            pipe.hget(self.keys.comment_content(site, article), seq)
        replies = pipe.execute()
        return [CommentRecord(_state_or_none(replies[i]), replies[i + 1] or None)
                for i in range(0, len(replies), 2)]

    @guarded
    def votes_of(self, site: str, article: str, reader: str,
                 seqs: list[int]) -> list[Vote | None]:
        """Return the reader's standing vote on each comment (None where there is none)."""
        if not seqs:
            return []
        found = self.client.hmget(self.keys.comment_votes(site, article),
                                  [f"{seq}:{reader}" for seq in seqs])
        return [Vote(vote) if vote else None for vote in found]

    @guarded
    def record(self, site: str, article: str, seq: int) -> CommentRecord:
        """Return one comment's record."""
        return self.records(site, [(article, seq)])[0]

    # -- the per-site moderation indexes --------------------------------------------------
    @guarded
    def index_move(self, site: str, comment_id: str, old: Status | None, new: Status | None,
                   now_ms: int, indexed: Iterable[Status]) -> None:
        """Move a comment id between the per-site status indexes (one slot, one trip); the
        pending queue is never trimmed, the others keep their newest entries."""
        indexed = frozenset(indexed)
        pipe = self.client.pipeline(transaction=False)
        if new in indexed:
            key = self.keys.moderation_index(site, new.value)
            pipe.zadd(key, {comment_id: now_ms})
            if new is not Status.PENDING:
                pipe.zremrangebyrank(key, 0, -MODERATION_INDEX_CAP - 1)
        if old in indexed and old != new:
            pipe.zrem(self.keys.moderation_index(site, old.value), comment_id)
        if len(pipe):
            pipe.execute()

    @guarded
    def index_page(self, site: str, status: Status, *, desc: bool,
                   cursor: tuple[str, str] | None, count: int) -> list[tuple[str, str]]:
        """Return up to `count` (comment id, score) of an index, strictly after the cursor."""
        key = self.keys.moderation_index(site, status.value)
        if desc:
            rows = self.client.zrevrangebyscore(key, cursor[0] if cursor else "+inf", "-inf",
                                                start=0, num=count + 64, withscores=True,
                                                score_cast_func=_score_text)
        else:
            rows = self.client.zrangebyscore(key, cursor[0] if cursor else "-inf", "+inf",
                                             start=0, num=count + 64, withscores=True,
                                             score_cast_func=_score_text)
        out = []
        for member, score in rows:
            if cursor and float(score) == float(cursor[0]):
                if (desc and member >= cursor[1]) or (not desc and member <= cursor[1]):
                    continue
            out.append((member, score))
            if len(out) == count:
                break
        return out

    @guarded
    def index_sizes(self, site: str, statuses: Iterable[Status]) -> list[int]:
        """Count each status index (ZCARD), one pipelined round trip on the site's tag."""
        pipe = self.client.pipeline(transaction=False)
        for status in statuses:
            pipe.zcard(self.keys.moderation_index(site, status.value))
        return [int(n) for n in pipe.execute()]

    @guarded
    def index_drop(self, site: str, status: Status, comment_ids: list[str]) -> None:
        """Drop stale entries from a status index."""
        if comment_ids:
            self.client.zrem(self.keys.moderation_index(site, status.value), *comment_ids)

    # -- bans -----------------------------------------------------------------------------
    @guarded
    def ban(self, site: str, ref: str) -> str | None:
        """Return the ban record of `ref`, if banned."""
        return self.client.hget(self.keys.bans(site), ref)

    @guarded
    def bans_of(self, site: str, refs: list[str]) -> list[str | None]:
        """Return the ban records of several refs (an author and a network) in one round trip."""
        return self.client.hmget(self.keys.bans(site), refs)

    @guarded
    def set_ban(self, site: str, ref: str, record: str,
                history: dict[str, str] | None = None) -> None:
        """Ban `ref`; with `history`, record that entry in the same MULTI (one site tag)."""
        self.set_bans(site, {ref: record}, history)

    @guarded
    def set_bans(self, site: str, records: dict[str, str],
                 history: dict[str, str] | None = None) -> None:
        """Write ban records (an author, and their network) in one HSET; with `history`,
        record that entry in the same MULTI (one site tag)."""
        pipe = self.client.pipeline(transaction=history is not None)
        pipe.hset(self.keys.bans(site), mapping=records)
        if history is not None:
            pipe.xadd(self.keys.moderation_history(site), history,
                      maxlen=MODERATION_HISTORY_CAP, approximate=True)
        pipe.execute()

    @guarded
    def remove_ban(self, site: str, ref: str, history: dict[str, str] | None = None,
                   network: str | None = None) -> bool:
        """Lift the ban (and the network ban that came with it); with `history`, record that
        entry atomically if a ban was lifted."""
        flat = [x for kv in (history or {}).items() for x in kv]
        return bool(self.scripts["ban_remove"](
            keys=[self.keys.bans(site), self.keys.moderation_history(site)],
            args=[ref, network or "", MODERATION_HISTORY_CAP, *flat]))

    @guarded
    def all_bans(self, site: str) -> dict[str, str]:
        """Return every ban record of the site by ref."""
        return self.client.hgetall(self.keys.bans(site))
