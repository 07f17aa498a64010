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
from .defaults import DEFAULT_SHARE_CHANNELS, DEFAULT_MOODS, DEFAULT_LANGUAGE

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
    # comments
    "comment_max_length": 2000,
    "comment_max_links": 2,
    "comment_links_action": "hold",
    "comment_duplicate_window": 600,
    "comment_replies_preview": 3,
    # Only articles whose meta the CMS synced appear in rankings and reading lists. A site
    # stored before this setting existed has no value, which means off (as here); new sites
    # get NEW_SITE_SETTINGS.
    "require_meta": False,
}
# What a site created now gets, over DEFAULTS (settings whose upgrade default differs).
NEW_SITE_SETTINGS: dict[str, Any] = {"require_meta": True}
PRIVATE_FIELDS = ("editor_token_sha256", "created_at")


def new_editor_token() -> str:
    """Return a fresh editor token."""
    return "xqe_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the digest an editor token is stored as."""
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
        """Read a site from its stored settings hash."""
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
        """Return the configured moods, in order."""
        return self.settings["moods"]

    @property
    def share_channels(self) -> list[dict[str, Any]]:
        """Return the configured share channels, in order."""
        return self.settings["share_channels"]

    def public_settings(self) -> dict[str, Any]:
        """Return the settings as editors see them (no token digest)."""
        return {"site": self.site, **self.settings}

    def check_editor_token(self, token: str) -> bool:
        """Tell whether `token` is this site's editor token."""
        return bool(self.editor_token_sha256) and hmac.compare_digest(
            token_digest(token), self.editor_token_sha256)

    def moods_for(self, lang: str) -> list[dict[str, str]]:
        """Return the configured moods with their label in `lang` (else zh-CN, else the key)."""
        return [{"key": m["key"], "label": label_for(m, lang), "emoji": m.get("emoji", "")}
                for m in self.moods]

    def channels_for(self, lang: str) -> list[dict[str, str]]:
        """Return the configured share channels with their label in `lang` (same fallbacks)."""
        return [{"key": c["key"], "label": label_for(c, lang)} for c in self.share_channels]


def label_for(item: dict[str, Any], lang: str) -> str:
    """Return an item's label in `lang` (else zh-CN, else any label, else its key)."""
    labels = item.get("labels") or {}
    return labels.get(lang) or labels.get(DEFAULT_LANGUAGE) or next(iter(labels.values()), item["key"])


def encode_fields(settings: dict[str, Any]) -> dict[str, str]:
    """Return settings as the stored hash's string fields."""
    return {name: json.dumps(value, ensure_ascii=False) for name, value in settings.items()}


class SiteDirectory:
    """Find sites by id through a per-process cache kept exact by pub/sub.

    Every lookup first drains the settings-changed subscription without blocking (a poll on
    a socket, no round trip). The PATCH publishes, then waits one more round trip (a PING
    barrier: Redis has by then written the message to every subscriber's socket) before it
    answers its editor, so any request that starts after a PATCH's response sees the change. Without a confirmed subscription (start-up, outage) the cache
    is bypassed; as a safety net it is also emptied every CACHE_MAX_AGE seconds.
    """

    CACHE_MAX_AGE = 60.0
    RESUBSCRIBE_EVERY = 1.0

    def __init__(self, store, cache: bool = True) -> None:
        self.store = store
        self._cache_enabled = cache
        self._cache: dict[str, Site] = {}
        self._lock = threading.RLock()
        self._pid: int | None = None
        self._feed = None
        self._live = False
        self._next_attempt = 0.0
        self._cleared_at = 0.0

    # -- public ---------------------------------------------------------------------------
    def create(self, site: str, settings: dict[str, Any]) -> tuple[Site, str]:
        """Create a site with `settings` over the defaults; return it and its editor token."""
        token = new_editor_token()
        merged = {**DEFAULTS, **NEW_SITE_SETTINGS, **settings}
        fields = encode_fields(merged)
        fields["editor_token_sha256"] = token_digest(token)
        fields["created_at"] = str(int(time.time()))
        if not self.store.create_site(site, fields):
            raise SiteExists(details={"site": site})
        return Site.from_fields(site, fields), token

    def get(self, site: str) -> Site:
        """Return the site's settings; SiteNotFound if there is no such site."""
        if self._cache_enabled:
            with self._lock:
                if self._sync():
                    cached = self._cache.get(site)
                    if cached is not None:
                        return cached
                    found = self._load(site)
                    self._cache[site] = found
                    return found
        return self._load(site)

    def rotate_editor_token(self, site: str) -> str:
        """Give the site a new editor token; the old one is refused from the answer on (the
        change is announced to every worker before this returns, like a PATCH)."""
        token = new_editor_token()
        if self.store.update_site(site, {"editor_token_sha256": token_digest(token)}) is None:
            raise SiteNotFound(details={"site": site})
        with self._lock:
            self._cache.pop(site, None)
        return token

    def update(self, site: str, changes: dict[str, Any]) -> Site:
        """Merge `changes` into a site's settings; return the site after."""
        fields = self.store.update_site(site, encode_fields(changes))
        if fields is None:
            raise SiteNotFound(details={"site": site})
        with self._lock:
            self._cache.pop(site, None)
        return Site.from_fields(site, fields)

    def list(self) -> list[dict[str, str]]:
        """Return every site's id and time zone, by id (operators; reads each site's settings)."""
        out = []
        for site_id in self.store.site_ids():
            try:
                site = self.get(site_id)
            except SiteNotFound:  # listed but gone: nothing to show
                continue
            out.append({"site": site_id, "timezone": site.settings["timezone"]})
        return out

    def close(self) -> None:
        """Stop listening for settings changes and drop the cache."""
        with self._lock:
            self._drop_subscription()

    # -- cache ----------------------------------------------------------------------------
    def _load(self, site: str) -> Site:
        fields = self.store.site_fields(site)
        if fields is None:
            raise SiteNotFound(details={"site": site})
        return Site.from_fields(site, fields)

    def _sync(self) -> bool:
        """Apply pending invalidations; True if the cache may be trusted right now."""
        now = time.monotonic()
        if self._pid != os.getpid():  # first use here, or a forked child: start afresh
            self._pid = os.getpid()
            self._feed = None
            self._live = False
            self._cache.clear()
        if now - self._cleared_at > self.CACHE_MAX_AGE:
            self._cache.clear()
            self._cleared_at = now
        if self._feed is None:
            if now < self._next_attempt:
                return False
            self._next_attempt = now + self.RESUBSCRIBE_EVERY
            try:
                self._feed = self.store.settings_feed()
            except Exception as exc:  # noqa: BLE001 - any failure just means "no cache"
                log.warning("settings cache off: cannot subscribe (%s)", exc)
                self._drop_subscription()
                return False
        try:
            for change in self._feed.changes():
                if change.site is None:     # (re)subscribed: whatever was cached may be stale
                    self._cache.clear()
                    self._live = True
                else:
                    self._cache.pop(change.site, None)
        except Exception as exc:  # noqa: BLE001
            log.warning("settings cache off until pub/sub returns (%s)", exc)
            self._drop_subscription()
            return False
        return self._live

    def _drop_subscription(self) -> None:
        self._live = False
        self._cache.clear()
        if self._feed is not None:
            try:
                self._feed.close()
            except Exception:  # noqa: BLE001
                pass
        self._feed = None
