"""Every Redis key name xinqing uses, and how long each lives. Nothing else formats keys.

Hash-tag units (what must live in one Redis Cluster slot):

* an **article**: `{<site>:<article>}` — its vote records, numbers, dedupe sets and HLL,
  so each reaction/share/view write is one Lua script on one slot. Site ids cannot contain
  `:`, so the tag is unambiguous even though article ids may.
* a **site**: `{<site>}` — its settings hash.
* a **ranking scope**: `{<site>/}` for the whole site, `{<site>/<channel>}` for one channel —
  every metric and window of the scope, so a ranking write, read or roll is one script
  (docs/rankings.md says why the scope, not the metric, is the unit).

Comments live in their article's tag (records, state, listings, votes, dedupe), so every
comment write is one Lua script on one slot and keeps the numbers hash's `c` exact. Only the
editors' per-site indexes (moderation queue by status, bans) live in the site's tag
`{<site>}`; they are indexes over the article data, written after it (see
service/store/comments.py for how a stale index entry is repaired on read).
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

# Comments: a per-article sequence numbers them (up to the domain's COMMENT_SEQ_MAX, 2**26 - 1);
# replies sit in one sorted set per article scored parent * REPLY_SPAN + seq, so a parent's
# replies are one score range (exact in a double while seq < REPLY_SPAN).
REPLY_SPAN = 2 ** 26
COMMENT_MEMBER_WIDTH = 10            # sorted-set members are zero-padded: lex order = numeric
MODERATION_INDEX_CAP = 10_000        # newest entries kept in the published/rejected/spam indexes
IDEMPOTENCY_TTL = 24 * 3600        # seconds a comment post's Idempotency-Key is remembered
READY_PROBE_TTL_MS = 10_000          # /readyz's write probe expires by itself
MODERATION_HISTORY_CAP = 10_000      # newest decisions kept per site (the stream is trimmed to
                                     # about this many: XADD MAXLEN ~, at least this many kept)

# Legacy counts (migrated from another system, owned by no reader) live in the activity hash
# as "~<code>|<hour>" -> count, <code> being "m:<mood>" or "v" (docs/data.md).
LEGACY_FIELD = "~"


class Keys:
    """Format key names under one prefix (XINQING_KEY_PREFIX)."""

    def __init__(self, prefix: str = "xq") -> None:
        self.prefix = prefix

    # -- global ---------------------------------------------------------------------------
    def sites(self) -> str:
        """Set of every site id (for listing, rebuilds); not used by request paths."""
        return f"{self.prefix}:sites"

    def write_probe(self) -> str:
        """String `/readyz` writes (with a short TTL) to learn whether Redis takes writes."""
        return f"{self.prefix}:readyz"

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
        """Return the hash tag every per-article key shares."""
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

    # -- comments (article tag) -----------------------------------------------------------
    def comment_seq(self, site: str, article: str) -> str:
        """String counter: the last comment number given out on the article."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cq"

    def comment_version(self, site: str, article: str) -> str:
        """String counter bumped by every comment write: labels cached renderings of listings."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cw"

    def comment_content(self, site: str, article: str) -> str:
        """Hash seq -> immutable JSON of a comment (body, author name, created time, hold reason)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:co"

    def comment_state(self, site: str, article: str) -> str:
        """Hash seq -> "status|up|down|replies|featured|created s|parent seq|reader id"."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cs"

    def comments_by_seq(self, site: str, article: str) -> str:
        """Sorted set of visible top-level comments (published, or placeholders), score seq."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cn"

    def comments_by_hot(self, site: str, article: str) -> str:
        """Sorted set of the same members as comments_by_seq, score = hot score."""
        return f"{self.prefix}:{self.article_tag(site, article)}:ch"

    def comment_replies(self, site: str, article: str) -> str:
        """Sorted set of published replies, score parent seq * REPLY_SPAN + seq."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cr"

    def comment_votes(self, site: str, article: str) -> str:
        """Hash "<seq>:<reader id>" -> "up" | "down": the standing 顶/踩 of each reader."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cv"

    def comment_dedupe(self, site: str, article: str) -> str:
        """Sorted set "<reader>|<parent>|<body digest>" -> posted at (unix ms); expires itself."""
        return f"{self.prefix}:{self.article_tag(site, article)}:cd"

    def comment_idempotency(self, site: str, article: str, reader: str, key_digest: str) -> str:
        """String "<fingerprint>|<seq>|<status>|<parent>|<created s>": what one reader's
        `Idempotency-Key` (by digest) first created on the article; expires after a day."""
        return f"{self.prefix}:{self.article_tag(site, article)}:ci:{reader}:{key_digest}"

    # -- comments (site tag) --------------------------------------------------------------
    def moderation_index(self, site: str, status: str) -> str:
        """Sorted set of comment ids in `status` (pending, published, rejected, spam) -> ms."""
        return f"{self.prefix}:{{{site}}}:mq:{status}"

    def bans(self, site: str) -> str:
        """Hash author ref -> JSON {reason, until, created_at, network?}: readers banned from
        commenting; and network ref -> JSON {…, ref: the author ref}: the client networks
        banned with them."""
        return f"{self.prefix}:{{{site}}}:bans"

    def moderation_history(self, site: str) -> str:
        """Stream of the site's moderation decisions (who, when, what; never comment text),
        capped at about MODERATION_HISTORY_CAP entries. In the site's tag, so a ban and its
        history entry are one MULTI (service/store/history.py)."""
        return f"{self.prefix}:{{{site}}}:mh"

    # -- rankings (service/store/rankings.py; design in docs/rankings.md) ---------------------
    def activity(self, site: str, article: str) -> str:
        """Hash of the article's counted activity per clock hour: "s<hour>", "v<hour>",
        "c<hour>" -> count (shares, views, published comments). With the vote records it is
        what `xinqing rankings rebuild` and the timeline recompute from."""
        return f"{self.prefix}:{self.article_tag(site, article)}:t"

    def rank_outbox(self, site: str, article: str) -> str:
        """Hash of the article's ranking ops its own write could not fold into a scope (another
        slot on Redis Cluster, a missed channel guess): "n" -> last sequence number, "s<seq>"
        -> ops the site scope owes, "c<seq>" -> "<channel>|ops" a channel scope owes; an entry
        is deleted once its scope has folded it (service/store/lua/rank_write.lua). On one
        node the key goes when empty; on Cluster "n" stays (the seen marks compare to it)."""
        return f"{self.prefix}:{self.article_tag(site, article)}:ob"

    # -- readers (service/store/portability.py; docs/data.md) ---------------------------------
    def reader_index(self, site: str, reader: str) -> str:
        """Hash article -> "1": the articles a reader voted on, commented on or voted a comment
        of (what erasure visits). In the reader's own tag `{<site>@<reader>}`: '@' is in
        neither site nor article ids, and the `rd:` prefix keeps it out of article scans."""
        return f"{self.prefix}:rd:{{{site}@{reader}}}"

    @staticmethod
    def scope_tag(site: str, channel: str | None) -> str:
        """Hash tag of one ranking scope: the whole site `{site/}` or one channel `{site/ch}`.

        Every ranking structure of a scope (all metrics and windows) lives in one slot, so a
        write, a read and the hourly roll of a scope are each one script. Site ids cannot
        contain '/', so the tag is unambiguous."""
        return f"{{{site}/{channel or ''}}}"

    def rank_state(self, site: str, channel: str | None) -> str:
        """Hash of a scope's roll state: "R" (hour rolled to), "E" (hot epoch hour), "A" (the
        last second a write claimed the apply of the pending deltas), and all-time totals
        "all|<code>" (stats)."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:st"

    def rank_hour_index(self, site: str, channel: str | None) -> str:
        """Sorted set: member "<hour>|<code>|<article>", score = hour. Finds what leaves a
        window when the scope rolls; entries live until the 30d window lets them go."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:hx"

    def rank_hour_counts(self, site: str, channel: str | None) -> str:
        """Hash: "<hour>|<code>|<article>" -> count cast/counted in that hour (same members
        as rank_hour_index)."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:hc"

    def rank_pending(self, site: str, channel: str | None) -> str:
        """Hash: "<hour>|<code>|<article>" -> delta written with an event and not yet applied
        to the hour counts and windows (applied at most about once a second, and before any
        read of the scope; docs/rankings.md)."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:pd"

    def rank_seen(self, site: str, channel: str | None) -> str:
        """Hash: article -> the highest rank_outbox sequence number of the article this scope
        has folded (rank_pend.lua skips what it already has, so an entry counts once)."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:sq"

    def rank_window(self, site: str, channel: str | None, metric: str, window: str) -> str:
        """Sorted set article -> score of `metric` over `window` in the scope."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:w:{metric}:{window}"

    def feed_snapshot(self, site: str, channel: str | None, start: int) -> str:
        """List of article ids: the scope's `hot` order as the feed (推荐阅读) snapshot made
        for the slot starting at unix second `start` showed it (service/store/reading.py).
        Lives in the scope's tag (copied there from its sorted set by one script) and
        expires by itself; its name is what a feed cursor points at."""
        return f"{self.prefix}:rk:{self.scope_tag(site, channel)}:fs:{start}"

    def rank_pattern(self, site: str) -> str:
        """SCAN pattern of every ranking key of a site (rebuild)."""
        return f"{self.prefix}:rk:{{{site}/*"

    def article_pattern(self, site: str) -> str:
        """SCAN pattern of every per-article key of a site (rebuild)."""
        return f"{self.prefix}:{{{site}:*"

    def article_of(self, site: str, key: str) -> tuple[str, str] | None:
        """(article, suffix) of a per-article key of `site` (as SCAN found it), else None."""
        head = f"{self.prefix}:{{{site}:"
        if not key.startswith(head):
            return None
        rest = key[len(head):]
        end = rest.rfind("}:")
        if end <= 0:
            return None
        return rest[:end], rest[end + 2:]

    def reader_pattern(self, site: str) -> str:
        """SCAN pattern of every reader index of a site."""
        return f"{self.prefix}:rd:{{{site}@*"
