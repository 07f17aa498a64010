"""Editors' moderation tools beside the queue: the decision history and the queues' sizes."""

from __future__ import annotations

from schemas.history import HistoryPageSchema, HistoryQueryArgsSchema, QueueCountsSchema
from ..domain.history import Actor
from .blueprint import Blueprint
from .context import bearer, is_admin, services
from .operations import EDITOR, operation

blp = Blueprint("history", __name__, url_prefix="/v1/sites/<site>",
                description="The moderation decision history and queue counts")


def acting_as() -> str:
    """The kind of credential of an editor request (an EDITOR operation checked it)."""
    return (Actor.ADMIN if is_admin(bearer()) else Actor.EDITOR).value


@blp.route("/moderation/history")
@operation("getModerationHistory", EDITOR)
@blp.arguments(HistoryQueryArgsSchema(), location="query")
@blp.response(200, HistoryPageSchema())
def moderation_history(args, site):
    """The site's moderation decisions, newest first (editor); follow next_cursor.

    Each entry says what was decided (approve, reject, spam, feature, unfeature, delete,
    ban, unban, takedown, reader_erased), by which kind of credential (editor, admin, cli),
    when, and on what (comment, article, author ref). It never holds comment text or a
    token. About the newest 10,000 decisions of a site are kept.
    """
    return services().history.page(site, args["limit"], args["cursor"])


@blp.route("/moderation/counts")
@operation("getModerationCounts", EDITOR)
@blp.response(200, QueueCountsSchema())
def queue_counts(site):
    """How many comments wait in each moderation queue (editor): pending, published,
    rejected, spam (the last three keep their newest 10,000)."""
    return services().moderation.queue_counts(site)
