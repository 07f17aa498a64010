"""Rendered public comment pages, kept per worker and served only while still exact.

A public page (no reader token) depends only on the URL, the site's reply-preview setting
and the article's comment data. Every comment write bumps a per-article version counter in
the same script, and the list script returns the version it read the page at, so an entry
is labelled with exactly the data it shows. A request reads the current version and takedown
flag (one small script, one round trip) and is answered from the cache only when they match
the entry's label; otherwise the page is read and rendered afresh. Nothing is ever served
stale; what the cache saves is the page read and its rendering (the 50-comment page is the
hot path). The same label is the page's ETag, so If-None-Match answers 304.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable, NamedTuple


class _Entry(NamedTuple):
    """A rendered page and the version label of the data it shows."""

    label: str
    body: bytes


class PageCache:
    """A byte-bounded LRU of (label, body) per key; thread-safe (gthread workers)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Tell whether the cache keeps anything (PAGE_CACHE_BYTES > 0)."""
        return self.max_bytes > 0

    def get(self, key: Hashable, label: str) -> bytes | None:
        """Return the page kept under `key` if it was rendered at `label`, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.label != label:
                return None
            self._entries.move_to_end(key)
            return entry.body

    def put(self, key: Hashable, label: str, body: bytes) -> None:
        """Keep a rendered page under `key`, labelled with its version."""
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = _Entry(label, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._entries)
