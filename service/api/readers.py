"""Data ownership over HTTP: a reader's own id, and an editor erasing one reader."""

from __future__ import annotations

from schemas.portability import ErasureSchema, ReaderIdSchema
from .blueprint import Blueprint
from .context import reader_token, services
from .history import acting_as
from .operations import EDITOR, READER, operation

blp = Blueprint("readers", __name__, url_prefix="/v1/sites/<site>",
                description="Data ownership: a reader's id, erasing one reader")


@blp.route("/readers/me", methods=["GET"])
@operation("getMyReaderId", READER)
@blp.response(200, ReaderIdSchema())
def me(site):
    """The reader id of the X-Reader-Token: what a privacy request names (private)."""
    return services().erasure.reader_of(site, reader_token())


@blp.route("/readers/<reader>", methods=["DELETE"])
@operation("deleteReader", EDITOR)
@blp.response(200, ErasureSchema())
def erase(site, reader):
    """Erase one reader's votes, 顶/踩 and comments, adjusting every count (editor).

    Replies to their comments stay, under an empty placeholder. Idempotent: again, nothing
    is left to erase and every count stays. Recorded, without content, in the moderation
    history."""
    return services().erasure.erase(site, reader, acting_as())
