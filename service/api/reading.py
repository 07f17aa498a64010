"""Reading lists (相关阅读, 推荐阅读): public, reader-independent GETs.

service/api/edge.py gives them the site's `cache_max_age`, an ETag and 304s like every
public answer, so a CDN in front serves most of them.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from schemas.reading import FeedQueryArgsSchema, FeedSchema, RelatedQueryArgsSchema, RelatedSchema
from ..errors import CursorExpired, InvalidCursor
from .context import services
from .operations import PUBLIC, operation

blp = Blueprint("reading", __name__, url_prefix="/v1/sites/<site>",
                description="Reading lists: 相关阅读 by how readers felt, 推荐阅读 by hot")


@blp.route("/articles/<article>/related")
@operation("getRelatedArticles", PUBLIC)
@blp.arguments(RelatedQueryArgsSchema, location="query")
@blp.response(200, RelatedSchema)
def related(args, site, article):
    """Articles whose readers felt the same way (相关阅读); the hot list when too few voted.

    Similarity of the smoothed mood distributions of the last 7 days' standing votes,
    preferring the same channel and recent articles (docs/reading.md).
    """
    return services().reading.related(site, article, args["limit"])


@blp.route("/feed")
@operation("getFeed", PUBLIC, errors=[InvalidCursor, CursorExpired])
@blp.arguments(FeedQueryArgsSchema, location="query")
@blp.response(200, FeedSchema)
def feed(args, site):
    """The site's or a channel's articles by hot (推荐阅读), paged by a signed cursor.

    The first page pins the order for a few minutes; following `next_cursor` never repeats
    or skips an article. An expired cursor is 409 `cursor_expired`: start again.
    """
    return services().reading.feed(site, args.get("channel"), args["limit"], args.get("cursor"))
