"""JSON with orjson: faster on the hot path, and Chinese stays as characters (no \\u escapes).

Every response is also safe to inline into an HTML page: `<`, `>` and `&` are written as
`\\u003c`, `\\u003e`, `\\u0026`, and U+2028/U+2029 as `\\u2028`/`\\u2029`, so a JSON body pasted
into a `<script>` block can neither close it (`</script>`) nor open markup, and old JavaScript
parsers do not choke on the line separators. The decoded JSON is unchanged (these characters
can only occur inside JSON strings, where the escapes mean the same thing).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_HTML_UNSAFE = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
                ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


_OPTIONS = orjson.OPT_NON_STR_KEYS  # validation errors key list items by index

# Request bodies nested deeper than this are refused (400 json_too_deep). The contract's
# deepest body (site settings: moods → mood → labels) is 4 levels; orjson itself stops at
# 1,024, and Python's json at about 1,000 with a RecursionError, so one cap, checked once,
# keeps every later step (schemas, webargs) far from either limit.
MAX_JSON_DEPTH = 32


def nesting_exceeds(obj: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if `obj` has containers (lists, objects) nested more than `limit` deep.

    Iterative, so the check itself cannot exhaust the stack."""
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False


def dumps_safe(obj: Any, default=None) -> bytes:
    """orjson bytes with the HTML-significant characters escaped (see the module docstring)."""
    data = orjson.dumps(obj, default=default, option=_OPTIONS)
    for raw, escaped in _HTML_UNSAFE:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


class OrjsonProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize `obj` to JSON text with orjson."""
        return dumps_safe(obj, default=self.default).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON text with orjson."""
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        """Return a JSON response of the arguments (Flask's jsonify)."""
        obj = self._prepare_response_obj(args, kwargs)
        response = self._app.response_class(
            dumps_safe(obj, default=self.default) + b"\n", mimetype="application/json")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
