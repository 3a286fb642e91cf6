"""Ballots: every ballot cast (current or superseded), the voter's draft, and the receipt's tracking code.

One current ballot per voter per budget is a database guarantee: a unique index over (budget, voter) that
covers only rows not yet superseded. Replacing a ballot marks the old row superseded and inserts the new one in
the same transaction; two concurrent casts by one voter cannot both leave a current row, whatever the
application does (the loser's insert fails and it retries on top of the winner).

Secrecy: ``voter_id`` links a ballot to its voter only so that the voter can change it and nobody can vote
twice. No page, export or API response shows another person's ballot; exports use random ids.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rounds.models import Budget, RoundVoter, utcnow


class BallotChannel(str, enum.Enum):
    """How a ballot reached the database."""

    WEB = "web"
    API = "api"
    PAPER = "paper"


CHANNEL_VALUES = ", ".join(f"'{channel.value}'" for channel in BallotChannel)


class Ballot(db.Model):
    """A ballot as cast. ``choices`` are proposal ids (in rank order for ranked ballots, ascending otherwise);
    ``points`` gives each choice's points on points ballots (else None)."""

    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("round_voter.id", ondelete="CASCADE"), index=True)
    choices: Mapped[list[int]] = mapped_column(JSON)
    points: Mapped[list[int] | None] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(10), default=BallotChannel.WEB.value)
    # Receipt: the readable code (groups of the SHA-256 below), the full digest and the salt that made it.
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    # The draft version this ballot was cast from (web pages): a repeated submission of the same review page
    # is recognised and answered with this ballot instead of a second one.
    draft_version: Mapped[int | None] = mapped_column()
    cast_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    budget: Mapped[Budget] = relationship()
    voter: Mapped[RoundVoter] = relationship()

    __table_args__ = (
        # The guarantee: at most one ballot per voter per budget that is not superseded.
        Index(
            "uq_ballot_current",
            "budget_id",
            "voter_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        # Counting a budget's current ballots reads this index only.
        Index("ix_ballot_budget_superseded", "budget_id", "superseded_at"),
        CheckConstraint(f"channel IN ({CHANNEL_VALUES})", name="channel_known"),
    )

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class BallotDraft(db.Model):
    """What a voter has put on a budget's ballot so far (kept across reloads and devices until cast).

    ``version`` grows with every change and goes on from the version of the voter's current ballot; the
    review page carries it, so a submission made from a page that no longer shows the draft (changed in
    another tab) is refused as stale, and the same page submitted twice casts once.
    """

    __tablename__ = "ballot_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("round_voter.id", ondelete="CASCADE"))
    choices: Mapped[list[int]] = mapped_column(JSON, default=list)
    points: Mapped[list[int] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (db.UniqueConstraint("budget_id", "voter_id"),)
