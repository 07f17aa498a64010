"""Article metadata and takedowns (editor), rankings (public), editors' analytics.

Rankings are reader-independent public GETs: service/api/edge.py gives them the site's
`cache_max_age`, an ETag and 304s like every other public answer.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.rankings import (
    ArticleMetaResultSchema,
    ArticleMetaSchema,
    MoodRankingsQueryArgsSchema,
    MoodRankingsSchema,
    RankingQueryArgsSchema,
    RankingSchema,
    StatsQueryArgsSchema,
    StatsSchema,
    TimelineQueryArgsSchema,
    TimelineSchema,
)
from ..errors import InvalidRange, UnknownMetric
from .context import lang, services
from .history import acting_as
from .operations import EDITOR, PUBLIC, operation

blp = Blueprint("rankings", __name__, url_prefix="/v1/sites/<site>",
                description="Article metadata, takedowns, rankings (新闻表情排行), analytics")

ARTICLE = "/articles/<article>"


@blp.route(ARTICLE + "/meta")
class ArticleMeta(MethodView):
    @operation("putArticleMeta", EDITOR)
    @blp.arguments(ArticleMetaSchema)
    @blp.response(200, ArticleMetaResultSchema)
    def put(self, body, site, article):
        """Store what rankings and reading lists show of the article (editor).

        title, url, channel, published_at, summary, image: replaces all six fields (absent
        optional ones are cleared). A changed channel moves the article's activity between
        channel rankings.
        """
        return services().rankings.set_meta(site, article, body)


@blp.route(ARTICLE, methods=["DELETE"])
@operation("deleteArticle", EDITOR)
@blp.response(200, ArticleMetaResultSchema)
def take_down(site, article):
    """Take the article down (editor): it leaves every ranking; its comments are hidden."""
    return services().rankings.take_down(site, article, acting_as())


@blp.route("/rankings")
@operation("getRankings", PUBLIC, errors=[UnknownMetric])
@blp.arguments(RankingQueryArgsSchema, location="query")
@blp.response(200, RankingSchema)
def ranking(args, site):
    """Articles ranked by a mood, reactions, shares, views, comments or hot over a window."""
    return services().rankings.ranking(site, args["by"], args["window"], args.get("channel"),
                                       args["limit"])


@blp.route("/rankings/moods")
@operation("getMoodRankings", PUBLIC)
@blp.arguments(MoodRankingsQueryArgsSchema, location="query")
@blp.response(200, MoodRankingsSchema)
def mood_rankings(args, site):
    """One ranking per mood, in configured order (the tabbed 新闻表情排行 box)."""
    return services().rankings.mood_rankings(site, args["window"], args.get("channel"),
                                             args["limit"], lang())


@blp.route(ARTICLE + "/timeline")
@operation("getTimeline", EDITOR, errors=[InvalidRange])
@blp.arguments(TimelineQueryArgsSchema, location="query")
@blp.response(200, TimelineSchema)
def timeline(args, site, article):
    """Reactions per mood, shares, views and comments per hour or per site-local day (editor)."""
    return services().rankings.timeline(site, article, args["granularity"], args.get("from_"),
                                        args.get("to"), lang())


@blp.route("/stats")
@operation("getStats", EDITOR)
@blp.arguments(StatsQueryArgsSchema, location="query")
@blp.response(200, StatsSchema)
def stats(args, site):
    """The site's (or a channel's) mood distribution and totals over a window (editor)."""
    return services().rankings.stats(site, args["window"], args.get("channel"), lang())
