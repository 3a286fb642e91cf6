"""Deliberation: comments with a stance on proposals, their earlier versions, helpful marks, flags, appeals,
moderation acts, posting blocks, per-round settings, follows, notifications and mail preferences."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import _l


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Stance(str, enum.Enum):
    FOR = "for"
    AGAINST = "against"
    QUESTION = "question"
    NEUTRAL = "neutral"

    @property
    def label(self) -> str:
        return STANCE_LABELS[self]


STANCE_LABELS = {Stance.FOR: _l("For"), Stance.AGAINST: _l("Against"), Stance.QUESTION: _l("Question"),
                 Stance.NEUTRAL: _l("Neutral")}
STANCE_VALUES = tuple(stance.value for stance in Stance)


class CommentStatus(str, enum.Enum):
    """Who sees a comment's text: everyone (VISIBLE), only its author (PENDING, pre-moderation), nobody
    (FLAGGED: hidden by flags pending review; HIDDEN: by a moderator with a public reason; DELETED: by its
    author). Non-visible comments keep their place in the thread as a placeholder."""

    VISIBLE = "visible"
    PENDING = "pending"
    FLAGGED = "flagged"
    HIDDEN = "hidden"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return COMMENT_STATUS_LABELS[self]


#: A status as moderators read it ("Status: hidden").
COMMENT_STATUS_LABELS = {
    CommentStatus.VISIBLE: _l("visible"),
    CommentStatus.PENDING: _l("pending"),
    CommentStatus.FLAGGED: _l("flagged"),
    CommentStatus.HIDDEN: _l("hidden"),
    CommentStatus.DELETED: _l("deleted"),
}
COMMENT_STATUS_VALUES = tuple(status.value for status in CommentStatus)


class FlagReason(str, enum.Enum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    PERSONAL_DATA = "personal_data"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FLAG_REASON_LABELS[self]


FLAG_REASON_LABELS = {
    FlagReason.SPAM: _l("Spam or advertising"),
    FlagReason.ABUSE: _l("Abuse or harassment"),
    FlagReason.OFF_TOPIC: _l("Off-topic"),
    FlagReason.PERSONAL_DATA: _l("Personal data about someone"),
    FlagReason.OTHER: _l("Other (explain)"),
}


class ModerationKind(str, enum.Enum):
    """What a moderation act did; each is public in the round's moderation log."""

    AUTO_HIDDEN = "auto_hidden"  # enough flags from different people: hidden pending review
    APPROVED = "approved"  # a flagged or pending comment is fine: visible
    HIDDEN = "hidden"  # hidden with a public reason
    RESTORED = "restored"  # a hidden comment is visible again
    UPHELD = "upheld"  # an appeal was heard and the comment stays hidden
    BLOCKED = "blocked"  # an author may not post in the organisation for a period

    @property
    def label(self) -> str:
        return MODERATION_LABELS[self]


MODERATION_LABELS = {
    ModerationKind.AUTO_HIDDEN: _l("Hidden pending review (flagged by several people)"),
    ModerationKind.APPROVED: _l("Approved"),
    ModerationKind.HIDDEN: _l("Hidden by moderation"),
    ModerationKind.RESTORED: _l("Restored"),
    ModerationKind.UPHELD: _l("Appeal heard; stays hidden"),
    ModerationKind.BLOCKED: _l("Author blocked from posting"),
}


class DeliberationSettings(db.Model):
    """A round's deliberation rules; a round without a row uses the defaults in ``operations.py``."""

    __tablename__ = "deliberation_settings"

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), primary_key=True)
    # Round states in which residents may post (a list of state values).
    comment_states: Mapped[list[str]] = mapped_column(JSON)
    flag_threshold: Mapped[int] = mapped_column(default=3)
    # The first K posts of an account new to the organisation wait for a moderator (0: off).
    premoderate_first: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint("flag_threshold >= 1 AND flag_threshold <= 100", name="flag_threshold_range"),
        CheckConstraint("premoderate_first >= 0 AND premoderate_first <= 100", name="premoderate_first_range"),
    )


