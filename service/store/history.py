"""The moderation decision history: one capped Redis stream per site, in the site's tag.

An entry is a flat hash of short text fields (what service.domain.history builds); its
stream id (`<ms>-<n>`, given by Redis) orders entries and is the paging cursor. The stream
is trimmed on every append to about MODERATION_HISTORY_CAP entries (`MAXLEN ~`: Redis
trims whole nodes, so at least that many are kept and never many more).

Writes take `pipe=None` (as rq's do): a caller whose own write lives in the same tag, the
site's bans hash, passes its MULTI pipeline so decision and entry commit together.
"""

from __future__ import annotations

from . import guarded
from .keys import MODERATION_HISTORY_CAP, Keys


class HistoryStore:
    """Redis access for the moderation history; shares the main Store's client."""

    def __init__(self, client, keys: Keys, cap: int = MODERATION_HISTORY_CAP) -> None:
        self.client = client
        self.keys = keys
        self.cap = cap

    def append(self, site: str, fields: dict[str, str], pipe=None) -> str | None:
        """Add one entry; its stream id, or None when queued on the caller's `pipe`."""
        if pipe is not None:
            pipe.xadd(self.keys.moderation_history(site), fields, maxlen=self.cap,
                      approximate=True)
            return None
        return self._append(site, fields)

    @guarded
    def _append(self, site: str, fields: dict[str, str]) -> str:
        return self.client.xadd(self.keys.moderation_history(site), fields, maxlen=self.cap,
                                approximate=True)

    @guarded
    def page(self, site: str, before: str | None, count: int) -> list[tuple[str, dict[str, str]]]:
        """Up to `count` entries, newest first, strictly older than the stream id `before`."""
        top = "+"
        if before:
            ms, seq = (int(part) for part in before.split("-"))
            if seq:
                top = f"{ms}-{seq - 1}"
            elif ms:
                top = f"{ms - 1}-{2 ** 64 - 1}"
            else:
                return []   # nothing is older than 0-0
        return [(entry_id, fields) for entry_id, fields in
                self.client.xrevrange(self.keys.moderation_history(site), top, "-", count=count)]

    @guarded
    def length(self, site: str) -> int:
        """Count the entries of the site's history."""
        return int(self.client.xlen(self.keys.moderation_history(site)))
