"""The OpenAPI conventions of every view, declared once per operation with `@operation`.

    @blp.route(ARTICLE + "/reactions/mine")
    class MyReaction(MethodView):
        @operation("putMyReaction", READER, errors=[UnknownMood])
        @blp.arguments(ReactionPutSchema())
        @blp.response(200, ReactionsSchema())
        def put(self, body, site, article): ...

Put it right under `@blp.route` (or first on a MethodView's method). It gives the operation

- a stable `operationId`: the HTTP method, then what it acts on, in lowerCamelCase
  (`getRankings`, `putMyReaction`, `postSite`). Generated clients name their functions after
  it, so an operationId never changes once published;
- its `security` (`access`, one of the constants below): who may call it, declared per
  operation so a generated client asks for the right credential. EDITOR and ADMIN are also
  enforced here, before the body is parsed: a Bearer that is not a credential for the
  endpoint is 401 whatever the body holds;
- the error codes it can answer: `errors` lists what its domain raises (UnknownMood…); what
  follows from its shape is added by service/api/openapi.py — ids in the path, a body, query
  arguments, its access, a rate limit, storage (`storage=False` for the few that never touch
  Redis).

tests/test_openapi.py fails for an operation without these, and every app the test suite
builds checks that each error an operation answers is one its document lists.
"""

from __future__ import annotations

import functools
import re
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from flask_smorest.utils import deepupdate

from ..errors import InvalidReader, MissingReader, Unauthorized, XinqingError
from .context import reader_token, require_admin, require_editor

OPERATION_ID_RE = re.compile(r"(get|put|post|patch|delete)[A-Z][A-Za-z0-9]*")


@dataclass(frozen=True)
class Access:
    """Who may call an operation: its OpenAPI security and the errors that follow from it."""

    name: str
    security: tuple[dict[str, list[str]], ...]
    errors: tuple[type[XinqingError], ...] = ()
    check: Callable[[dict[str, Any]], Any] | None = None  # runs before the view, with its kwargs

    def requirement(self) -> list[dict[str, list[str]]]:
        """Return the OpenAPI security requirement of the operation."""
        return [dict(requirement) for requirement in self.security]


def _reader_present(kwargs: dict[str, Any]) -> None:
    if not reader_token():
        raise MissingReader()


# The security schemes (components.securitySchemes in service/api/__init__.py).
_ANYONE: dict[str, list[str]] = {}
_READER = {"reader": []}
_EDITOR = {"editor": []}
_ADMIN = {"admin": []}

PUBLIC = Access("public", ())
READER_OPTIONAL = Access("reader-optional", (_ANYONE, _READER), (InvalidReader,))
READER = Access("reader", (_READER,), (MissingReader, InvalidReader), _reader_present)
EDITOR = Access("editor", (_EDITOR, _ADMIN), (Unauthorized,),
                lambda kwargs: require_editor(kwargs["site"]))
ADMIN = Access("admin", (_ADMIN,), (Unauthorized,), lambda kwargs: require_admin())
# The comment's author (reader token) or an editor: the view decides which one was sent.
AUTHOR_OR_EDITOR = Access("author-or-editor", (_READER, _EDITOR, _ADMIN),
                          (MissingReader, InvalidReader, Unauthorized))
# Open unless a metrics token is configured; then the metrics or the admin token.
METRICS = Access("metrics", (_ANYONE, {"metrics": []}, _ADMIN), (Unauthorized,))


@dataclass(frozen=True)
class Declared:
    """What a view declared: service/api/openapi.py completes the document from it."""

    operation_id: str
    access: Access
    errors: tuple[type[XinqingError], ...] = field(default=())
    storage: bool = True


OPERATIONS: dict[str, Declared] = {}


def _checked(view, check):
    """`view`, running the access check with its keyword arguments first."""
    @functools.wraps(view)
    def checked(*args, **kwargs):
        check(kwargs)
        return view(*args, **kwargs)
    return checked


def operation(operation_id: str, access: Access, *, errors: Iterable[type[XinqingError]] = (),
              storage: bool = True):
    """Declare (and for EDITOR/ADMIN enforce) an operation's id, access and error codes."""
    if not OPERATION_ID_RE.fullmatch(operation_id):
        raise ValueError(f"operationId {operation_id!r}: the HTTP method, then lowerCamelCase "
                         "words (getRankings, putMyReaction)")
    declared = Declared(operation_id, access, tuple(errors), storage)
    if OPERATIONS.get(operation_id, declared) != declared:
        raise ValueError(f"operationId {operation_id!r} is declared twice")
    OPERATIONS[operation_id] = declared

    def decorate(view):
        target = view if access.check is None else _checked(view, access.check)
        # As flask-smorest's Blueprint.doc does, without one more wrapper per request.
        target._apidoc = deepcopy(getattr(target, "_apidoc", {}))
        target._apidoc["manual_doc"] = deepupdate(
            deepcopy(target._apidoc.get("manual_doc", {})),
            {"operationId": operation_id, "security": access.requirement()})
        return target

    return decorate