class Comment(db.Model):
    """A comment on a proposal. ``depth`` is 1 for top-level comments, at most 3; ``root_id`` is the top-level
    comment of its thread (itself for top-level ones) so a page of threads loads in one query; a reply to a
    depth-3 comment hangs under that comment's parent and keeps the person it answers in ``reply_to_id``."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    depth: Mapped[int] = mapped_column(default=1)
    stance: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=CommentStatus.VISIBLE.value)
    # The public reason shown in place of a comment a moderator hid.
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    helpful_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    author: Mapped[User] = relationship()
    revisions: Mapped[list[CommentRevision]] = relationship(
        back_populates="comment", cascade="all, delete-orphan", order_by="CommentRevision.id"
    )

    __table_args__ = (
        CheckConstraint(f"stance IN ({_in(STANCE_VALUES)})", name="stance_known"),
        CheckConstraint(f"status IN ({_in(COMMENT_STATUS_VALUES)})", name="status_known"),
        CheckConstraint("depth >= 1 AND depth <= 3", name="depth_range"),
        CheckConstraint("helpful_count >= 0", name="helpful_count_not_negative"),
        CheckConstraint("(depth = 1) = (parent_id IS NULL)", name="parent_matches_depth"),
        # Top-level pages are read by proposal in id order (oldest/newest) or by helpfulness: keyset indexes.
        Index("ix_comment_proposal_depth_id", "proposal_id", "depth", "id"),
        Index("ix_comment_proposal_depth_helpful", "proposal_id", "depth", "helpful_count", "id"),
        # Counts per stance and the most helpful of each stance (summaries) read only this index.
        Index("ix_comment_proposal_status_stance", "proposal_id", "status", "stance", "helpful_count", "id"),
        Index("ix_comment_round_status", "round_id", "status"),
    )

    @property
    def stance_enum(self) -> Stance:
        return Stance(self.stance)

    @property
    def status_enum(self) -> CommentStatus:
        return CommentStatus(self.status)

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.proposal_id} {self.stance} {self.status}>"


class CommentRevision(db.Model):
    """An earlier version of a comment, kept when its author edits it."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    stance: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    # When this version was written (the comment's creation or an earlier edit).
    written_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))

    comment: Mapped[Comment] = relationship(back_populates="revisions")


class HelpfulMark(db.Model):
    """A person found a comment helpful: one mark per person per comment."""

    __tablename__ = "comment_helpful"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)


class Flag(db.Model):
    """A report that a comment breaks the rules; one per person per comment. ``open`` until a moderator
    decides about the comment. Who flagged is never shown outside the moderation queue's counts."""

    __tablename__ = "comment_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("comment_id", "user_id"),
        CheckConstraint(f"reason IN ({_in(r.value for r in FlagReason)})", name="reason_known"),
    )


class Appeal(db.Model):
    """The author's one appeal against a moderation decision about their comment."""

    __tablename__ = "comment_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class ModerationAction(db.Model):
    """One public moderation act in a round: what, why and when (the acting moderator is kept, not shown)."""

    __tablename__ = "moderation_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(k.value for k in ModerationKind)})", name="kind_known"),
        Index("ix_moderation_action_round_id_id", "round_id", "id"),
    )

    @property
    def kind_enum(self) -> ModerationKind:
        return ModerationKind(self.kind)


class PostingBlock(db.Model):
    """``user`` may not post in ``organisation`` until ``until``, for the justification they are told."""

    __tablename__ = "posting_block"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    justification: Mapped[str] = mapped_column(Text)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_posting_block_user_organisation", "user_id", "organisation_id"),)


class Follow(db.Model):
    """A person follows a proposal: they hear of every new comment on it."""

    __tablename__ = "proposal_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))

    __table_args__ = (UniqueConstraint("user_id", "proposal_id"),)


class NotificationKind(str, enum.Enum):
    REPLY = "reply"  # someone answered your comment
    ON_OWN_PROPOSAL = "on_own_proposal"  # a comment on a proposal you wrote
    ON_FOLLOWED = "on_followed"  # a comment on a proposal you follow
    MODERATION = "moderation"  # a moderation decision about your comment or you
    PROJECT_UPDATE = "project_update"  # the council posted progress on a funded project you follow or wrote


class Notification(db.Model):
    """Something a person should hear about. The text is written when it is made and never quotes a comment,
    so hidden content cannot leak through a notification; ``url`` opens the comment or page concerned."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # The language ``text`` was written in (the recipient's when it was made), so pages can mark it.
    language: Mapped[str] = mapped_column(String(10), default="en_GB", server_default="en_GB")
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(k.value for k in NotificationKind)})", name="kind_known"),
        Index("ix_notification_user_id_id", "user_id", "id"),
    )


class MailPreference(db.Model):
    """Whether a person gets the daily digest by mail (off unless they turn it on), and when it last went."""

    __tablename__ = "notification_mail_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    last_digest_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
