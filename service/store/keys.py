"""Every Redis key name xinqing uses, and how long each lives. Nothing else formats keys.

Hash-tag units (what must live in one Redis Cluster slot):

* an **article**: `{<site>:<article>}` — its vote records, numbers, dedupe sets and HLL,
  so each reaction/share/view write is one Lua script on one slot. Site ids cannot contain
  `:`, so the tag is unambiguous even though article ids may.
* a **site**: `{<site>}` — its settings hash.

Rankings (a later issue) tag by site and metric, `{<site>/<metric>}`.
"""

from __future__ import annotations

# Dedupe windows (the counting rules of shares and views; documented in the README).
SHARE_DEDUPE_SECONDS = 3600          # one share per reader, article and channel per clock hour
SHARE_DEDUPE_TTL = SHARE_DEDUPE_SECONDS + 300
VIEW_DEDUPE_SECONDS = 600            # one page view per visitor and article per 10-minute slot
VIEW_DEDUPE_TTL = VIEW_DEDUPE_SECONDS + 120

# Fields of the per-article numbers hash.
REACTION_FIELD = "r:"      # + mood key
SHARE_FIELD = "s:"         # + channel key
PV_FIELD = "pv"
UV_FIELD = "uv"
COMMENTS_FIELD = "c"


class Keys:
    """Format key names under one prefix (XINQING_KEY_PREFIX)."""

    def __init__(self, prefix: str = "xq") -> None:
        self.prefix = prefix

    # -- global ---------------------------------------------------------------------------
    def sites(self) -> str:
        """Set of every site id (for listing, rebuilds); not used by request paths."""
        return f"{self.prefix}:sites"

    def settings_channel(self) -> str:
        """Pub/sub channel announcing that a site's settings changed (cache invalidation)."""
        return f"{self.prefix}:settings-changed"

    # -- site -----------------------------------------------------------------------------
    def site(self, site: str) -> str:
        """Hash of one site's settings: field -> JSON value."""
        return f"{self.prefix}:site:{{{site}}}"

    # -- article --------------------------------------------------------------------------
    @staticmethod
    def article_tag(site: str, article: str) -> str:
        return f"{{{site}:{article}}}"

    def votes(self, site: str, article: str) -> str:
        """Hash reader id -> "<mood>|<cast unix seconds>": the standing vote of each reader."""
        return f"{self.prefix}:{self.article_tag(site, article)}:rv"

    def numbers(self, site: str, article: str) -> str:
        """Hash of the article's counters: r:<mood>, s:<channel>, pv, uv, c."""
        return f"{self.prefix}:{self.article_tag(site, article)}:n"

    def share_dedupe(self, site: str, article: str, hour: int) -> str:
        """Set of "<reader>|<channel>" that shared in clock hour `hour` (unix seconds // 3600)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:sd:{hour}"

    def view_dedupe(self, site: str, article: str, slot: int) -> str:
        """Set of visitor ids that viewed in slot `slot` (unix seconds // VIEW_DEDUPE_SECONDS)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:vd:{slot}"

    def visitors(self, site: str, article: str) -> str:
        """HyperLogLog of the article's visitors (unique-visitor estimate)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:uv"

    def meta(self, site: str, article: str) -> str:
        """Hash of the article's CMS metadata (title, url, channel, published_at)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:m"
