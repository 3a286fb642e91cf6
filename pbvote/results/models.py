"""A budget's tally: the rule, its parameters and tie-breaking, the outcome with its trace, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rounds.models import Budget, utcnow


class TallyResult(db.Model):
    """The outcome of tallying one budget's counted ballots with its stored rule (one per budget)."""

    __tablename__ = "tally_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id", ondelete="CASCADE"), unique=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSON)
    tie_breaking: Mapped[str] = mapped_column(String(40))
    ballots_counted: Mapped[int] = mapped_column()
    # Proposal ids in the order the rule funded them, and the full outcome (pbvote.tally.jsonable).
    selected: Mapped[list[int]] = mapped_column(JSON)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON)
    pbvote_version: Mapped[str] = mapped_column(String(20))
    computed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    budget: Mapped[Budget] = relationship()
