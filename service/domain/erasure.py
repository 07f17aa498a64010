"""Erasure of one reader (a privacy request under PIPL or GDPR; docs/data.md).

The reader's index names every article they voted on, commented on or voted a comment of.
For each, the reader's mood vote is retracted through the same write a reader's DELETE makes
(counts, rankings and hooks follow exactly), and one script deletes their comments (replies
to them stay, under a placeholder), blanks their text and author name, forgets the reader
on them, and takes their 顶/踩 out of every comment's counts. Running it again changes
nothing. What was erased (counts, never content) goes to the moderation history.
"""

from __future__ import annotations

import logging
from typing import Any

from .comment_model import HOT_PERIOD
from .history import Decision

log = logging.getLogger("xinqing.data")


class Erasure:
    def __init__(self, store, engagement, comments, refs, history=None) -> None:
        self.store = store               # service.store.portability.PortabilityStore
        self.engagement = engagement
        self.comments = comments
        self.refs = refs                 # service.domain.moderation.AuthorRefs
        self.history = history           # service.domain.history.ModerationHistory

    def reader_of(self, site_id: str, token: str | None) -> dict[str, str]:
        """Return the reader id of a token (what a privacy request names)."""
        self.engagement.sites.get(site_id)
        return {"site": site_id,
                "reader": self.engagement.reader(site_id, token, required=True)}

    def erase(self, site_id: str, reader: str, actor: str = "editor") -> dict[str, Any]:
        """Erase one reader's votes, 顶/踩 and comments on the site; return what was erased."""
        site = self.engagement.sites.get(site_id)
        articles = self.store.reader_articles(site_id, reader)
        votes = comments = comment_votes = 0
        for article in articles:
            if self.engagement.hold(site, article, reader, None).changed:
                votes += 1
            erased = self.store.erase_comments(site_id, article, reader, HOT_PERIOD)
            comment_votes += erased.comment_votes
            for comment in erased.comments:
                comments += 1
                self.comments.follow_erasure(site_id, article, comment.seq, comment.old,
                                             comment.delta, comment.created)
        # Only the articles visited leave the index: one the reader touched meanwhile stays.
        self.store.forget_articles(site_id, reader, articles)
        result = {"site": site_id, "reader": reader, "articles": len(articles), "votes": votes,
                  "comments": comments, "comment_votes": comment_votes}
        if votes or comments or comment_votes:
            log.info("erased reader data on %s: %d votes, %d comments, %d comment votes over "
                     "%d articles", site_id, votes, comments, comment_votes, len(articles))
            if self.history is not None:
                # The author ref editors know the reader by (bans, the queue), not the
                # reader id; what was erased is in the answer and the log, never content.
                self.history.record(site_id, Decision.READER_ERASED, actor,
                                    author=self.refs.author(site_id, reader))
        return result
