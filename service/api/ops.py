"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from marshmallow import Schema, fields

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
@blp.alt_response(503, description="Redis is unreachable or refuses writes (out of memory, "
                                   "a replica, loading, busy, a failed snapshot)")
def readyz():
    """Redis takes writes (a short-lived probe key is written); else 503 with Retry-After."""
    services().store.probe_write()
    return {"status": "ready"}
