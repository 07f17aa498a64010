"""Comments: public listing and posting, 顶/踩, deletion, the editors' queue and bans.

Views only parse (schemas), call service.domain.comments, and serialize. The two listing
views (a page of comments, a page of replies) return the domain's dicts with jsonify instead
of dumping them through marshmallow: a 50-comment page is the hot read path, and the domain
builds exactly the documented fields (tests/test_comments_api.py checks the listing against
CommentPageSchema so the two cannot drift).
"""

from __future__ import annotations

import functools

from flask import current_app, jsonify, request
from flask.views import MethodView

from schemas.comments import (
    BanListSchema,
    BanOutSchema,
    BanSchema,
    CommentBanSchema,
    CommentListQueryArgsSchema,
    CommentPageSchema,
    CommentPostSchema,
    CommentSchema,
    DeletedSchema,
    EditorCommentSchema,
    ModerateSchema,
    ModerationPageSchema,
    ModerationQueryArgsSchema,
    MyVotesQueryArgsSchema,
    MyVotesSchema,
    RepliesQueryArgsSchema,
    ReplyPageSchema,
    VoteResultSchema,
    VoteSchema,
)
from ..domain.comment_model import Action, Sort, Status, Vote, parse_id
from ..domain.comments import PostRequest
from ..errors import (
    BanNotFound,
    CommentNotVotable,
    CommentRejected,
    CommentsClosed,
    DuplicateComment,
    IdempotencyKeyReused,
    InvalidCursor,
    InvalidId,
    InvalidIdempotencyKey,
    InvalidTransition,
    NotCommentAuthor,
    ParentClosed,
    ReaderBanned,
)
from .blueprint import Blueprint
from .context import client_address, reader_token, require_editor, services
from .edge import cache_publicly
from .history import acting_as
from .operations import AUTHOR_OR_EDITOR, EDITOR, READER, READER_OPTIONAL, operation

blp = Blueprint("comments", __name__, url_prefix="/v1/sites/<site>",
                description="Comments (加载更多 paging), 顶/踩, moderation and bans")

COMMENT = "/comments/<comment_id>"


# The settings a public page shows besides the article's data.
_PAGE_SETTINGS = ("comment_replies_preview", "comment_max_length")


def _public_key(settings: dict) -> tuple:
    """A public page is a function of its URL, the article's data and _PAGE_SETTINGS."""
    return (request.path, request.query_string, *(settings[name] for name in _PAGE_SETTINGS))


def _public_response(response, label: str, settings: dict):
    """A public page: its version label and _PAGE_SETTINGS make its ETag."""
    shown = ".".join(str(settings[name]) for name in _PAGE_SETTINGS)
    return cache_publicly(response, settings["cache_max_age"], etag=f"{label}.{shown}")


def cached_public_page(article_of):
    """Answer a public listing from the page cache while it is exact (pagecache.py).

    Runs before the query schema: an entry exists only for a URL whose query already passed
    it, and what the entry holds is exactly what that URL renders at this version, so a hit
    skips parsing, reading and rendering. Misses and reader views go to the view."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            svc = services()
            if svc.page_cache.enabled and not reader_token():
                site = kwargs["site"]
                settings = svc.sites.get(site).settings
                label = svc.comment_listing.version(site, article_of(kwargs))
                body = svc.page_cache.get(_public_key(settings), label)
                if body is not None:
                    response = current_app.response_class(body, mimetype="application/json")
                    response.headers["X-Content-Type-Options"] = "nosniff"
                    return _public_response(response, label, settings)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _page(site: str, render):
    """Render a listing. A reader's own view (votes.mine) is private; a public one is kept in
    the page cache under the version it was read at, which is also its ETag, and may sit in
    a CDN for the site's cache_max_age seconds."""
    svc = services()
    page = render()
    response = jsonify(page.body)
    if reader_token():
        return response  # the edge hook makes a reader's answer private, no-store
    settings = svc.sites.get(site).settings
    if svc.page_cache.enabled:
        svc.page_cache.put(_public_key(settings), page.label, response.get_data())
    return _public_response(response, page.label, settings)


# GET and POST are separate endpoints so that only the write carries the rate-limit wrapper
# (service/api/limits.py); schemas are passed as instances so none is built per request.
@blp.route("/articles/<article>/comments", methods=["GET"], endpoint="list_comments")
@operation("getComments", READER_OPTIONAL, errors=[InvalidCursor])
@cached_public_page(lambda kwargs: kwargs["article"])
@blp.arguments(CommentListQueryArgsSchema(), location="query")
@blp.response(200, CommentPageSchema)
def list_comments(args, site, article):
    """A page of top-level comments with their first replies; follow next_cursor."""
    return _page(site,
                 lambda: services().comment_listing.top_level(
                     site, article, Sort(args["sort"]), args["limit"], args["cursor"],
                     reader_token()))


IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "makes a retry safe: a POST with the same key and the same fields (from "
                   "the same reader, within 24 hours) answers what the first one created, "
                   "with `Idempotent-Replayed: true`, and creates nothing; the same key with "
                   "other fields is 422 idempotency_key_reused",
}


@blp.route("/articles/<article>/comments", methods=["POST"], endpoint="post_comment")
@operation("postComment", READER, errors=[ReaderBanned, CommentsClosed, DuplicateComment,
                                          ParentClosed, CommentRejected, InvalidIdempotencyKey,
                                          IdempotencyKeyReused])
