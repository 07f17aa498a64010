"""The comment model: statuses, actions, the moderation state machine, ids and the hot rule.

Pure values and tables, imported by every other comment module, the schemas (which validate
with these enums) and the comment store (whose Lua scripts receive the status and vote names
as a generated constants table, service.store.lua_constants). Nothing here does I/O.

Ids. A comment id is `<article>~<seq>`: the article it belongs to and its number on that
article (given out by the create script, so numbers follow commit order). The routes
`/comments/{id}/...` carry no article, and encoding it in the id means every comment write
is one script on the article's hash tag with no per-site id index to keep in step (`~` is
URL-safe and not allowed in article ids, so the split is unambiguous).

Hot. `hot = sign(up - down) * log10(1 + |up - down|) + created_unix_seconds / HOT_PERIOD`
(Reddit's hot, counting the first vote), computed by the comment scripts
(lua/comment_lib.lua): nine net 顶 weigh as much as 12.5 hours of recency, 99 as 25 hours,
one as 3.8 hours; net 踩 push a comment down the same way. The score changes only when a
vote changes, never with the passing of time (recency is in the created term), so it can be
stored in a sorted set and paged with a keyset cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import NamedTuple

from ..errors import CommentNotFound

HOT_PERIOD = 45000
DEFAULT_AUTHOR = "网友"
# The most comments one article can hold: keeps reply scores (parent * span + seq) exact.
COMMENT_SEQ_MAX = 2 ** 26 - 1
COMMENT_ID_RE = re.compile(r"^([A-Za-z0-9_.:-]{1,128})~([1-9][0-9]{0,7})$")
AUTHOR_REF_RE = re.compile(r"^u[A-Za-z0-9_-]{16}$")


class Status(str, Enum):
    """Where a comment stands; only a published one is shown and counted."""

    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    SPAM = "spam"
    DELETED = "deleted"


class Action(str, Enum):
    """What an editor can do to a comment."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    FEATURE = "feature"
    UNFEATURE = "unfeature"


class Sort(str, Enum):
    """The orders a listing can take."""

    NEW = "new"
    OLD = "old"
    HOT = "hot"


class Vote(str, Enum):
    """A reader's 顶 (up) or 踩 (down) on a comment."""

    UP = "up"
    DOWN = "down"


class Featured(str, Enum):
    """How a move changes the featured flag: set it (it must be clear) or clear it (it must
    be set)."""

    SET = "set"
    CLEAR = "clear"


class CommentState(NamedTuple):
    """A comment's mutable state (the comment store reads and writes its stored form)."""

    status: Status
    up: int
    down: int
    replies: int
    featured: bool
    created: int        # unix seconds
    parent: int         # the parent's seq, 0 for a top-level comment
    reader: str         # the author's reader id ("" once erased)


@dataclass(frozen=True)
class Move:
    """One row of the state machine: from which statuses, to which status, featured change."""

    sources: frozenset[Status]
    target: Status | None              # None keeps the status
    featured: Featured | None = None   # None leaves the flag alone


# The moderation state machine. The comment_transition script applies a row atomically (it
# receives `sources`, `target` and `featured` as arguments); nothing else checks it.
TRANSITIONS: dict[Action, Move] = {
    Action.APPROVE: Move(frozenset({Status.PENDING, Status.REJECTED, Status.SPAM}),
                         Status.PUBLISHED),
    Action.REJECT: Move(frozenset({Status.PENDING, Status.PUBLISHED, Status.SPAM}),
                        Status.REJECTED),
    Action.SPAM: Move(frozenset({Status.PENDING, Status.PUBLISHED, Status.REJECTED}),
                      Status.SPAM),
    Action.FEATURE: Move(frozenset({Status.PUBLISHED}), None, Featured.SET),
    Action.UNFEATURE: Move(frozenset({Status.PUBLISHED}), None, Featured.CLEAR),
}
# Deletion (by the author or an editor) is allowed from every status and repeats harmlessly.
DELETE_MOVE = Move(frozenset(Status), Status.DELETED)
# The per-site indexes editors page through (GET /moderation?status=...).
QUEUE_STATUSES = (Status.PENDING, Status.PUBLISHED, Status.REJECTED, Status.SPAM)


def format_id(article: str, seq: int) -> str:
    """Return the public id of comment `seq` of `article`."""
    return f"{article}~{seq}"


def parse_id(comment_id: str) -> tuple[str, int]:
    """Return (article, seq) of a comment id; raise CommentNotFound when it cannot be one."""
    match = COMMENT_ID_RE.fullmatch(comment_id or "")
    if not match or int(match.group(2)) > COMMENT_SEQ_MAX:
        raise CommentNotFound(details={"id": (comment_id or "")[:160]})
    return match.group(1), int(match.group(2))


def rfc3339(ms: int) -> str:
    """Format unix milliseconds as an RFC 3339 UTC time to the second."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
