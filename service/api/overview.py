"""The editors' overview: today against the previous 7 days, 48 hours against the 48 before."""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas.overview import OverviewQueryArgsSchema, OverviewSchema
from .context import services
from .operations import EDITOR, operation

blp = Blueprint("overview", __name__, url_prefix="/v1/sites/<site>",
                description="The editors' overview (dashboard numbers)")


@blp.route("/overview")
@operation("getOverview", EDITOR)
@blp.arguments(OverviewQueryArgsSchema(), location="query")
@blp.response(200, OverviewSchema())
def overview(args, site):
    """Votes, shares, views and comments today vs the previous 7 days, and per hour (editor).

    Exact sums of the site's (or a channel's) hourly records: `reactions` counts standing
    votes by the hour they were cast, `comments` published comments by creation hour. Days
    are site-local (the `timezone` setting), built of whole UTC clock hours.
    """
    return services().overview.overview(site, args.get("channel"))
