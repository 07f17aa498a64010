"""Structured logs: one JSON object per line, carrying the request id; no secrets in them.

`JsonFormatter` is used by the app's own handler and by gunicorn's loggers
(service/gunicorn_conf.py's `logconfig_dict`), so every line a worker or the master writes has the
same shape. Records may carry extra fields in `extra={"fields": {...}}`. Inside a request,
the request id is added to every line. Client addresses are only ever logged as their
network (`client_network`): IPv4 cut to /24, IPv6 to /48.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import sys
import time
from typing import Any

import orjson

_HANDLER_MARK = "_xinqing_handler"


# Cached: the access log asks once per request, ipaddress takes ~9 µs, and a worker sees the
# same few addresses over and over (behind a proxy, often just one).
@functools.lru_cache(maxsize=4096)
def client_network(address: str | None) -> str | None:
    """Return the address's network, coarse enough not to identify a reader (/24 or /48)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - the formatter also serves gunicorn's master
        return None
    if not has_request_context():
        return None
    return g.get("request_id")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id"?, ...fields, "exc"?}` on one line."""

    # (second, its strftime text): every access-log line formats a time, mostly the same second
    _second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        """Format a record as one JSON object."""
        second = int(record.created)
        cached = self._second
        if cached[0] == second:
            ts = cached[1]
        else:
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, ts)  # one tuple, swapped whole: safe across threads
        entry: dict[str, Any] = {
            "ts": f"{ts}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        fields = getattr(record, "fields", None)
        if not isinstance(fields, dict):
            fields = None
        # The access log carries its request id in its fields, which would overwrite this
        # lookup's result anyway: skip the request-context lookup then.
        if fields is None or "request_id" not in fields:
            request_id = _request_id()
            if request_id:
                entry["request_id"] = request_id
        if fields is not None:
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode("utf-8")


# What a text log line may not carry raw: C0/C1 controls (a newline forges a log line, ESC
# rewrites the terminal), the Unicode line separators and bidi formatting characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape_controls(text: str) -> str:
    """`text` with every control, line-separator and bidi character written as an escape."""
    return _UNSAFE.sub(_escape_char, text)


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal; extra fields appended as key=value.

    One record is one line: control characters in the message and the fields (a path with
    an encoded newline, a header value) are escaped. A traceback keeps its own lines,
    indented, with controls inside them escaped."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format a record as one plain line."""
        record.message = escape_controls(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        fields = getattr(record, "fields", None)
        request_id = _request_id()
        extras = [f"request_id={escape_controls(str(request_id))}"] if request_id else []
        if isinstance(fields, dict):
            extras += [f"{k}={escape_controls(str(v))}" for k, v in fields.items()
                       if k != "request_id"]
        line += (" " + " ".join(extras) if extras else "")
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "".join("\n  " + escape_controls(part)
                            for part in record.exc_text.split("\n"))
        return line


def init_logging(config: dict[str, Any]) -> None:
    """Give the root logger one stderr handler in the configured format (idempotent)."""
    formatter = JsonFormatter() if config.get("LOG_FORMAT", "json") == "json" else TextFormatter()
    root = logging.getLogger()
    # Ours from an earlier app, or the one service/gunicorn_conf.py's logconfig_dict gave the root.
    handler = next((h for h in root.handlers if getattr(h, _HANDLER_MARK, False)
                    or isinstance(h.formatter, (JsonFormatter, TextFormatter))), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        root.addHandler(handler)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter)
    logging.getLogger("xinqing").setLevel(config.get("LOG_LEVEL", "INFO"))
    # Flask-Limiter logs each breach at INFO with its key, the full client address; the
    # access log already records the 429 with the client's network only.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    # The access log has its own switch and is not silenced by a quieter LOG_LEVEL.
    logging.getLogger("xinqing.access").setLevel(
        logging.INFO if config.get("ACCESS_LOG", True) else logging.CRITICAL + 1)
