"""Plain factory functions for comments, shared by the deliberation tests and tests/web/routes.py."""

from __future__ import annotations

from typing import Any

from pbvote.deliberation.models import Comment
from pbvote.extensions import db


def make_comment(proposal: Any, author: Any, *, body: str = "I support this.", stance: str = "for",
                 parent: Comment | None = None, status: str = "visible", reason: str | None = None) -> Comment:
    """A committed comment (or reply to ``parent``) with the bookkeeping post_comment does (root, depth)."""
    comment = Comment(proposal_id=proposal.id, round_id=proposal.round_id, author_id=author.id, body=body,
                      stance=stance, status=status, moderation_reason=reason)
    if parent is not None:
        comment.parent_id, comment.depth, comment.root_id = parent.id, parent.depth + 1, parent.root_id
    db.session.add(comment)
    db.session.flush()
    if parent is None:
        comment.root_id = comment.id
    db.session.commit()
    return comment
