"""Proposals residents submit to a round, their cost lines, co-authors, revisions, status history and the
council's exclusion groups."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import _l


def utcnow() -> datetime:
    return datetime.now(UTC)


class ProposalStatus(str, enum.Enum):
    """Where a proposal stands. Only FEASIBLE proposals reach the ballot."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """The status in the request's language."""
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ProposalStatus.SUBMITTED: _l("Submitted"),
    ProposalStatus.WITHDRAWN: _l("Withdrawn"),
    ProposalStatus.FEASIBLE: _l("Feasible"),
    ProposalStatus.NOT_FEASIBLE: _l("Not feasible"),
    ProposalStatus.MERGED: _l("Merged"),
}
STATUS_VALUES = tuple(status.value for status in ProposalStatus)


class CoauthorStatus(str, enum.Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class RevisionKind(str, enum.Enum):
    SUBMITTED = "submitted"  # the first version
    EDITED = "edited"  # an author's edit
    COST_REVISED = "cost_revised"  # the council revised the cost during review (with a reason)


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class Proposal(db.Model):
    """A project a resident proposes for a round. ``total_cost`` is the sum of its cost items (minor units)."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    total_cost: Mapped[int] = mapped_column(BigInteger)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    location: Mapped[str] = mapped_column(String(200), default="")
    # The language the texts are written in (pbvote.i18n.LANGUAGES), set at submission; None: the organisation's
    # default. Translations (pbvote/content_languages) fall back to these texts.
    language: Mapped[str | None] = mapped_column(String(10))
    image_filename: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.SUBMITTED.value)
    # The public reason for the current status (feasibility decision, merge); the full story is in history.
    status_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    # The number of visible comments, recounted by deliberation after every change to the proposal's
    # discussion (pbvote/deliberation/operations.py); sorting by "most discussed" reads it.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Case-folded title, summary and description: portable full-text search with LIKE on every database.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    cost_items: Mapped[list[CostItem]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="CostItem.position"
    )
    coauthors: Mapped[list[Coauthor]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Coauthor.id"
    )
    revisions: Mapped[list[ProposalRevision]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalRevision.number"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="StatusChange.id"
    )
    merged_into: Mapped[Proposal | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("total_cost >= 0", name="total_cost_not_negative"),
        CheckConstraint(f"status IN ({_in(STATUS_VALUES)})", name="status_known"),
        CheckConstraint("comment_count >= 0", name="comment_count_not_negative"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        # The list page filters by round first, then sorts by one of these.
        Index("ix_proposal_round_created", "round_id", "created_at"),
        Index("ix_proposal_round_cost", "round_id", "total_cost"),
        Index("ix_proposal_round_comments", "round_id", "comment_count"),
        Index("ix_proposal_round_status", "round_id", "status"),
        Index("ix_proposal_round_district", "round_id", "district_id"),
        Index("ix_proposal_round_category", "round_id", "category_id"),
    )

    @property
    def status_enum(self) -> ProposalStatus:
        return ProposalStatus(self.status)

    @property
    def accepted_coauthors(self) -> list[Coauthor]:
        return [c for c in self.coauthors if c.status == CoauthorStatus.ACCEPTED.value]

    def is_author(self, user: Any) -> bool:
        """True for the author and for co-authors who accepted (the people who may edit it)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return user.id == self.author_id or any(c.user_id == user.id for c in self.accepted_coauthors)

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r}>"


class CostItem(db.Model):
    """One line of a proposal's cost: what it pays for and how much (minor units)."""

    __tablename__ = "proposal_cost_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)

    proposal: Mapped[Proposal] = relationship(back_populates="cost_items")

    __table_args__ = (
        UniqueConstraint("proposal_id", "position"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )


class Coauthor(db.Model):
    """An invitation to co-author a proposal, sent to an email address; accepted ones may edit."""

    __tablename__ = "proposal_coauthor"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CoauthorStatus.INVITED.value)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    proposal: Mapped[Proposal] = relationship(back_populates="coauthors")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("proposal_id", "email"),
        CheckConstraint(f"status IN ({_in(s.value for s in CoauthorStatus)})", name="status_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )


class ProposalRevision(db.Model):
    """One version of a proposal: who changed it, when, and what (field → [old, new])."""

    __tablename__ = "proposal_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="revisions")
    editor: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("proposal_id", "number"),
        CheckConstraint(f"kind IN ({_in(k.value for k in RevisionKind)})", name="kind_known"),
    )


class StatusChange(db.Model):
    """A step in a proposal's public status history."""

    __tablename__ = "proposal_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="status_changes")
    actor: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(f"to_status IN ({_in(STATUS_VALUES)})", name="to_status_known"),)

    @property
    def to_label(self) -> str:
        return ProposalStatus(self.to_status).label


class ExclusionGroup(db.Model):
    """Proposals that compete for one thing (a site): at most one of them can be funded."""

    __tablename__ = "proposal_exclusion_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    members: Mapped[list[ExclusionMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="ExclusionMember.proposal_id"
    )

    @property
    def proposals(self) -> list[Proposal]:
        return [member.proposal for member in self.members]


class ExclusionMember(db.Model):
    __tablename__ = "proposal_exclusion_member"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_exclusion_group.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    group: Mapped[ExclusionGroup] = relationship(back_populates="members")
    proposal: Mapped[Proposal] = relationship()