@blp.arguments(CommentPostSchema())
@blp.doc(parameters=[IDEMPOTENCY_PARAM])
@blp.response(201, CommentSchema)
def post_comment(body, site, article):
    """Post a comment or reply (reader token); status published or pending."""
    posted = services().comments.post(PostRequest(
        site, article, reader_token(), body["body"], author_name=body["author_name"],
        parent_id=body["parent"], idempotency_key=request.headers.get("Idempotency-Key"),
        client_address=client_address()))
    if posted.replayed:
        return posted.comment, 201, {"Idempotent-Replayed": "true"}
    return posted.comment


@blp.route("/articles/<article>/comments/votes", methods=["GET"])
@operation("getMyCommentVotes", READER, errors=[InvalidId])
@blp.arguments(MyVotesQueryArgsSchema(), location="query")
@blp.response(200, MyVotesSchema)
def my_votes(args, site, article):
    """The reader's 顶/踩 on listed comments (reader token): keeps the listing itself public."""
    return services().comments.my_votes(site, article, reader_token(), args["ids"])


@blp.route(COMMENT + "/replies")
@operation("getReplies", READER_OPTIONAL, errors=[InvalidCursor])
@cached_public_page(lambda kwargs: parse_id(kwargs["comment_id"])[0])
@blp.arguments(RepliesQueryArgsSchema(), location="query")
@blp.response(200, ReplyPageSchema)
def replies(args, site, comment_id):
    """A page of one comment's published replies, oldest first."""
    return _page(site,
                 lambda: services().comment_listing.replies(
                     site, comment_id, args["limit"], args["cursor"], reader_token()))


@blp.route(COMMENT + "/vote")
class CommentVote(MethodView):
    @operation("putCommentVote", READER, errors=[CommentNotVotable])
    @blp.arguments(VoteSchema())
    @blp.response(200, VoteResultSchema)
    def put(self, body, site, comment_id):
        """顶 (up) or 踩 (down) a published comment (reader token); one standing vote each."""
        return services().comments.vote(site, comment_id, reader_token(), Vote(body["vote"]))

    @operation("deleteCommentVote", READER, errors=[CommentNotVotable])
    @blp.response(200, VoteResultSchema)
    def delete(self, site, comment_id):
        """Retract the reader's vote on the comment."""
        return services().comments.vote(site, comment_id, reader_token(), None)


@blp.route(COMMENT)
class Comment(MethodView):
    @operation("getComment", EDITOR)
    @blp.response(200, EditorCommentSchema)
    def get(self, site, comment_id):
        """One comment in any status, with its author ref and hold reasons (editor)."""
        return services().moderation.comment(site, comment_id)

    @operation("deleteComment", AUTHOR_OR_EDITOR, errors=[NotCommentAuthor, InvalidTransition])
    @blp.response(200, DeletedSchema)
    def delete(self, site, comment_id):
        """Delete a comment: its author (reader token) or an editor (Bearer token).

        A deleted comment with published replies stays listed as an empty placeholder."""
        as_editor = request.headers.get("Authorization") is not None
        if as_editor:
            require_editor(site)
        return services().comments.delete(site, comment_id, reader_token(), as_editor,
                                          acting_as() if as_editor else None)


@blp.route(COMMENT + "/moderate", methods=["POST"])
@operation("postModeration", EDITOR, errors=[InvalidTransition])
@blp.arguments(ModerateSchema())
@blp.response(200, EditorCommentSchema)
def moderate(body, site, comment_id):
    """approve / reject / spam / feature / unfeature (editor); 409 if the status forbids it."""
    return services().moderation.moderate(site, comment_id, Action(body["action"]), acting_as())


@blp.route("/moderation")
@operation("getModerationQueue", EDITOR, errors=[InvalidCursor])
@blp.arguments(ModerationQueryArgsSchema(), location="query")
@blp.response(200, ModerationPageSchema)
def moderation_queue(args, site):
    """The editors' queue: comments in one status (default pending, oldest first)."""
    return services().moderation.queue(site, Status(args["status"]), args["limit"],
                                       args["cursor"])


@blp.route(COMMENT + "/ban", methods=["POST"])
@operation("postCommentBan", EDITOR)
@blp.arguments(CommentBanSchema())
@blp.response(200, BanOutSchema)
def ban_author(body, site, comment_id):
    """Ban the author of this comment from commenting on the site (editor); with
    `network: true`, also the client network the comment came from."""
    return services().bans.ban_author(site, comment_id, body["reason"], body["days"],
                                      body["network"], acting_as())


@blp.route("/bans")
@operation("getBans", EDITOR)
@blp.response(200, BanListSchema)
def list_bans(site):
    """Every ban of the site (editor)."""
    return services().bans.list(site)


@blp.route("/bans/<ref>")
class Ban(MethodView):
    @operation("putBan", EDITOR)
    @blp.arguments(BanSchema())
    @blp.response(200, BanOutSchema)
    def put(self, body, site, ref):
        """Ban the author with this ref (from a moderation item's author.ref) (editor)."""
        return services().bans.ban(site, ref, body["reason"], body["days"], acting_as())

    @operation("deleteBan", EDITOR, errors=[BanNotFound])
    @blp.response(204)
    def delete(self, site, ref):
        """Lift a ban (editor)."""
        services().bans.unban(site, ref, acting_as())
