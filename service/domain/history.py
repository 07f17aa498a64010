"""The moderation decision history: who decided what, when — never what a comment said.

Every editor decision on a site's reader content is recorded: comment moderation (approve,
reject, spam, feature, unfeature), editor deletion, bans and their lifting, article
takedowns, and a reader's erasure. An entry holds the action, the kind of credential that
acted (`editor`, `admin`, or `cli` for the command line — never the token), the time, and
the references it concerns (comment id, article id, author ref, the status after); no
comment text, no reader token, no reader id.

Where it is written (service/store/keys.py puts the stream in the site's tag `{site}`):

* bans and unbans: in the same MULTI as the bans hash (same tag) — both or neither;
* comment moderation, deletion, takedown, erasure: their own write is a script on the
  article's tag, so the entry follows right after it. If Redis fails in between, the
  decision stands (it was answered truthfully) and its entry is missing: `record` logs the
  whole entry at ERROR on `xinqing.history` so an operator can see and re-add it.

`record(...)` is the entry point other features call; `page(...)` lists, newest first.
"""

from __future__ import annotations

import logging
import time
from enum import Enum
from typing import Any, Callable

from ..errors import StorageUnavailable
from .comment_model import rfc3339

log = logging.getLogger("xinqing.history")


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    FEATURE = "feature"
    UNFEATURE = "unfeature"
    DELETE = "delete"
    BAN = "ban"
    UNBAN = "unban"
    TAKEDOWN = "takedown"
    READER_ERASED = "reader_erased"


class Actor(str, Enum):
    """The kind of credential that made a decision."""

    EDITOR = "editor"
    ADMIN = "admin"
    CLI = "cli"


# Entry fields besides action/actor/at, and how long each may be (refs are ids; `reason` is
# the editor's own note on a ban, not reader content).
REF_FIELDS = {"comment": 200, "article": 128, "author": 32, "status": 16, "until": 32,
              "reason": 200}


def entry(action: Decision, actor: Actor, now_ms: int, **refs: str | None) -> dict[str, str]:
    """Return the stored fields of one decision (pure): unknown or empty refs are left out."""
    unknown = set(refs) - set(REF_FIELDS)
    if unknown:
        raise ValueError(f"not a history field: {sorted(unknown)}")
    fields = {"action": Decision(action).value, "actor": Actor(actor).value, "at": str(now_ms)}
    for name, value in refs.items():
        if value:
            fields[name] = str(value)[:REF_FIELDS[name]]
    return fields


def item(entry_id: str, fields: dict[str, str]) -> dict[str, Any]:
    """Return an entry as the API shows it (pure)."""
    out: dict[str, Any] = {"id": entry_id, "action": fields.get("action", ""),
                           "actor": fields.get("actor", ""),
                           "at": rfc3339(int(fields.get("at") or entry_id.split("-")[0]))}
    for name in REF_FIELDS:
        out[name] = fields.get(name) or None
    return out


class ModerationHistory:
    """Record and list a site's moderation decisions."""

    def __init__(self, store, sites, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.sites = sites
        self.clock = clock

    def now_ms(self) -> int:
        """Return the clock's time in unix milliseconds."""
        return int(self.clock() * 1000)

    def record(self, site_id: str, action: Decision | str, actor: Actor | str, *,
               now_ms: int | None = None, pipe=None, **refs: str | None) -> str | None:
        """Record one decision; the entry's id (None when queued on `pipe`, or lost).

        Pass `pipe` (a MULTI pipeline of the same site tag) to commit the entry with the
        decision itself. Without it the entry is written on its own, after the decision:
        an outage then loses only the entry, which is logged in full (never raised: the
        decision is done and its caller answers truthfully).
        """
        fields = entry(Decision(action), Actor(actor),
                       self.now_ms() if now_ms is None else now_ms, **refs)
        if pipe is not None:
            return self.store.append(site_id, fields, pipe)
        try:
            return self.store.append(site_id, fields)
        except StorageUnavailable:
            log.error("moderation history entry lost for site %s: %s", site_id, fields)
            return None

    def fields(self, action: Decision | str, actor: Actor | str, **refs: str | None) -> dict[str, str]:
        """Return the entry of a decision made now, for a store call that writes it in the same
        MULTI or script as the decision (bans: CommentStore.set_ban / remove_ban)."""
        return entry(Decision(action), Actor(actor), self.now_ms(), **refs)

    def page(self, site_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
        """Up to `limit` decisions, newest first, older than `cursor` (a previous next_cursor)."""
        self.sites.get(site_id)
        rows = self.store.page(site_id, cursor, limit + 1)
        items = [item(entry_id, fields) for entry_id, fields in rows[:limit]]
        return {"items": items,
                "next_cursor": items[-1]["id"] if len(rows) > limit and items else None}
