"""Paper ballots as council staff enter them: the paper ballot (whose voter, which budget, where it stands) and
each staff member's entry of it.

Two guarantees live in the database: one person never enters the same paper ballot twice (a unique constraint
over the paper ballot and the person), and a voter has at most one paper ballot per budget that is not
discarded (partial unique indexes, one per way of naming the voter). A paper ballot counts only when two entries
by different people agree; it is then stored as a :class:`~pbvote.voting.models.Ballot` with channel ``paper``,
so the tally, the counts and the close-voting digest treat it like any other ballot.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..i18n import _l
from ..rounds.models import Budget, VoterCode, VoterRollEntry, utcnow


class PaperStatus(str, enum.Enum):
    """Where a paper ballot stands."""

    AWAITING_SECOND = "awaiting_second"  # entered once: a second staff member must enter it
    MISMATCH = "mismatch"  # its entries disagree: a further entry or a discard resolves it
    COUNTED = "counted"  # two entries agree: stored as a ballot
    DISCARDED = "discarded"  # set aside with a reason: never counts

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    PaperStatus.AWAITING_SECOND: _l("Waiting for its second entry"),
    PaperStatus.MISMATCH: _l("Entries disagree"),
    PaperStatus.COUNTED: _l("Counted"),
    PaperStatus.DISCARDED: _l("Discarded"),
}


STATUS_VALUES = ", ".join(f"'{status.value}'" for status in PaperStatus)
NOT_DISCARDED = text("status <> 'discarded'")


class PaperBallot(db.Model):
    """One paper ballot of one voter (named by a roll entry or a voter code) for one budget."""

    __tablename__ = "paper_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"))
    roll_entry_id: Mapped[int | None] = mapped_column(ForeignKey("voter_roll_entry.id", ondelete="CASCADE"))
    voter_code_id: Mapped[int | None] = mapped_column(ForeignKey("voter_code.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=PaperStatus.AWAITING_SECOND.value)
    # The ballot it became once counted.
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballot.id", ondelete="SET NULL"))
    discard_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    budget: Mapped[Budget] = relationship()
    roll_entry: Mapped[VoterRollEntry | None] = relationship()
    voter_code: Mapped[VoterCode | None] = relationship()
    entries: Mapped[list[PaperEntry]] = relationship(
        back_populates="paper_ballot", cascade="all, delete-orphan", order_by="PaperEntry.id"
    )

    __table_args__ = (
        CheckConstraint(f"status IN ({STATUS_VALUES})", name="status_known"),
        CheckConstraint(
            "(roll_entry_id IS NOT NULL AND voter_code_id IS NULL) OR (roll_entry_id IS NULL AND voter_code_id IS NOT NULL)",
            name="one_voter_identity",
        ),
        # One paper ballot per voter and budget that is still in play (NULL identities never collide).
        Index("uq_paper_ballot_roll_entry", "budget_id", "roll_entry_id", unique=True,
              sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED),
        Index("uq_paper_ballot_voter_code", "budget_id", "voter_code_id", unique=True,
              sqlite_where=NOT_DISCARDED, postgresql_where=NOT_DISCARDED),
    )

    @property
    def status_enum(self) -> PaperStatus:
        return PaperStatus(self.status)

    @property
    def number(self) -> str:
        """The number staff write on the paper so the second entry and any resolution find it again."""
        return f"P-{self.id}"


class PaperEntry(db.Model):
    """One staff member's reading of a paper ballot (choices as on a ballot: proposal ids, normalised)."""

    __tablename__ = "paper_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_ballot_id: Mapped[int] = mapped_column(ForeignKey("paper_ballot.id", ondelete="CASCADE"))
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    choices: Mapped[list[int]] = mapped_column(JSON)
    points: Mapped[list[int] | None] = mapped_column(JSON)
    entered_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    paper_ballot: Mapped[PaperBallot] = relationship(back_populates="entries")
    entered_by: Mapped[User] = relationship()

    # Double entry means two different people: the same person can never enter one paper ballot twice.
    __table_args__ = (UniqueConstraint("paper_ballot_id", "entered_by_id"),)
