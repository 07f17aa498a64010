"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from schemas.common import StrictSchema, answer
from ..errors import StorageUnavailable
from .context import services
from .operations import PUBLIC, operation

blp = Blueprint("ops", __name__, description="Health")


@answer()
class HealthSchema(StrictSchema):
    status = fields.String(metadata={"description": "ok (healthz) or ready (readyz)"})


@blp.route("/healthz")
@operation("getHealth", PUBLIC, storage=False)
@blp.response(200, HealthSchema())
def healthz():
    """The process is up (does not touch Redis)."""
    return {"status": "ok"}


@blp.route("/readyz")
@operation("getReadiness", PUBLIC)
@blp.response(200, HealthSchema())
def readyz():
    """Redis answers; else 503 with Retry-After."""
    if not services().store.ping():
        raise StorageUnavailable()
    return {"status": "ready"}
