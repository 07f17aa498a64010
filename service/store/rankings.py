"""Ranking storage: the per-scope structures of docs/rankings.md and the writes that feed them.

The rules are the domain's table (service/domain/ranking_rules.py), rendered as a constants
prelude in front of `lua/rank_write.lua` (folding an event) and `lua/rank_lib.lua` (applying,
rolling), composed in front of each entry script. This module decides round trips:

* single node / Sentinel: a reaction, share, view or comment write is ONE script that writes
  the article's records and folds its deltas into the pending hash of each ranking scope
  (legal on one node), claiming the scope's apply if none was claimed this second; the
  claiming call then runs `rank_settle` (a second round trip, about once a second per scope);
* Redis Cluster (`RedisCluster` client): the article script runs alone (its slot) and leaves
  the ops in the article's outbox (same slot, same script as the records); `rank_pend` folds
  them into each scope (each scope is one slot), at most once per entry, and the entries are
  then deleted. A crash or a failover in between leaves them in the outbox: the article's next
  write carries them, a worker retries those it saw fail, and `xinqing rankings sweep` folds
  the rest; none is lost or counted twice (service/store/lua/rank_write.lua).

Every read applies a scope's pending deltas first, so what it answers is exact.

The channel scope's keys must be passed before the script has read the article's channel, so
each worker remembers the channel it last saw per article; a wrong or missing guess puts the
channel's ops in the outbox (one more round trip, as on Cluster), never a wrong count.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple, Sequence

from ..domain import ranking_rules as rules
from ..errors import after_commit
from . import VoteChange, guarded, pairs, run_touching
from .connection import forgive_replicas_behind, replicas_behind
from .keys import (LEGACY_FIELD, SHARE_DEDUPE_SECONDS, SHARE_DEDUPE_TTL, VIEW_DEDUPE_SECONDS,
                   VIEW_DEDUPE_TTL, Keys)
from .luagen import lua_prelude

ENTRY_SCRIPTS = ("vote_ranked", "share_ranked", "view_ranked", "comment_ranked", "rank_pend",
                 "rank_settle", "rank_apply", "rank_read", "rank_hour_totals")
PLAIN_SCRIPTS = ("article_meta", "takedown", "rank_records", "rank_outbox")
_CHANNEL_CACHE_MAX = 100_000
_OWED_MAX = 10_000     # articles a worker remembers to retry (the sweep finds the rest)
_RETRY_BATCH = 100     # outboxes a write retries at most
log = logging.getLogger("xinqing.rankings")


class Op(NamedTuple):
    """Base activity the rankings follow: `delta` of `code` in clock hour `hour`."""

    code: str
    hour: int
    delta: int


class Cast(NamedTuple):
    """One standing vote of an article's records: its mood and cast time (unix seconds)."""

    mood: str
    cast_at: int


class HourCount(NamedTuple):
    """One field of an article's activity records: `count` of `code` in clock hour `hour`;
    `legacy`: migrated from another system, owned by no reader (docs/data.md)."""

    code: str
    hour: int
    count: int
    legacy: bool = False


@dataclass(frozen=True)
class ArticleRecords:
    """What an article's records hold for the rankings: its standing votes and its counted
    activity per hour (decoded from the `rv` and `t` hashes)."""

    votes: tuple[Cast, ...] = ()
    activity: tuple[HourCount, ...] = ()


def decode_records(votes: dict[str, str], activity: dict[str, str]) -> ArticleRecords:
    """ArticleRecords from the raw hashes: `rv` reader -> "<mood>|<cast unix seconds>",
    `t` "<code><hour>" -> count, or a legacy "~<code>|<hour>" -> count."""
    casts = []
    for record in votes.values():
        mood, _, cast = record.partition("|")
        casts.append(Cast(mood, int(cast)))
    counts = []
    for field, count in activity.items():
        if field[0] == LEGACY_FIELD:
            code, _, hour = field[1:].rpartition("|")
            counts.append(HourCount(code, int(hour), int(count), True))
        else:
            counts.append(HourCount(field[0], int(field[1:]), int(count)))
    return ArticleRecords(tuple(casts), tuple(counts))


# Scripts every event runs: composed without rank_lib.lua (what applies and rolls), since a
# script's whole body, library functions included, runs on every call.
WRITE_SCRIPTS = frozenset({"vote_ranked", "share_ranked", "view_ranked", "comment_ranked",
                           "rank_pend"})


def compose(load, entry: str) -> str:
    """One script: the constants prelude (from the domain's rule table: those the script
    names, as the whole body runs on every call), the library it needs (rank_write.lua for
    a write; rank_lib.lua + rank_write.lua otherwise), and the entry."""
    libs = ["rank_write"] if entry in WRITE_SCRIPTS else ["rank_lib", "rank_write"]
    body = "".join([*(load(lib) + "\n" for lib in libs), load(entry)])
    used = {name: value for name, value in rules.lua_constants().items()
            if re.search(rf"\b{name}\b", body)}
    return "".join([
        f"-- composed by service/store/rankings.py: constants + "
        f"{' + '.join(f'{lib}.lua' for lib in libs)} + {entry}.lua\n",
        lua_prelude(used, "service/domain/ranking_rules.py"),
        body,
    ])


def flat_ops(ops: Iterable[Op]) -> list:
    out: list = []
    for code, hour, delta in ops:
        out += [code, int(hour), int(delta)]
    return out


def unflat_ops(flat: Sequence) -> list[Op]:
    return [Op(flat[i], int(flat[i + 1]), int(flat[i + 2])) for i in range(0, len(flat), 3)]


class OutboxEntry(NamedTuple):
    """One entry of an article's ranking outbox (rank_write.lua): its sequence number, its
    hash field, and its ops as stored ("<code> <hour> <delta> ...")."""

    seq: int
    field: str
    ops: str


def parse_outbox(raw: Sequence | dict) -> dict[str | None, list[OutboxEntry]]:
    """An outbox (HGETALL, as a script's flat list or a dict) as scope -> its entries in
    ascending order; the scope is None for the site, else the channel."""
    owed: dict[str | None, list[OutboxEntry]] = {}
    for field, value in (raw.items() if isinstance(raw, dict) else _pairs(raw).items()):
        kind = field[:1]
        if kind == "s":
            owed.setdefault(None, []).append(OutboxEntry(int(field[1:]), field, value))
        elif kind == "c":
            channel, _, ops = value.partition("|")
            owed.setdefault(channel, []).append(OutboxEntry(int(field[1:]), field, ops))
    for entries in owed.values():
        entries.sort()
    return owed


@dataclass(frozen=True)
class RankedWrite:
    """What an article write did to the rankings' inputs."""

    reply: list            # the entry script's own part of the reply
    channel: str           # the article's channel ("" none)
    down: bool             # taken down (or held until its meta is synced): rankings ignore it
    ops: list[Op]          # base activity the rankings followed (or must follow)


@dataclass(frozen=True)
class MetaChange:
    """What replacing an article's meta did: its channel before and after, whether it is
    down, and — when the rankings must move it (a live article's channel changed) or rank it
    for the first time (`released`: its activity was held until its meta came) — its
    records as of that instant (else empty)."""

    old_channel: str
    new_channel: str
    down: bool
    records: ArticleRecords
    released: bool


@dataclass(frozen=True)
class Takedown:
    """What taking an article down did: `fresh` (it was not down before), its channel, and
    the records the rankings must subtract (empty when it was held out of them)."""

    fresh: bool
    channel: str
    records: ArticleRecords


class RankingStore:
    """Redis access for rankings; one client, scripts registered once."""

    def __init__(self, client, keys: Keys, load,
                 later: Callable[[Callable[[], None]], None] | None = None) -> None:
        """`later` runs a step after the current request has been answered (the web app's
        service.api.context.after_response); without it the step runs at once."""
        self.client = client
        self.later = later or (lambda step: step())
        self.keys = keys
        self.cluster = _is_cluster(client)
        self.scripts = {name: client.register_script(compose(load, name))
                        for name in ENTRY_SCRIPTS}
        for name in PLAIN_SCRIPTS:
            self.scripts[name] = client.register_script(load(name))
        self._scope_keys: dict[tuple, list[str]] = {}
        self._channels: dict[tuple[str, str], str] = {}
        self._owed: set[tuple[str, str]] = set()   # (site, article) whose outbox folding failed
        self._retry_at = 0
        self._retry_backoff = 1

    # -- keys -----------------------------------------------------------------------------
    def scope_keys(self, site: str, channel: str | None, moods: Sequence[str]) -> list[str]:
        """Every key of one ranking scope, in rank_lib.lua's order (cached)."""
        cache_key = (site, channel or "", tuple(moods))
        keys = self._scope_keys.get(cache_key)
        if keys is None:
            k = self.keys
            keys = [k.rank_state(site, channel), k.rank_hour_index(site, channel),
                    k.rank_hour_counts(site, channel), k.rank_pending(site, channel)]
            for metric in [rules.mood_code(m) for m in moods] + list(rules.METRICS):
                keys += [k.rank_window(site, channel, metric, w) for w in rules.WINDOW_NAMES]
            if len(self._scope_keys) > 10_000:
                self._scope_keys.clear()
            self._scope_keys[cache_key] = keys
        return keys

    def pend_keys(self, site: str, channel: str | None) -> list[str]:
        """The keys a write touches in one scope: its state and its pending deltas."""
        return [self.keys.rank_state(site, channel), self.keys.rank_pending(site, channel)]

    def _ranking_block(self, site: str, article: str,
                       require_meta: bool) -> tuple[list[str], list]:
        """KEYS and ARGV tail of rk_after_article for this write (no scope on Cluster)."""
        required = "1" if require_meta else "0"
        if self.cluster:
            return [], [0, "", article, required]
        guess = self._channels.get((site, article), "")
        keys = self.pend_keys(site, None)
        if guess:
            keys = keys + self.pend_keys(site, guess)
        return keys, [2 if guess else 1, guess, article, required]

    def _follow(self, site: str, article: str, moods: Sequence[str], hl: float, now: int,
                reply: list, tail: int) -> RankedWrite:
        """Finish a ranked write: fold what the script left in the article's outbox; apply
        the pending deltas of each scope whose apply this write claimed; remember the
        channel."""
        channel, down, folded, site_claimed, channel_claimed, outbox, flat = \
            reply[tail:tail + 7]
        ops = unflat_ops(flat)
        down = bool(down)  # taken down (1) or held until its meta is synced (2)
        if len(self._channels) > _CHANNEL_CACHE_MAX:
            self._channels.clear()
        self._channels[(site, article)] = channel
        # The article's write has committed: what it left in the outbox is folded here; a
        # failure is logged and retried, never answered (the entries wait in the outbox).
        # Unless too few replicas acknowledged the write: a failover could still take it
        # along, and a fold of it (in another slot, on Cluster) would outlive it. The 503
        # makes the client retry, and the retry's write folds what waits.
        article_behind = replicas_behind()
        owed = {} if article_behind else parse_outbox(outbox)
        claims, failed = self._drain(site, article, owed, now)
        site_claimed = site_claimed or claims.get(None, False)
        channel_claimed = channel_claimed or claims.get(channel, False)
        if self._owed and not failed and now >= self._retry_at:
            # after the answer; not while this write's own folds fail (that scope is away)
            self._retry_at = now + 60   # queued (the retry sets the next time)
            self.later(lambda: self._retry_owed(now))
        # Applying is never owed to this write: its deltas are in Redis already, and the
        # next claim (a write in a later second) or any read applies them.
        if site_claimed:
            after_commit(log, f"applying {site}'s pending ranking deltas failed; the "
                         "next write or read applies them", self.settle, site, None, moods,
                         hl, now)
        if channel and channel_claimed:
            after_commit(log, f"applying {site}/{channel}'s pending ranking deltas "
                         "failed; the next write or read applies them", self.settle, site,
                         channel, moods, hl, now)
        if not article_behind:
            # An apply lost in a failover takes its pending deltas' removal with it (one
            # script, one slot): the scope stays consistent, so its shortfall is no 503.
            forgive_replicas_behind()
        return RankedWrite(reply[:tail], channel, down, ops)

    def _drain(self, site: str, article: str, owed: dict[str | None, list[OutboxEntry]],
               now: int) -> tuple[dict[str | None, bool], bool]:
        """Fold outbox entries into their scopes (`owed`: channel or None for the site ->
        entries), then delete those folded from the outbox. Failures are logged and the
        article remembered for a retry. Returns (scope -> whether this call claimed its
        apply, whether a step failed)."""
        claims: dict[str | None, bool] = {}
        done: list[str] = []
        failed = False
        for channel, entries in owed.items():
            scope = f"{site}/{channel}" if channel else site
            result: list = []
            folded = after_commit(
                log, f"folding {len(entries)} ranking write(s) of {site}/{article} into {scope} "
                "failed; they wait in the article's outbox for the next write, a retry or "
                "`xinqing rankings sweep`",
                lambda: result.append(self.pend(site, channel, article, entries, now)))
            # (only reached once the article's write was acknowledged: see _follow)
            if folded and not forgive_replicas_behind():
                claims[channel] = result[0]
                if self.cluster:
                    done += [entry.field for entry in entries]
            else:
                # failed, or folded but too few of the scope's replicas have it: not the
                # vote's failure (the vote is safe), so no 503; the entries stay until a
                # fold is acknowledged, and the seen mark skips them if this one survives
                self._owe(site, article, now)
                failed = True
        if done:
            if not after_commit(
                    log, f"clearing {len(done)} folded outbox entries of {site}/{article} "
                    "failed; they are skipped when seen again", self.client.hdel,
                    self.keys.rank_outbox(site, article), *done):
                self._owe(site, article, now)
                failed = True
            forgive_replicas_behind()  # a clearing lost in a failover is skipped when seen again
        return claims, failed

    def _owe(self, site: str, article: str, now: int) -> None:
        """Remember an article whose outbox this worker failed to fold: retried a second
        later at the earliest (the next write after that)."""
        if not self._owed:
            self._retry_at = now + 1
        if len(self._owed) < _OWED_MAX:
            self._owed.add((site, article))

    def _retry_owed(self, now: int) -> None:
        """Fold the outboxes of articles whose folding failed in this worker (a failover, a
        lost connection), _RETRY_BATCH articles per try, never raising. After a failure the
        rest wait for the next try, 1, 2, 4 … up to 60 seconds later."""
        self._retry_at = now + 1
        batch = [self._owed.pop() for _ in range(min(_RETRY_BATCH, len(self._owed)))]
        for i, (site, article) in enumerate(batch):
            try:
                entries = self._read_outbox(site, article)
                failed = self._drain(site, article, entries, now)[1]
            except Exception:  # noqa: BLE001 - still unreachable: try again later
                log.warning("the ranking outbox of %s/%s is still unreachable", site, article)
                failed = True
            if failed:
                for owed in batch[i:]:
                    self._owe(*owed, now)
                self._retry_backoff = min(60, self._retry_backoff * 2)
                self._retry_at = now + self._retry_backoff
                return
        self._retry_backoff = 1

    def sweep(self, site: str, now: int) -> tuple[int, int, int]:
        """Fold every outbox entry of the site's articles (what no later write carried: after a
        worker crash or a failover); (articles swept, entries found, articles whose folding
        failed and wait for the next try)."""
        pattern = self.keys.rank_outbox(site, "*")   # site ids hold no glob characters
        prefix, suffix = pattern.split("*")
        articles = entries = failed = 0
        for key in self._scan(pattern):
            article = key[len(prefix):-len(suffix)]
            try:
                owed = self._read_outbox(site, article)
            except Exception:  # noqa: BLE001 - counted; the next sweep tries again
                log.warning("reading the ranking outbox of %s/%s failed", site, article,
                            exc_info=True)
                failed += 1
                continue
            if not owed:
                continue
            articles += 1
            entries += sum(len(e) for e in owed.values())
            failed += self._drain(site, article, owed, now)[1]
        return articles, entries, failed

    def _read_outbox(self, site: str, article: str) -> dict[str | None, list[OutboxEntry]]:
        """An article's outbox read for a fold no write carries: through rank_outbox.lua on
        Cluster, so that (with WAIT) only replicated entries are folded; one node folds
        them in the script that reads them anyway (rank_pend.lua)."""
        key = self.keys.rank_outbox(site, article)
        if self.cluster:
            return parse_outbox(self.scripts["rank_outbox"](keys=[key]))
        return parse_outbox(self.client.hgetall(key))

    # -- writes ---------------------------------------------------------------------------
    @guarded
    def vote(self, site: str, article: str, reader: str, mood: str | None, now: int,
             moods: Sequence[str], hl: float,
             require_meta: bool = False) -> VoteChange:
        """Hold `mood` for the reader on the article (None retracts) and follow it in the
        rankings; what changed. Holding the mood already held changes nothing."""
        k = self.keys
        rkeys, rargs = self._ranking_block(site, article, require_meta)
        # A vote (not a retraction) is indexed under its reader, for erasure.
        touch = (k.reader_index(site, reader), article) if mood else None
        reply = run_touching(
            self.client, self.scripts["vote_ranked"],
            [k.votes(site, article), k.numbers(site, article), k.meta(site, article),
             k.rank_outbox(site, article), *rkeys],
            [reader, mood or "", now, *rargs], touch, self.cluster)
        numbers, changed, old, old_ts = self._follow(site, article, moods, hl, now, reply, 4).reply
        return VoteChange(pairs(numbers), bool(changed), old or None,
                          int(old_ts) if old_ts else None)

    @guarded
    def share(self, site: str, article: str, channel: str, reader: str | None, now: int,
              moods: Sequence[str], hl: float,
              require_meta: bool = False) -> tuple[dict[str, str], bool]:
        """Count a share unless this reader (or network) shared on this channel this clock
        hour, and follow it in the rankings; (the article's numbers, counted)."""
        k = self.keys
        hour = now // SHARE_DEDUPE_SECONDS
        rkeys, rargs = self._ranking_block(site, article, require_meta)
        reply = self.scripts["share_ranked"](
            keys=[k.numbers(site, article), k.share_dedupe(site, article, hour),
                  k.activity(site, article), k.meta(site, article), k.rank_outbox(site, article),
                  *rkeys],
            args=[channel, f"{reader}|{channel}" if reader else "", SHARE_DEDUPE_TTL, now,
                  *rargs])
        numbers, counted = self._follow(site, article, moods, hl, now, reply, 2).reply
        return pairs(numbers), bool(counted)

    @guarded
    def view(self, site: str, article: str, visitor: str, now: int, moods: Sequence[str],
             hl: float,
             require_meta: bool = False) -> tuple[int, int, bool]:
        """Count a page view unless this visitor viewed in the current slot, and follow it
        in the rankings; (pv, uv, counted)."""
        k = self.keys
        slot = now // VIEW_DEDUPE_SECONDS
        rkeys, rargs = self._ranking_block(site, article, require_meta)
        reply = self.scripts["view_ranked"](
            keys=[k.numbers(site, article), k.visitors(site, article),
                  k.view_dedupe(site, article, slot), k.activity(site, article),
                  k.meta(site, article), k.rank_outbox(site, article), *rkeys],
            args=[visitor, VIEW_DEDUPE_TTL, now, *rargs])
        pv, uv, counted = self._follow(site, article, moods, hl, now, reply, 3).reply
        return int(pv), int(uv), bool(counted)

    @guarded
    def comment(self, site: str, article: str, hour: int, delta: int, now: int,
                moods: Sequence[str], hl: float,
                require_meta: bool = False) -> None:
        """Add `delta` to the article's published comments created in clock hour `hour`, and
        follow it in the rankings."""
        k = self.keys
        rkeys, rargs = self._ranking_block(site, article, require_meta)
        reply = self.scripts["comment_ranked"](
            keys=[k.activity(site, article), k.meta(site, article), k.rank_outbox(site, article),
                  *rkeys],
            args=[hour, delta, now, *rargs])
        self._follow(site, article, moods, hl, now, reply, 1)

    @guarded
    def pend(self, site: str, channel: str | None, article: str,
             entries: Sequence["OutboxEntry"], now: int) -> bool:
        """Fold outbox entries of one article (all it holds for this scope, ascending) into
        one scope's pending deltas, each at most once; True if this call claimed the scope's
        apply (then call `settle`). On one node the same script deletes them from the
        outbox; on Cluster the caller does (`_drain`)."""
        args: list = [now, article, channel or ""]
        for entry in entries:
            args += [entry.field, entry.seq, entry.ops]
        k = self.keys
        keys = [k.rank_state(site, channel), k.rank_pending(site, channel),
                k.rank_seen(site, channel)]
        if not self.cluster:   # one script may fold and clear: exactly once without marks
            keys.append(k.rank_outbox(site, article))
        folded, claimed = self.scripts["rank_pend"](keys=keys, args=args)
        return bool(claimed)

    @guarded
    def settle(self, site: str, channel: str | None, moods: Sequence[str], hl: float,
               now: int) -> int:
        """Apply one scope's pending deltas (rolling it first); how many there were."""
        return int(self.scripts["rank_settle"](keys=self.scope_keys(site, channel, moods),
                                               args=[now, hl, len(moods), *moods]))

    @guarded
    def apply(self, site: str, channel: str | None, article: str, ops: Sequence[Op], now: int,
              moods: Sequence[str], hl: float) -> None:
        """Apply base ops of one article to one scope now (rolling it first, with whatever
        was pending)."""
        self.scripts["rank_apply"](
            keys=self.scope_keys(site, channel, moods),
            args=[now, hl, article, len(moods), *moods, len(ops), *flat_ops(ops)])

    # -- reads ----------------------------------------------------------------------------
    @guarded
    def read(self, site: str, channel: str | None, moods: Sequence[str], now: int, hl: float,
             queries: Sequence[tuple[str, str, int]]) -> tuple[int, int, dict[str, str], list]:
        """(E, R, state hash, [[(article, score)...] per query]) of one scope."""
        args: list = [now, hl, len(moods), *moods, len(queries)]
        for metric, window, limit in queries:
            args += [metric, window, limit]
        reply = self.scripts["rank_read"](keys=self.scope_keys(site, channel, moods), args=args)
        e, r, state = int(reply[0]), int(reply[1]), dict(zip(reply[2][::2], reply[2][1::2]))
        results = [[(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]
                   for flat in reply[3:]]
        return e, r, state, results

    @guarded
    def totals(self, site: str, channel: str | None, moods: Sequence[str], now: int,
               hl: float) -> dict[str, dict[str, int]]:
        """Window -> code -> total of the scope (rolled first): hour totals summed over each
        window's hours (at most 721 hours x codes fields, one HMGET), `all` from the state."""
        _, r, state, _ = self.read(site, channel, moods, now, hl, [])
        codes = rules.base_codes(moods)
        hours = range(r - rules.KEEP_HOURS, r + 1)
        fields = [f"{h}|{code}|" for h in hours for code in codes]
        values = self.client.hmget(self.keys.rank_hour_counts(site, channel), fields)
        per_hour = {f: int(v) for f, v in zip(fields, values) if v}
        out = {}
        for window in rules.WINDOWS:
            if window.hours is None:
                out[window.name] = {code: int(state.get(f"all|{code}", 0)) for code in codes}
            else:
                out[window.name] = {code: sum(per_hour.get(f"{h}|{code}|", 0)
                                              for h in range(r - window.hours, r + 1))
                                    for code in codes}
        return out

    @guarded
    def hour_totals(self, site: str, channel: str | None, hours: Sequence[int],
                    codes: Sequence[str]) -> dict[tuple[int, str], int]:
        """(hour, code) -> the scope's total in that clock hour (the `"<hour>|<code>|"` entries
        of its hour counts, kept for the last KEEP_HOURS hours, plus its pending deltas not
        yet applied to them), one script; absent hours are 0."""
        pairs = [(h, code) for h in hours for code in codes]
        if not pairs:
            return {}
        values, pending = self.scripts["rank_hour_totals"](
            keys=[self.keys.rank_hour_counts(site, channel), self.keys.rank_pending(site, channel)],
            args=[f"{h}|{code}|" for h, code in pairs])
        out = {pair: int(v) for pair, v in zip(pairs, values) if v}
        wanted = set(pairs)
        for field, delta in _pairs(pending).items():
            hour, code, _ = field.split("|", 2)
            pair = (int(hour), code)
            if pair in wanted:
                out[pair] = out.get(pair, 0) + int(delta)
        return {pair: n for pair, n in out.items() if n}

    # -- articles -------------------------------------------------------------------------
    @guarded
    def set_meta(self, site: str, article: str, fields: dict[str, str],
                 now: int) -> MetaChange:
        """Replace the meta fields; what the rankings need to follow the change."""
        k = self.keys
        flat = [x for kv in fields.items() for x in kv]
        old, new, down, votes, activity, released = self.scripts["article_meta"](
            keys=[k.meta(site, article), k.votes(site, article), k.activity(site, article)],
            args=[now, *flat])
        self._channels[(site, article)] = new
        return MetaChange(old, new, bool(down), decode_records(_pairs(votes), _pairs(activity)),
                          bool(released))

    @guarded
    def set_held(self, site: str, article: str, held: bool) -> None:
        """Mark (or unmark) an article's activity as held out of the rankings (rebuild)."""
        if held:
            self.client.hset(self.keys.meta(site, article), "hold", 1)
        else:
            self.client.hdel(self.keys.meta(site, article), "hold")

    @guarded
    def take_down(self, site: str, article: str, now: int) -> Takedown:
        """Mark the article down; whether it is newly down, its channel and its records as
        of that instant."""
        k = self.keys
        fresh, channel, votes, activity = self.scripts["takedown"](
            keys=[k.meta(site, article), k.votes(site, article), k.activity(site, article)],
            args=[now])
        return Takedown(bool(fresh), channel, decode_records(_pairs(votes), _pairs(activity)))

    @guarded
    def is_taken_down(self, site: str, article: str) -> bool:
        return bool(self.client.hexists(self.keys.meta(site, article), "down"))

    @guarded
    def metas(self, site: str, articles: Sequence[str]) -> list[tuple[dict, dict]]:
        """(numbers, meta) per article, one pipelined round trip (split per node on Cluster)."""
        pipe = self.client.pipeline(transaction=False)
        for article in articles:
            pipe.hgetall(self.keys.numbers(site, article))
            pipe.hgetall(self.keys.meta(site, article))
        replies = pipe.execute()
        return [(replies[i], replies[i + 1]) for i in range(0, len(replies), 2)]

    @guarded
    def records(self, site: str, article: str) -> tuple[ArticleRecords, dict[str, str]]:
        """(records, meta hash) of one article (timeline, rebuild)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.votes(site, article))
        pipe.hgetall(self.keys.activity(site, article))
        pipe.hgetall(self.keys.meta(site, article))
        votes, activity, meta = pipe.execute()
        return decode_records(votes, activity), meta

    @guarded
    def records_for_rebuild(self, site: str, article: str) -> tuple[ArticleRecords, dict[str, str]]:
        """(records, meta hash) of one article, and its outbox emptied in the same script:
        a rebuild replays the records, which hold whatever the outbox still owed."""
        k = self.keys
        votes, activity, meta = self.scripts["rank_records"](
            keys=[k.votes(site, article), k.activity(site, article), k.meta(site, article),
                  k.rank_outbox(site, article)])
        return decode_records(_pairs(votes), _pairs(activity)), _pairs(meta)

    # -- rebuild --------------------------------------------------------------------------
    def _scan(self, pattern: str) -> Iterable[str]:
        if self.cluster:
            return self.client.scan_iter(match=pattern, count=1000, target_nodes="primaries")
        return self.client.scan_iter(match=pattern, count=1000)

    @guarded
    def replace_comment_activity(self, site: str, article: str,
                                 per_hour: dict[int, int]) -> None:
        """Make the article's published-comment counts per creation hour `per_hour` (rebuild's
        repair), atomically; legacy counts stay."""
        key = self.keys.activity(site, article)
        code = rules.COMMENT.code
        comments = {f"{code}{hour}": str(n) for hour, n in per_hour.items() if n}
        stale = [f for f in self.client.hkeys(key) if f.startswith(code) and f not in comments]
        pipe = self.client.pipeline(transaction=True)
        if stale:
            pipe.hdel(key, *stale)
        if comments:
            pipe.hset(key, mapping=comments)
        pipe.execute()

    @guarded
    def site_articles(self, site: str) -> set[str]:
        """Every article of `site` with vote records, activity, meta or comments (SCAN)."""
        prefix = self.keys.article_pattern(site)[:-1]
        out = set()
        for key in self._scan(self.keys.article_pattern(site)):
            rest = key[len(prefix):]
            tag_end = rest.rfind("}:")
            if tag_end >= 0 and rest[tag_end + 2:] in ("rv", "t", "m", "cs"):
                out.add(rest[:tag_end])
        return out

    @guarded
    def drop_rankings(self, site: str) -> int:
        """Delete every ranking key of `site`; the number deleted."""
        n = 0
        for key in list(self._scan(self.keys.rank_pattern(site))):
            n += self.client.delete(key)
        self._channels.clear()
        return n


def _pairs(flat: Sequence) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2]))


def _is_cluster(client) -> bool:
    try:
        from redis.cluster import RedisCluster
    except ImportError:  # pragma: no cover
        return False
    return isinstance(client, RedisCluster)
