"""Article metadata as the API shows it (summaries, rankings): formatting only, no storage."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

META_FIELDS = ("title", "url", "channel", "published_at", "summary", "image")


def rfc3339(ts: float | int) -> str:
    """Unix seconds as an RFC 3339 UTC string (whole seconds)."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_meta(meta: dict[str, str] | None) -> dict[str, Any] | None:
    """The stored meta hash as the API shows it; None when the CMS never sent any."""
    if not meta:
        return None
    out: dict[str, Any] = {name: meta.get(name) or None for name in META_FIELDS}
    if meta.get("updated_at"):
        out["updated_at"] = rfc3339(int(meta["updated_at"]))
    if meta.get("down"):
        out["taken_down"] = True
        out["taken_down_at"] = rfc3339(int(meta["down"]))
    return out
