"""The moderation decision history (editor): who decided what on the site's comments, when."""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas.history import HistoryPageSchema, HistoryQueryArgsSchema
from ..domain.history import Actor
from .context import bearer, is_admin, require_editor, services

blp = Blueprint("history", __name__, url_prefix="/v1/sites/<site>",
                description="The moderation decision history")


def acting_as() -> str:
    """The kind of credential of an editor request (call after require_editor)."""
    return (Actor.ADMIN if is_admin(bearer()) else Actor.EDITOR).value


@blp.route("/moderation/history")
@blp.arguments(HistoryQueryArgsSchema(), location="query")
@blp.response(200, HistoryPageSchema())
def moderation_history(args, site):
    """The site's moderation decisions, newest first (editor); follow next_cursor.

    Each entry says what was decided (approve, reject, spam, feature, unfeature, delete,
    ban, unban, takedown, reader_erased), by which kind of credential (editor, admin, cli),
    when, and on what (comment, article, author ref). It never holds comment text or a
    token. About the newest 10,000 decisions of a site are kept.
    """
    require_editor(site)
    return services().history.page(site, args["limit"], args["cursor"])
