"""Progress updates the council posts on a funded project after the results are published."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import _l
from ..proposals.models import Proposal
from ..rounds.models import utcnow


class DeliveryStatus(str, enum.Enum):
    """Where a funded project's delivery stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status in the request's language."""
        return str(DELIVERY_STATUS_LABELS[self])


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PLANNED: _l("Planned"),
    DeliveryStatus.IN_PROGRESS: _l("In progress"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.CANCELLED: _l("Cancelled"),
}
DELIVERY_STATUS_VALUES = tuple(status.value for status in DeliveryStatus)


class ProgressUpdate(db.Model):
    """One progress update on a funded project: its status then, the date it reports on, a Markdown text, an
    optional re-encoded photo and the money spent so far (minor units of the round's currency). A cancelled
    project's update carries the public reason."""

    __tablename__ = "progress_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    reported_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    image_filename: Mapped[str | None] = mapped_column(String(64))
    spent: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    proposal: Mapped[Proposal] = relationship()
    author: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(v) for v in DELIVERY_STATUS_VALUES)})", name="status_known"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
        CheckConstraint("status <> 'cancelled' OR (reason IS NOT NULL AND reason <> '')",
                        name="cancelled_has_reason"),
        # A project's timeline, newest first, and its current status (the newest update).
        Index("ix_progress_update_proposal_reported", "proposal_id", "reported_on", "id"),
    )

    @property
    def status_enum(self) -> DeliveryStatus:
        return DeliveryStatus(self.status)

    def __repr__(self) -> str:
        return f"<ProgressUpdate {self.id} on {self.proposal_id} {self.status}>"
