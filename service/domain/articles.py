"""Article metadata as the API shows it (summaries, rankings): formatting only, no storage."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..text import is_safe_url, one_line, plain_text

META_FIELDS = ("title", "url", "channel", "published_at", "summary", "image")
# How each text field is served: even meta stored before today's input rules (or written
# by hand) reaches a page clean — unsafe URLs as null, text without controls or bidi.
_SERVE = {
    "title": one_line,
    "summary": plain_text,
    "url": lambda v: v if is_safe_url(v) else None,
    "image": lambda v: v if is_safe_url(v) else None,
}


def rfc3339(ts: float | int) -> str:
    """Unix seconds as an RFC 3339 UTC string (whole seconds)."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_meta(meta: dict[str, str] | None) -> dict[str, Any] | None:
    """Return the stored meta hash as the API shows it; None when the CMS never sent any."""
    if not meta or not (meta.get("url") or meta.get("title") or meta.get("down")):
        return None  # (a hash holding only the rankings' "hold" mark is no meta)
    out: dict[str, Any] = {}
    for name in META_FIELDS:
        value = meta.get(name) or None
        serve = _SERVE.get(name)
        out[name] = serve(value) or None if value is not None and serve else value
    if meta.get("updated_at"):
        out["updated_at"] = rfc3339(int(meta["updated_at"]))
    if meta.get("down"):
        out["taken_down"] = True
        out["taken_down_at"] = rfc3339(int(meta["down"]))
    return out
