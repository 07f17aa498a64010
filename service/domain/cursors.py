"""Signed keyset cursors: what "加载更多" hands back to continue a listing.

A cursor is `base64url(payload).signature`, the payload being the last item's sort score and
member, the signature an HMAC over the listing it belongs to (for comments: site, article,
sort, parent; for the feed: its scope). A page starts strictly after the cursor's (score,
member), so items added meanwhile never shift pages: no duplicates and no gaps in a stable
order. In an order that moves (comments by `hot`), an item whose score changes while a
reader pages may cross the page boundary (shown twice or not at all); clients that care
dedupe by id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from typing import NamedTuple

from ..errors import InvalidCursor

_SEQ_RE = re.compile(r"[0-9]{1,10}")  # ASCII digits only (str.isdigit also takes "²")


def b64(raw: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def unb64(text: str) -> bytes:
    """Decode unpadded base64url text."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Cursor(NamedTuple):
    """Where a page ended: the last item's sort score (exact text) and member."""

    score: str
    member: str

    def seq(self, highest: int) -> int:
        """Return the member as a comment seq in 1..highest; raise InvalidCursor otherwise."""
        if not _SEQ_RE.fullmatch(self.member) or not 0 < int(self.member) <= highest:
            raise InvalidCursor()
        return int(self.member)


class CursorCodec:
    """Opaque, signed keyset cursors bound to one listing (`previous`: the secret key before
    a rotation, whose cursors still decode)."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._keys = [hashlib.sha256(b"xinqing cursor|" + key.encode("utf-8")).digest()
                      for key in (secret, previous) if key]
        self._key = self._keys[0]

    def _sign(self, scope: str, payload: str, key: bytes | None = None) -> str:
        return b64(hmac.new(key or self._key, f"{scope}\n{payload}".encode(),
                            hashlib.sha256).digest()[:12])

    def encode(self, scope: str, score: str, member: str) -> str:
        """Return the cursor continuing listing `scope` after (score, member)."""
        payload = f"{score}|{member}"
        return f"{b64(payload.encode())}.{self._sign(scope, payload)}"

    def decode(self, scope: str, cursor: str | None) -> Cursor | None:
        """Return where `cursor` continues listing `scope` (None for no cursor); raise
        InvalidCursor for a forged, foreign or malformed one."""
        if not cursor:
            return None
        try:
            body, _, signature = cursor.partition(".")
            payload = unb64(body).decode("ascii")
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
        return Cursor(score, member)
