"""JSON with orjson: faster on the hot path, and Chinese stays as characters (no \\u escapes)."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


_OPTIONS = orjson.OPT_NON_STR_KEYS  # validation errors key list items by index


class OrjsonProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(
            orjson.dumps(obj, default=self.default, option=_OPTIONS) + b"\n", mimetype="application/json")
