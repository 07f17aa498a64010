"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..errors import StorageUnavailable
from .blueprint import Blueprint
from .context import services

blp = Blueprint("ops", __name__, description="Health")


class HealthSchema(Schema):
    status = fields.String()


@blp.route("/healthz")
@blp.response(200, HealthSchema())
def healthz():
    """The process is up (does not touch Redis)."""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, HealthSchema())
@blp.alt_response(503, description="Redis is unreachable")
def readyz():
    """Redis answers; else 503 with Retry-After."""
    if not services().store.ping():
        raise StorageUnavailable()
    return {"status": "ready"}
