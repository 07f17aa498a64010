"""Listing comments: pages of an article's comments (new, old, hot) and of one comment's
replies, as the public sees them, with signed keyset cursors (service.domain.cursors).

A non-published comment that still has published replies is listed as a placeholder (no
author, no body, status `deleted`), so its replies keep their place. Every page carries the
version label it was read at (the store's per-article comment version), which the HTTP layer
uses as the page cache's key and the ETag.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

from ..errors import CommentNotFound
from .comment_model import COMMENT_SEQ_MAX, CommentState, Sort, Status, parse_id
from .cursors import CursorCodec


# Read once: an enum member's .value is a property, and a 50-comment page (the hot read
# path) would look them up a hundred times.
_PUBLISHED, _PUBLISHED_TEXT, _DELETED_TEXT = Status.PUBLISHED, Status.PUBLISHED.value, \
    Status.DELETED.value


class LabelledPage(NamedTuple):
    """A page as answered, and the version label of the data it shows."""

    body: dict[str, Any]
    label: str


def public_view(article: str, seq: int | str, state: CommentState, content: dict[str, Any],
                mine: str | None = None, with_mine: bool = False) -> dict[str, Any]:
    """Return a comment as public listings show it; a non-published one is a placeholder."""
    shown = state.status is _PUBLISHED
    votes = {"up": state.up, "down": state.down}
    if with_mine:
        votes["mine"] = mine or None
    return {
        "id": f"{article}~{seq}",
        "article": article,
        "parent": f"{article}~{state.parent}" if state.parent else None,
        "author": {"name": content["n"] if shown else ""},
        "body": content["b"] if shown else "",
        "created_at": content["at"],
        "status": _PUBLISHED_TEXT if shown else _DELETED_TEXT,
        "votes": votes,
        "reply_count": state.replies,
        "featured": state.featured,
    }


def own_view(article: str, seq: int, state: CommentState,
             content: dict[str, Any]) -> dict[str, Any]:
    """Return a comment as its author or an editor sees it: the real status and body."""
    view = public_view(article, seq, state, content)
    view.update(status=state.status.value, body=content["b"], author={"name": content["n"]})
    return view


def _items(article: str, seqs: list[str], states: list[CommentState | None],
           contents: list[str], mines: list[str], with_mine: bool) -> list[dict | None]:
    """Return the public view of each stored comment of a page; None where a comment
    vanished between the index and its records."""
    items: list[dict | None] = []
    for i, seq in enumerate(seqs):
        state, content = states[i], contents[i]
        if state is None or not content:
            items.append(None)
            continue
        items.append(public_view(article, seq, state, orjson.loads(content),
                                 mines[i] if with_mine else None, with_mine))
    return items


class CommentListing:
    """Read pages of comments for readers (public, cacheable) and for one reader (with 顶/踩)."""

    def __init__(self, store, sites, engagement, cursors: CursorCodec) -> None:
        self.store = store              # service.store.comments.CommentStore
        self.sites = sites
        self.engagement = engagement    # reader tokens
        self.cursors = cursors

    def version(self, site_id: str, article: str) -> str:
        """Return the label of the article's listings as they are now (service.api.pagecache)."""
        return self.store.version(site_id, article)

    def top_level(self, site_id: str, article: str, sort: Sort, limit: int,
                  cursor: str | None, token: str | None) -> LabelledPage:
        """Read a page of top-level comments with their first replies."""
        site = self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=False)
        scope = f"list|{site_id}|{article}|{sort.value}"
        after = self.cursors.decode(scope, cursor)
        page = self.store.page(
            site_id, article, sort_key="hot" if sort is Sort.HOT else "seq",
            desc=sort is not Sort.OLD, lo="-inf", hi="+inf",
            cursor=(after.score, after.seq(COMMENT_SEQ_MAX)) if after else None, limit=limit,
            preview=int(site.settings["comment_replies_preview"]), reader=reader, public=True)
        return LabelledPage({
            "items": self._body(article, page, reader is not None, nested=True),
            "next_cursor": self.cursors.encode(scope, page.scores[-1], page.seqs[-1])
            if page.more and page.seqs else None,
            "count": page.count,
            # the site's limit, so a form can count against it before posting
            "max_length": int(site.settings["comment_max_length"]),
        }, page.version)

    def replies(self, site_id: str, comment_id: str, limit: int, cursor: str | None,
                token: str | None) -> LabelledPage:
        """Read a page of one comment's replies, oldest first."""
        self.sites.get(site_id)
        reader = self.engagement.reader(site_id, token, required=False)
        article, seq = parse_id(comment_id)
        scope = f"replies|{site_id}|{comment_id}"
        after = self.cursors.decode(scope, cursor)
        page = self.store.reply_page(site_id, article, seq,
                                     after=after.seq(COMMENT_SEQ_MAX) if after else None,
                                     limit=limit, reader=reader)
        if not page.seqs and after is None:
            if self.store.record(site_id, article, seq).state is None or page.down:
                raise CommentNotFound(details={"id": comment_id})
        return LabelledPage({
            "items": self._body(article, page, reader is not None, nested=False),
            "next_cursor": self.cursors.encode(scope, page.scores[-1], page.seqs[-1])
            if page.more and page.seqs else None,
        }, page.version)

    @staticmethod
    def _body(article: str, page, with_mine: bool, nested: bool) -> list[dict]:
        """Return the page's items, each with its inlined replies when `nested`."""
        items = _items(article, page.seqs, page.states, page.contents, page.mines, with_mine)
        if nested:
            for item in items:
                if item is not None:
                    item["replies"] = []
            replies = _items(article, page.reply_seqs, page.reply_states, page.reply_contents,
                             page.reply_mines, with_mine)
            for owner, reply in zip(page.owners, replies):
                parent = items[owner - 1]
                if reply is not None and parent is not None:
                    parent["replies"].append(reply)
        return [item for item in items if item is not None]
