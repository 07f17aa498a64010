"""Sites: their settings, editor tokens, and a per-worker settings cache kept exact by pub/sub.

A site's settings are a Redis hash of field -> JSON value. PATCH writes only the fields it
changes (one atomic HSET in Lua), so two editors changing different settings at once both win.
Every worker caches settings so a reaction write costs one Redis round trip, and drops a
site from its cache when the `settings-changed` message for it arrives; while that
subscription is not confirmed live, the cache is bypassed and settings are read every time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import SiteExists, SiteNotFound
from .defaults import DEFAULT_SHARE_CHANNELS, DEFAULT_MOODS, LANGUAGES, DEFAULT_LANGUAGE

log = logging.getLogger("xinqing.sites")

# Settings fields as stored and as GET/PATCH show them (editor_token_sha256 is never shown).
DEFAULTS: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "moods": DEFAULT_MOODS,
    "share_channels": DEFAULT_SHARE_CHANNELS,
    "allowed_origins": [],
    "moderation": "post",
    "banned_words": [],
    "banned_words_action": "hold",
    "cache_max_age": 5,
    # comments (issue 4)
    "comment_max_length": 2000,
    "comment_max_links": 2,
    "comment_links_action": "hold",
    "comment_duplicate_window": 600,
    "comment_replies_preview": 3,
}
PRIVATE_FIELDS = ("editor_token_sha256", "created_at")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Site:
    """One site's settings, decoded; immutable so a cached copy can be shared safely."""

    site: str
    settings: dict[str, Any]
    editor_token_sha256: str = ""
    mood_keys: frozenset[str] = field(default=frozenset())
    channel_keys: frozenset[str] = field(default=frozenset())

    @classmethod
    def from_fields(cls, site: str, fields: dict[str, str]) -> "Site":
        settings = dict(DEFAULTS)
        for name, raw in fields.items():
            if name in DEFAULTS:
                settings[name] = json.loads(raw)
        return cls(
            site=site,
            settings=settings,
            editor_token_sha256=fields.get("editor_token_sha256", ""),
            mood_keys=frozenset(m["key"] for m in settings["moods"]),
            channel_keys=frozenset(c["key"] for c in settings["share_channels"]),
        )

    @property
    def moods(self) -> list[dict[str, Any]]:
        return self.settings["moods"]

    @property
    def share_channels(self) -> list[dict[str, Any]]:
        return self.settings["share_channels"]

    def public_settings(self) -> dict[str, Any]:
        return {"site": self.site, **self.settings}

    def check_editor_token(self, token: str) -> bool:
        return bool(self.editor_token_sha256) and hmac.compare_digest(
            token_digest(token), self.editor_token_sha256)

    def moods_for(self, lang: str) -> list[dict[str, str]]:
        """The configured moods with their label in `lang` (falling back to zh-CN, then key)."""
        return [{"key": m["key"], "label": label_for(m, lang), "emoji": m.get("emoji", "")}
                for m in self.moods]


def label_for(item: dict[str, Any], lang: str) -> str:
    labels = item.get("labels") or {}
    return labels.get(lang) or labels.get(DEFAULT_LANGUAGE) or next(iter(labels.values()), item["key"])


def pick_language(requested: str | None, accept_best: str | None) -> str:
    if requested in LANGUAGES:
        return requested
    if requested:
        low = requested.lower()
        for lang in LANGUAGES:
            if lang.lower() == low or lang.split("-")[0] == low.split("-")[0]:
                return lang
    return accept_best if accept_best in LANGUAGES else DEFAULT_LANGUAGE


def encode_fields(settings: dict[str, Any]) -> dict[str, str]:
    return {name: json.dumps(value, ensure_ascii=False) for name, value in settings.items()}


class SiteDirectory:
    """Find sites by id through a per-process cache invalidated by pub/sub."""

    def __init__(self, store, cache: bool = True) -> None:
        self.store = store
        self._cache_enabled = cache
        self._cache: dict[str, Site] = {}
        self._generation = 0
        self._live = False
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()

    # -- public ---------------------------------------------------------------------------
    def create(self, site: str, settings: dict[str, Any]) -> tuple[Site, str]:
        """Create a site with `settings` over the defaults; return it and its editor token."""
        token = "xqe_" + secrets.token_urlsafe(32)
        merged = {**DEFAULTS, **settings}
        fields = encode_fields(merged)
        fields["editor_token_sha256"] = token_digest(token)
        fields["created_at"] = str(int(time.time()))
        if not self.store.create_site(site, fields):
            raise SiteExists(details={"site": site})
        return Site.from_fields(site, fields), token

    def get(self, site: str) -> Site:
        """The site's settings; SiteNotFound if there is no such site."""
        use_cache = self._cache_live()
        if use_cache:
            cached = self._cache.get(site)
            if cached is not None:
                return cached
        generation = self._generation
        fields = self.store.site_fields(site)
        if fields is None:
            raise SiteNotFound(details={"site": site})
        found = Site.from_fields(site, fields)
        if use_cache:
            with self._lock:
                if generation == self._generation and self._live:
                    self._cache[site] = found
        return found

    def update(self, site: str, changes: dict[str, Any]) -> Site:
        fields = self.store.update_site(site, encode_fields(changes))
        if fields is None:
            raise SiteNotFound(details={"site": site})
        self._invalidate(site)
        return Site.from_fields(site, fields)

    def close(self) -> None:
        self._stop.set()

    # -- cache ----------------------------------------------------------------------------
    def _invalidate(self, site: str | None) -> None:
        with self._lock:
            self._generation += 1
            if site is None:
                self._cache.clear()
            else:
                self._cache.pop(site, None)

    def _cache_live(self) -> bool:
        if not self._cache_enabled:
            return False
        if self._pid != os.getpid():  # first use in this (possibly forked) process
            with self._lock:
                if self._pid != os.getpid():
                    self._pid = os.getpid()
                    self._live = False
                    self._cache.clear()
                    threading.Thread(target=self._listen, name="xinqing-settings",
                                     daemon=True).start()
        return self._live

    def _listen(self) -> None:
        """Follow settings-changed messages; while not subscribed, the cache is off."""
        channel = self.store.settings_channel()
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self.store.client.pubsub()
                pubsub.subscribe(channel)
                last_ping = time.monotonic()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        if time.monotonic() - last_ping > 5:
                            pubsub.ping()
                            last_ping = time.monotonic()
                        continue
                    if message["type"] == "subscribe":
                        self._invalidate(None)
                        self._live = True
                    elif message["type"] == "message":
                        self._invalidate(message["data"])
            except Exception as exc:  # any failure: stop trusting the cache, retry shortly
                if self._live:
                    log.warning("settings cache off until Redis pub/sub returns: %s", exc)
                self._live = False
                self._invalidate(None)
                self._stop.wait(1.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass
