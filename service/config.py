"""Read and check every XINQING_* setting in one place.

Each setting is declared once in SETTINGS with its default, its parser and the sentence the
README's settings table repeats. `load_config` turns the environment (plus a test override)
into a plain dict and fails fast with a ConfigError that names the variable and says why.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def _demo(raw: str) -> bool | str:
    value = raw.strip().lower()
    if value == "auto":
        return "auto"
    try:
        return _bool(value)
    except ValueError:
        raise ValueError("expected auto, true or false") from None


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 60:
        raise ValueError("expected a number of seconds between 0 and 60")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _byte_count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected a number of bytes, 0 or more")
    return value


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 65535:
        raise ValueError("expected a TCP port (0 picks a free one)")
    return value


def _prefix(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", raw):
        raise ValueError("expected 1-32 characters of [A-Za-z0-9_-]")
    return raw


def _secret(raw: str) -> str:
    if len(raw) < 16:
        raise ValueError("expected at least 16 characters")
    return raw


def _optional_secret(raw: str) -> str | None:
    raw = raw.strip()
    return _secret(raw) if raw else None


def _optional_token(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if len(raw) < 16:
        raise ValueError("expected at least 16 characters (or leave it unset)")
    return raw


def _half_life(raw: str) -> float:
    value = float(raw)
    if not 0.25 <= value <= 8760:
        raise ValueError("expected a number of hours between 0.25 and 8760")
    return value


def _seconds(lo: int, hi: int) -> Callable[[str], int]:
    """A parser of a whole number of seconds from `lo` to `hi`."""

    def parse(raw: str) -> int:
        value = int(raw)
        if not lo <= value <= hi:
            raise ValueError(f"expected a whole number of seconds from {lo} to {hi}")
        return value

    return parse


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 10:
        raise ValueError("expected a whole number from 0 to 10")
    return value


def _replica_count(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 16:
        raise ValueError("expected a number of replicas from 0 (off) to 16")
    return value


def _wait_ms(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 60_000:
        raise ValueError("expected a number of milliseconds from 1 to 60000")
    return value


def _optional_positive_int(raw: str) -> int | None:
    raw = raw.strip()
    return _positive_int(raw) if raw else None


def _log_format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"json", "text"}:
        raise ValueError("expected json or text")
    return value


def _worker_class(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"sync", "gthread", "gevent"}:
        raise ValueError("expected sync, gthread or gevent")
    return value


def _redis_url(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if not re.match(r"^(redis|rediss|unix|redis\+sentinel|redis\+cluster)://", raw):
        raise ValueError(
            "expected redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://"
        )
    return raw


def _rate(raw: str) -> str:
    # Flask-Limiter's rate string, e.g. "30/minute;300/hour"; parsed for real by limits later.
    from limits import parse_many

    parse_many(raw)
    return raw


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any]
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting("XINQING_REDIS_URL", "REDIS_URL", None, _redis_url,
            "Where Redis is: `redis://host:6379/0`, `rediss://…`, `unix:///path`, "
            "`redis+sentinel://host:26379,host2:26379/mymaster/0` or "
            "`redis+cluster://host:7000,host2:7001`. Unset: the embedded store (fakeredis)."),
    Setting("XINQING_SECRET_KEY", "SECRET_KEY", None, _secret,
            "Signs reader tokens (≥ 16 characters). Required with a real Redis; in embedded "
            "mode one is generated with a warning, and tokens die with the process."),
    Setting("XINQING_SECRET_KEY_PREVIOUS", "SECRET_KEY_PREVIOUS", None, _optional_secret,
            "The secret key before a rotation, accepted (not used to sign) for a grace "
            "period: reader tokens signed with it still work, and each answer to one carries "
            "`X-Reader-Token-Refresh`, the same reader's token signed with the new key; "
            "comment cursors and bans made under it still hold. Unset it when the grace "
            "period ends (docs/operations.md)."),
    Setting("XINQING_ADMIN_TOKEN", "ADMIN_TOKEN", None, _optional_token,
            "Bearer token for operator endpoints (`POST /v1/admin/sites`), accepted wherever an "
            "editor token is. Unset: operator endpoints answer 401 (the CLI still works)."),
    Setting("XINQING_KEY_PREFIX", "KEY_PREFIX", "xq", _prefix,
            "Prefix of every Redis key, so several deployments can share one Redis."),
    Setting("XINQING_RATELIMIT_ENABLED", "RATELIMIT_ENABLED", True, _bool,
            "`false` switches every rate limit off (benchmarks, load tests). Counting rules "
            "(one share per reader, channel and hour…) hold regardless."),
    Setting("XINQING_READER_RATE", "READER_RATE", "30/minute;300/hour", _rate,
            "Reader tokens one client network (an IPv4 address or an IPv6 /64) may obtain "
            "(`POST …/readers`)."),
    Setting("XINQING_WRITE_RATE", "WRITE_RATE", "120/minute", _rate,
            "Reader writes one client network (an IPv4 address or an IPv6 /64) may make in "
            "all: reactions, shares, views, comments and 顶/踩 share this one budget "
            "(moving window)."),
    Setting("XINQING_REDIS_SOCKET_TIMEOUT", "REDIS_SOCKET_TIMEOUT", 0.5, _positive_float,
            "Seconds a Redis command may take before the request fails with 503."),
    Setting("XINQING_REDIS_CONNECT_TIMEOUT", "REDIS_CONNECT_TIMEOUT", 0.5, _positive_float,
            "Seconds to wait for a Redis connection before answering 503."),
    Setting("XINQING_REDIS_MAX_CONNECTIONS", "REDIS_MAX_CONNECTIONS", 32, _positive_int,
            "Connections each worker process may open to Redis."),
    Setting("XINQING_WAIT_REPLICAS", "WAIT_REPLICAS", 0, _replica_count,
            "Replicas that must acknowledge every write before the service answers it (Redis "
            "`WAIT`, sent in the write's own round trip to the master that took it; on Cluster "
            "the master of the key's slot). Fewer within `XINQING_WAIT_TIMEOUT_MS`: 503 with "
            "`Retry-After`; the write may or may not survive, and retrying it is safe (writes "
            "are idempotent). 0: off — a write acknowledged just before its master dies can "
            "be lost in the failover (docs/scaling.md measures the cost of turning it on)."),
    Setting("XINQING_WAIT_TIMEOUT_MS", "WAIT_TIMEOUT_MS", 200, _wait_ms,
            "Milliseconds a write waits for `XINQING_WAIT_REPLICAS` acknowledgements; must be "
            "shorter than `XINQING_REDIS_SOCKET_TIMEOUT`."),
    Setting("XINQING_MAX_BODY_BYTES", "MAX_CONTENT_LENGTH", 64 * 1024, _positive_int,
            "Largest accepted request body in bytes; larger is 413."),
    Setting("XINQING_RETRY_AFTER", "RETRY_AFTER", 1, _positive_int,
            "Seconds sent in `Retry-After` when Redis is unavailable (503)."),
    Setting("XINQING_DEMO_SITE", "DEMO_SITE", "demo", str,
            "The site `/demo` shows: created at start-up in embedded mode, or on the first "
            "visit of `/demo` (empty: no demo site, no `/demo`)."),
    Setting("XINQING_DEMO", "DEMO", "auto", _demo,
            "`/demo`, an article page with every widget on the demo site: `auto` serves it "
            "only on the embedded store, `true` on a real Redis too (the demo site and its "
            "articles' meta are written on first visit), `false` never."),
    Setting("XINQING_EMBEDDED_PORT", "EMBEDDED_PORT", 0, _port,
            "Embedded mode under gunicorn: loopback port of the shared fakeredis server "
            "(0 picks a free one)."),
    Setting("XINQING_LOG_LEVEL", "LOG_LEVEL", "INFO", str.upper,
            "Python log level of the service's own logs."),
    Setting("XINQING_METRICS_TOKEN", "METRICS_TOKEN", None, _optional_token,
            "Bearer token `GET /metrics` requires from everywhere (the admin token works "
            "too). Unset: with a Redis URL, `/metrics` answers requests from loopback and "
            "private addresses (and the admin token) only; with the in-process store, "
            "anyone."),
    Setting("XINQING_LOG_FORMAT", "LOG_FORMAT", "json", _log_format,
            "`json`: one JSON object per log line, with the request id (for log shippers); "
            "`text`: plain lines for reading in a terminal."),
    Setting("XINQING_ACCESS_LOG", "ACCESS_LOG", True, _bool,
            "One log line per request (`xinqing.access`: request id, method, path, route, "
            "status, duration, site, client network, never tokens or full addresses)."),
    Setting("XINQING_BIND", "BIND", "0.0.0.0:8000", str,
            "gunicorn only: the address gunicorn listens on."),
    Setting("XINQING_WORKERS", "WORKERS", None, _optional_positive_int,
            "gunicorn only: worker processes (falls back to `WEB_CONCURRENCY`; unset: twice "
            "the CPUs this process may use). In a container with a CPU quota, set it."),
    Setting("XINQING_WORKER_CLASS", "WORKER_CLASS", "sync", _worker_class,
            "gunicorn only: `sync` (measured: same throughput as the others on the reaction "
            "write, best p99; put a buffering proxy in front), `gthread` (keeps client "
            "connections alive; for no proxy in front) or `gevent` (needs `pip install gevent "
            "packaging`)."),
    Setting("XINQING_THREADS", "THREADS", 4, _positive_int,
            "gunicorn only: threads per `gthread` worker."),
    Setting("XINQING_KEEPALIVE", "KEEPALIVE", 75, _positive_int,
            "gunicorn only: seconds an idle keep-alive connection stays open; keep it longer "
            "than the idle timeout of the proxy or load balancer in front (e.g. 60 s)."),
    Setting("XINQING_METRICS_DIR", "METRICS_DIR", None, str,
            "gunicorn only: directory of the per-worker metric files "
            "(`PROMETHEUS_MULTIPROC_DIR`), emptied at start. Unset: a fresh temporary "
            "directory, removed at exit."),
    Setting("XINQING_PROXY_HOPS", "PROXY_HOPS", 0, _non_negative_int,
            "Proxies/CDN layers in front of the service that append to `X-Forwarded-For` and "
            "set `X-Forwarded-Proto` (0: trust none, use the socket address). The client "
            "address used by rate limits and view dedupe is the one that many hops back. Set "
            "it to exactly the number of proxies you run: more lets clients forge addresses."),
    Setting("XINQING_EDITOR_RATE", "EDITOR_RATE", "60/minute", _rate,
            "Editor and operator writes (site creation, settings changes, token rotation) one "
            "client network may make."),
    Setting("XINQING_COMMENT_RATE", "COMMENT_RATE", "20/minute;200/hour", _rate,
            "Comments one client network may post (all readers behind it together), on top "
            "of the shared write budget."),
    Setting("XINQING_COMMENT_READER_RATE", "COMMENT_READER_RATE", "5/minute;60/hour", _rate,
            "Comments one reader (token) may post, whatever address it comes from."),
    Setting("XINQING_COMMENT_VOTE_RATE", "COMMENT_VOTE_RATE", "60/minute", _rate,
            "顶/踩 votes (and retractions) one reader may make."),
    Setting("XINQING_PAGE_CACHE_BYTES", "PAGE_CACHE_BYTES", 16 * 1024 * 1024, _byte_count,
            "Bytes of rendered public comment pages each worker keeps; a page is served from "
            "it only while the article's comment version is unchanged (0 turns it off)."),
    Setting("XINQING_HOT_HALF_LIFE_HOURS", "HOT_HALF_LIFE_HOURS", 12.0, _half_life,
            "Half-life of the `hot` ranking: activity counts half as much this many hours "
            "later (0.25-8760). After changing it, run `xinqing rankings rebuild`."),
    Setting("XINQING_RELATED_CACHE_SECONDS", "RELATED_CACHE_SECONDS", 60, _seconds(0, 3600),
            "Seconds each worker keeps an article's computed 相关阅读 list (0-3600; 0: none); "
            "the items' counts and takedowns are read fresh on every call."),
    Setting("XINQING_FEED_SNAPSHOT_SECONDS", "FEED_SNAPSHOT_SECONDS", 60, _seconds(5, 3600),
            "推荐阅读: every first page within a slot of this many seconds shares one snapshot "
            "of the hot order (5-3600), so a change reaches the feed's first page this late."),
    Setting("XINQING_FEED_CURSOR_SECONDS", "FEED_CURSOR_SECONDS", 600, _seconds(5, 3600),
            "推荐阅读: seconds after a first page during which 加载更多 can follow its cursors, "
            "at least (5-3600); later a cursor answers 409 `cursor_expired` and the reader "
            "starts over."),
)


def load_config(environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None,
                *, require_secret: bool = True) -> dict[str, Any]:
    """Build the settings dict; raise ConfigError naming the variable on a bad value."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or (raw == "" and setting.default is not None):
            config[setting.key] = setting.default
            continue
        try:
            config[setting.key] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{setting.env}={raw!r} is not valid: {exc}") from None
    if overrides:
        config.update(overrides)
    if config.get("WAIT_REPLICAS"):
        if config["WAIT_TIMEOUT_MS"] >= config["REDIS_SOCKET_TIMEOUT"] * 1000:
            raise ConfigError(
                f"XINQING_WAIT_TIMEOUT_MS={config['WAIT_TIMEOUT_MS']} must be shorter than "
                f"XINQING_REDIS_SOCKET_TIMEOUT ({config['REDIS_SOCKET_TIMEOUT']} s), or the "
                "socket gives up before WAIT answers")
        if not config["REDIS_URL"] and not config.get("REDIS_CLIENT"):
            raise ConfigError("XINQING_WAIT_REPLICAS needs XINQING_REDIS_URL: the embedded "
                              "store has no replicas to wait for")
    if require_secret and config["REDIS_URL"] and not config["SECRET_KEY"] \
            and not config.get("TESTING"):
        raise ConfigError(
            "XINQING_SECRET_KEY is required when XINQING_REDIS_URL is set "
            "(reader tokens must survive restarts and be the same on every worker)"
        )
    return config


def setting(env: str, environ: Mapping[str, str] | None = None) -> Any:
    """Parse one setting by its variable name (service/gunicorn_conf.py reads its own this way)."""
    environ = os.environ if environ is None else environ
    for s in SETTINGS:
        if s.env == env:
            raw = environ.get(env)
            if raw is None or raw == "":
                return s.default
            try:
                return s.parse(raw)
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{env}={raw!r} is not valid: {exc}") from None
    raise KeyError(env)


def settings_table() -> str:
    """Render the README's settings table from SETTINGS, so the two cannot drift."""
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for s in SETTINGS:
        default = "unset" if s.default is None else f"`{str(s.default).lower() if isinstance(s.default, bool) else s.default}`"
        rows.append(f"| `{s.env}` | {default} | {s.doc} |")
    return "\n".join(rows)
