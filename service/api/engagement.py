"""Public reader endpoints: reader tokens, reactions (您此时的心情), shares, views, summaries."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.common import ARTICLE_RE, LANG_PARAM
from schemas.engagement import (
    ArticleIdsQueryArgsSchema,
    ArticleListSchema,
    ArticleSummarySchema,
    ReactionPutSchema,
    ReactionsSchema,
    ReaderCreatedSchema,
    SharePostSchema,
    ShareResultSchema,
    MyMoodsQueryArgsSchema,
    MyMoodsSchema,
    SharesSchema,
    ViewsSchema,
)
from ..errors import InvalidId
from .context import client_address, lang, reader_token, services

blp = Blueprint("engagement", __name__, url_prefix="/v1/sites/<site>",
                description="Readers, reactions, shares, views and article summaries")

ARTICLE = "/articles/<article>"


@blp.route("/readers", methods=["POST"])
@blp.response(201, ReaderCreatedSchema())
def create_reader(site):
    """Issue a signed anonymous reader token (rate-limited per client address)."""
    return {"reader_token": services().engagement.issue_reader(site)}


@blp.route(ARTICLE + "/reactions")
class Reactions(MethodView):
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def get(self, site, article):
        """Counts of every mood; with X-Reader-Token also `mine`."""
        return services().engagement.reactions(site, article, reader_token(), lang())


def _article_ids(raw: str) -> list[str]:
    """Split a comma-separated id list; any malformed id is 400 invalid_id."""
    ids = raw.split(",")
    bad = [i for i in ids if not ARTICLE_RE.match(i)]
    if bad:
        raise InvalidId(details={"ids": bad[:10]})
    return ids


@blp.route("/reactions/mine")
@blp.arguments(MyMoodsQueryArgsSchema(), location="query")
@blp.response(200, MyMoodsSchema())
def my_moods(args, site):
    """The reader's own mood on up to 100 articles (reader token; private, never cached).

    A page's widget asks this once for all its mood boxes, so the public counts GET stays
    free of the reader and cacheable by a CDN."""
    return services().engagement.my_moods(site, reader_token(), _article_ids(args["articles"]))


@blp.route(ARTICLE + "/reactions/mine")
class MyReaction(MethodView):
    @blp.arguments(ReactionPutSchema())
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def put(self, body, site, article):
        """Hold one mood on the article (reader token); moves an earlier vote."""
        return services().engagement.set_mood(site, article, reader_token(), body["mood"], lang())

    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def delete(self, site, article):
        """Retract the reader's vote on the article (reader token)."""
        return services().engagement.set_mood(site, article, reader_token(), None, lang())


@blp.route(ARTICLE + "/shares")
class Shares(MethodView):
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, SharesSchema())
    def get(self, site, article):
        """Share counts of every channel, and the channels with their labels."""
        return services().engagement.shares(site, article, lang())

    @blp.arguments(SharePostSchema())
    @blp.response(200, ShareResultSchema())
    def post(self, body, site, article):
        """Count a share; one per reader, article and channel per clock hour."""
        return services().engagement.share(site, article, body["channel"], reader_token())


@blp.route(ARTICLE + "/views", methods=["POST"])
@blp.response(200, ViewsSchema())
def add_view(site, article):
    """Page-view beacon; one view per visitor and article per 10 minutes."""
    return services().engagement.view(site, article, reader_token(), client_address())


@blp.route(ARTICLE)
class Article(MethodView):
    @blp.response(200, ArticleSummarySchema())
    def get(self, site, article):
        """The article's reactions, shares, views, comment count and metadata."""
        return services().engagement.summaries(site, [article])[0]


@blp.route("/articles")
class Articles(MethodView):
    @blp.arguments(ArticleIdsQueryArgsSchema(), location="query")
    @blp.response(200, ArticleListSchema())
    def get(self, args, site):
        """Summaries of up to 100 articles in one call, in the order asked."""
        return {"items": services().engagement.summaries(site, _article_ids(args["ids"]))}
