"""Public reader endpoints: reader tokens, reactions (您此时的心情), shares, views, summaries."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.common import ARTICLE_RE, ARTICLE_RULE, LANG_PARAM
from schemas.engagement import (
    ArticleIdsQueryArgsSchema,
    ArticleListSchema,
    ArticleSummarySchema,
    ReactionPutSchema,
    ReactionsSchema,
    ReaderCreatedSchema,
    ReaderPostSchema,
    SharePostSchema,
    ShareResultSchema,
    MyMoodsQueryArgsSchema,
    MyMoodsSchema,
    SharesSchema,
    ViewPostSchema,
    ViewsSchema,
)
from ..errors import InvalidId, UnknownChannel, UnknownMood
from .context import client_address, lang, reader_token, services
from .operations import PUBLIC, READER, READER_OPTIONAL, operation

blp = Blueprint("engagement", __name__, url_prefix="/v1/sites/<site>",
                description="Readers, reactions, shares, views and article summaries")

ARTICLE = "/articles/<article>"


@blp.route("/readers", methods=["POST"])
@operation("postReader", PUBLIC)
@blp.arguments(ReaderPostSchema(), required=False)
@blp.response(201, ReaderCreatedSchema())
def create_reader(body, site):
    """Issue a signed anonymous reader token (rate-limited per client address)."""
    return {"reader_token": services().engagement.issue_reader(site)}


@blp.route(ARTICLE + "/reactions")
class Reactions(MethodView):
    @operation("getReactions", READER_OPTIONAL)
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def get(self, site, article):
        """Counts of every mood; with X-Reader-Token also `mine`."""
        return services().engagement.reactions(site, article, reader_token(), lang())


def _article_ids(ids: list[str]) -> list[str]:
    """The ids of a list argument (schemas.engagement.ArticleIds); a malformed one is 400."""
    bad = [i for i in ids if not ARTICLE_RE.match(i)]
    if bad:
        raise InvalidId(f"invalid article id in the list: {ARTICLE_RULE}",
                        details={"ids": [i[:160] for i in bad[:10]]})
    return ids


@blp.route("/reactions/mine")
@operation("getMyMoods", READER)
@blp.arguments(MyMoodsQueryArgsSchema(), location="query")
@blp.response(200, MyMoodsSchema())
def my_moods(args, site):
    """The reader's own mood on up to 100 articles (reader token; private, never cached).

    A page's widget asks this once for all its mood boxes, so the public counts GET stays
    free of the reader and cacheable by a CDN."""
    return services().engagement.my_moods(site, reader_token(), _article_ids(args["articles"]))


@blp.route(ARTICLE + "/reactions/mine")
class MyReaction(MethodView):
    @operation("putMyReaction", READER, errors=[UnknownMood])
    @blp.arguments(ReactionPutSchema())
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def put(self, body, site, article):
        """Hold one mood on the article (reader token); moves an earlier vote."""
        return services().engagement.set_mood(site, article, reader_token(), body["mood"], lang())

    @operation("deleteMyReaction", READER)
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, ReactionsSchema())
    def delete(self, site, article):
        """Retract the reader's vote on the article (reader token)."""
        return services().engagement.set_mood(site, article, reader_token(), None, lang())


@blp.route(ARTICLE + "/shares")
class Shares(MethodView):
    @operation("getShares", PUBLIC)
    @blp.doc(parameters=[LANG_PARAM])
    @blp.response(200, SharesSchema())
    def get(self, site, article):
        """Share counts of every channel, and the channels with their labels."""
        return services().engagement.shares(site, article, lang())

    @operation("postShare", READER_OPTIONAL, errors=[UnknownChannel])
    @blp.arguments(SharePostSchema())
    @blp.response(200, ShareResultSchema())
    def post(self, body, site, article):
        """Count a share; one per reader, article and channel per clock hour."""
        return services().engagement.share(site, article, body["channel"], reader_token())


@blp.route(ARTICLE + "/views", methods=["POST"])
@operation("postView", READER_OPTIONAL)
@blp.arguments(ViewPostSchema(), required=False)
@blp.response(200, ViewsSchema())
def add_view(body, site, article):
    """Page-view beacon; one view per visitor and article per 10 minutes."""
    return services().engagement.view(site, article, reader_token(), client_address())


@blp.route(ARTICLE)
class Article(MethodView):
    @operation("getArticle", PUBLIC)
    @blp.response(200, ArticleSummarySchema())
    def get(self, site, article):
        """The article's reactions, shares, views, comment count and metadata."""
        return services().engagement.summaries(site, [article])[0]


@blp.route("/articles")
class Articles(MethodView):
    @operation("getArticles", PUBLIC)
    @blp.arguments(ArticleIdsQueryArgsSchema(), location="query")
    @blp.response(200, ArticleListSchema())
    def get(self, args, site):
        """Summaries of up to 100 articles in one call, in the order asked."""
        return {"items": services().engagement.summaries(site, _article_ids(args["ids"]))}
