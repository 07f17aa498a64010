"""Complete the generated OpenAPI document with every error each operation can answer.

flask-smorest builds paths, parameters and bodies from the schemas; each view's `@operation`
(service/api/operations.py) adds its operationId and security. This module then lists, per
operation and status, the error codes it can answer (`x-error-codes`, and in the description
with their meaning), from what the view declared and what follows from its shape:

| the operation has…                      | it can answer                                       |
| --- | --- |
| `{site}` in its path                    | `invalid_id` 400, `site_not_found` 404              |
| `{article}`, `{ref}`, `{reader}` in its path | `invalid_id` 400                                 |
| `{comment_id}` in its path              | `invalid_id` 400, `comment_not_found` 404           |
| a JSON body                             | `malformed_json`, `json_too_deep` 400, `payload_too_large` 413, `unsupported_media_type` 415, `validation_error` 422 |
| query arguments parsed by a schema      | `validation_error` 422                              |
| its access (operations.Access)          | e.g. `missing_reader`/`invalid_reader` or `unauthorized` 401 |
| a rate limit (service/api/limits.py)    | `rate_limited` 429 with Retry-After                 |
| storage (all but `storage=False`)       | `storage_unavailable` 503 with Retry-After          |
| `errors=[…]` in its `@operation`        | those                                               |

`default` describes what no input should cause: `internal_error` 500, a bug.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from flask import Flask

from ..errors import (
    CommentNotFound,
    InvalidId,
    JsonTooDeep,
    MalformedJSON,
    PayloadTooLarge,
    RateLimited,
    SiteNotFound,
    StorageUnavailable,
    Unprocessable,
    UnsupportedMediaType,
    XinqingError,
)
from .limits import LIMITED, READER_LIMITED, SHARED_WRITES
from .operations import OPERATIONS

HTTP_METHODS = ("get", "put", "post", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}

PATH_ERRORS: dict[str, tuple[type[XinqingError], ...]] = {
    "site": (InvalidId, SiteNotFound),
    "article": (InvalidId,),
    "comment_id": (InvalidId, CommentNotFound),
    "ref": (InvalidId,),
    "reader": (InvalidId,),
}
BODY_ERRORS = (MalformedJSON, JsonTooDeep, PayloadTooLarge, UnsupportedMediaType, Unprocessable)

_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying",
                                "schema": {"type": "integer"}}}
_CHALLENGE = {"WWW-Authenticate": {"description": "the scheme to authenticate with (Bearer)",
                                   "schema": {"type": "string"}}}


def openapi_path(rule: str) -> str:
    """Return a Flask rule (`/v1/sites/<site>`) as an OpenAPI path (`/v1/sites/{site}`)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _endpoints(app: Flask) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> Flask endpoint, for the rate-limit tables."""
    found = {}
    for rule in app.url_map.iter_rules():
        for method in rule.methods or ():
            found[(openapi_path(rule.rule), method.lower())] = rule.endpoint
    return found


def _limited(endpoint: str | None, method: str) -> bool:
    if method.upper() in SHARED_WRITES.get(endpoint or "", ()):
        return True
    for table in (LIMITED, READER_LIMITED):
        entry = table.get(endpoint or "")
        if entry and method.upper() in entry[1]:
            return True
    return False


def operation_errors(path: str, method: str, op: dict[str, Any],
                     endpoint: str | None) -> list[type[XinqingError]]:
    """Return every error class the operation can answer (declared and derived), without repeats."""
    declared = OPERATIONS[op["operationId"]]
    found: list[type[XinqingError]] = []
    for name in re.findall(r"{([^}]+)}", path):
        found += PATH_ERRORS.get(name, (InvalidId,))
    if "requestBody" in op:
        found += BODY_ERRORS
    if "422" in op.get("responses", {}):  # flask-smorest documents parsed arguments so
        found.append(Unprocessable)
    found += declared.access.errors
    if _limited(endpoint, method):
        found.append(RateLimited)
    if declared.storage:
        found.append(StorageUnavailable)
    found += declared.errors
    return list(dict.fromkeys(found))


def error_responses(errors: list[type[XinqingError]]) -> dict[str, dict[str, Any]]:
    """Return the error responses an operation documents, per status."""
    by_status: dict[int, list[type[XinqingError]]] = {}
    for cls in errors:
        by_status.setdefault(cls.status, []).append(cls)
    responses = {}
    for status in sorted(by_status):
        classes = sorted(by_status[status], key=lambda c: c.code)
        response: dict[str, Any] = {
            "description": "; ".join(f"`{c.code}`: {c.message}" for c in classes),
            "content": {"application/json": {"schema": dict(ERROR_REF)}},
            "x-error-codes": [c.code for c in classes],
        }
        if status in (429, 503):
            response["headers"] = deepcopy(_RETRY_AFTER)
        elif status == 401 and any(c.code == "unauthorized" for c in classes):
            response["headers"] = deepcopy(_CHALLENGE)
        responses[str(status)] = response
    return responses


def complete_document(spec: dict[str, Any], app: Flask) -> dict[str, Any]:
    """Return the served document: `spec` with every operation's error responses listed."""
    spec = deepcopy(spec)
    endpoints = _endpoints(app)
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None or op.get("operationId") not in OPERATIONS:
                continue  # tests/test_openapi.py reports an operation without @operation
            responses = {code: r for code, r in op.get("responses", {}).items()
                         if code.startswith(("1", "2", "3"))}
            errors = operation_errors(path, method, op, endpoints.get((path, method)))
            responses.update(error_responses(errors))
            responses["default"] = {
                "description": f"`{XinqingError.code}`: an unexpected error (a bug; no input "
                               "should cause one)",
                "content": {"application/json": {"schema": dict(ERROR_REF)}},
                "x-error-codes": [XinqingError.code],
            }
            op["responses"] = responses
    # flask-smorest's shared error responses are replaced by the lists above
    shared = spec.get("components", {}).get("responses", {})
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"):
        shared.pop(name, None)
    if "components" in spec and not shared:
        spec["components"].pop("responses", None)
    return spec


def served_document(app: Flask) -> dict[str, Any]:
    """Return the document `GET /openapi.json` serves for `app`."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"].document()


def documented_codes(spec: dict[str, Any]) -> dict[tuple[str, str], dict[int, set[str]]]:
    """(OpenAPI path, method) -> status -> the error codes the document lists for it."""
    table: dict[tuple[str, str], dict[int, set[str]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is None:
                continue
            statuses: dict[int, set[str]] = {}
            for status, response in op.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    statuses[int(status)] = set(response.get("x-error-codes", ()))
            table[(path, method)] = statuses
    return table
