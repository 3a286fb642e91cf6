"""Rounds, their phases, districts, categories, budgets with ballot settings, voters and the event log.

Money is stored as integer minor units (cents); times are stored in UTC and shown in the round's timezone.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Organisation, User
from ..extensions import db
from ..i18n import _l


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes even for timezone-aware columns; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class RoundState(str, enum.Enum):
    """The lifecycle states of a round, in order (see ``lifecycle.py`` for what each allows)."""

    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    DELIBERATION = "deliberation"
    VOTING = "voting"
    TALLIED = "tallied"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The phase's name in the request's language ("Voting", "Pleidleisio", "Głosowanie")."""
        return str(STATE_LABELS[self])


STATE_LABELS = {
    RoundState.DRAFT: _l("Draft"),
    RoundState.PROPOSALS: _l("Proposals"),
    RoundState.REVIEW: _l("Review"),
    RoundState.DELIBERATION: _l("Deliberation"),
    RoundState.VOTING: _l("Voting"),
    RoundState.TALLIED: _l("Tallied"),
    RoundState.PUBLISHED: _l("Published"),
    RoundState.ARCHIVED: _l("Archived"),
}


STATE_VALUES = tuple(state.value for state in RoundState)

#: States that have a scheduled phase (a start and an end a council sets in advance).
PHASE_STATES = (RoundState.PROPOSALS, RoundState.REVIEW, RoundState.DELIBERATION, RoundState.VOTING)


class BudgetScope(str, enum.Enum):
    CITYWIDE = "citywide"
    DISTRICT = "district"
    CATEGORY = "category"


class BallotType(str, enum.Enum):
    APPROVAL = "approval"
    RANKED = "ranked"
    KNAPSACK = "knapsack"
    POINTS = "points"

    @property
    def label(self) -> str:
        return str(BALLOT_TYPE_LABELS[self])


BALLOT_TYPE_LABELS = {
    BallotType.APPROVAL: _l("Approval"),
    BallotType.RANKED: _l("Ranked"),
    BallotType.KNAPSACK: _l("Knapsack"),
    BallotType.POINTS: _l("Points"),
}


class VoterSource(str, enum.Enum):
    """How a person became a voter of a round."""

    REGISTRATION = "registration"
    ROLL = "roll"
    CODE = "code"


class PaperPolicy(str, enum.Enum):
    """What a round allows a voter who votes both on paper and online (see ``pbvote/paper``)."""

    ONE_CHANNEL = "one_channel"  # whoever voted on paper cannot vote online, and the reverse
    LATEST_COUNTS = "latest_counts"  # both are allowed; the ballot stored last replaces the earlier one

    @property
    def label(self) -> str:
        return str(PAPER_POLICY_LABELS[self])


#: Lazy: the paper policy form's choices are built at import time and shown in each request's language.
PAPER_POLICY_LABELS = {
    PaperPolicy.ONE_CHANNEL: _l("A voter votes on paper or online, not both: whoever voted one way is refused "
                                "the other"),
    PaperPolicy.LATEST_COUNTS: _l("A voter may vote both ways: the ballot stored last replaces the earlier one"),
}


class Round(db.Model):
    """A participatory-budgeting round of an organisation."""

    __tablename__ = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    state: Mapped[str] = mapped_column(String(20), default=RoundState.DRAFT.value)
    # Residents may register themselves as voters (choosing their district); a roll and codes work alongside.
    open_registration: Mapped[bool] = mapped_column(default=True)
    # Whether paper and online ballots of one voter exclude each other; frozen once voting opens.
    paper_policy: Mapped[str] = mapped_column(String(20), default=PaperPolicy.ONE_CHANNEL.value)
    # Set for rounds imported from a .pb file: read-only history, never edited.
    imported: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    districts: Mapped[list[District]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="District.position, District.id"
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Category.position, Category.id"
    )
    budgets: Mapped[list[Budget]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Budget.id"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Phase.starts_at"
    )

    __table_args__ = (
        CheckConstraint(f"state IN ({_in(STATE_VALUES)})", name="state_known"),
        CheckConstraint("length(currency) = 3", name="currency_code"),
        CheckConstraint(f"paper_policy IN ({_in(p.value for p in PaperPolicy)})", name="paper_policy_known"),
    )

    @property
    def state_enum(self) -> RoundState:
        return RoundState(self.state)

    def phase_for(self, state: RoundState | str) -> Phase | None:
        value = RoundState(state).value
        return next((phase for phase in self.phases if phase.state == value), None)

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.name!r} {self.state}>"


class Phase(db.Model):
    """The scheduled window of one lifecycle state: the round enters ``state`` at ``starts_at`` (UTC) and is
    due to leave it at ``ends_at``. Either may be empty: that transition is then manual."""

    __tablename__ = "round_phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    round: Mapped[Round] = relationship(back_populates="phases")

    __table_args__ = (
        UniqueConstraint("round_id", "state"),
        CheckConstraint(f"state IN ({_in(STATE_VALUES)})", name="state_known"),
        CheckConstraint("starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at", name="starts_before_end"),
    )

    @property
    def starts_at_utc(self) -> datetime | None:
        return as_utc(self.starts_at)

    @property
    def ends_at_utc(self) -> datetime | None:
        return as_utc(self.ends_at)


class District(db.Model):
    """A part of the area a round covers; proposals, budgets and voters may belong to one."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="districts")

    __table_args__ = (UniqueConstraint("round_id", "name"),)

    def __repr__(self) -> str:
        return f"<District {self.name!r}>"


class Category(db.Model):
    """A theme (parks, streets, culture …) proposals and budgets may belong to."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="categories")

    __table_args__ = (UniqueConstraint("round_id", "name"),)

    def __repr__(self) -> str:
        return f"<Category {self.name!r}>"


BALLOT_VALUES = tuple(kind.value for kind in BallotType)
SCOPE_VALUES = tuple(scope.value for scope in BudgetScope)


class Budget(db.Model):
    """An amount of money for projects citywide, in one district or in one category, with its ballot settings.

    Ballot settings (type, limits, allocation rule and parameters, explanation) freeze when voting opens.
    """

    __tablename__ = "budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    scope: Mapped[str] = mapped_column(String(20), default=BudgetScope.CITYWIDE.value)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    min_project_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    max_project_cost: Mapped[int | None] = mapped_column(BigInteger)

    # Ballot settings.
    ballot_type: Mapped[str] = mapped_column(String(20), default=BallotType.APPROVAL.value)
    min_picks: Mapped[int | None] = mapped_column()  # approval
    max_picks: Mapped[int | None] = mapped_column()  # approval
    min_ranks: Mapped[int | None] = mapped_column()  # ranked
    max_ranks: Mapped[int | None] = mapped_column()  # ranked
    points_per_rank: Mapped[list[int] | None] = mapped_column(JSON)  # ranked: points for rank 1, 2, …
    min_spend_percent: Mapped[int | None] = mapped_column()  # knapsack: share of the budget a ballot must spend
    points_total: Mapped[int | None] = mapped_column()  # points
    points_per_project_max: Mapped[int | None] = mapped_column()  # points
    rule_id: Mapped[str] = mapped_column(String(40), default="greedy")
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[Round] = relationship(back_populates="budgets")
    district: Mapped[District | None] = relationship()
    category: Mapped[Category | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("min_project_cost >= 0", name="min_cost_not_negative"),
        CheckConstraint(
            "max_project_cost IS NULL OR (max_project_cost >= min_project_cost AND max_project_cost <= amount)",
            name="max_cost_in_range",
        ),
        CheckConstraint(f"scope IN ({_in(SCOPE_VALUES)})", name="scope_known"),
        CheckConstraint(f"ballot_type IN ({_in(BALLOT_VALUES)})", name="ballot_type_known"),
        CheckConstraint(
            "(scope = 'citywide' AND district_id IS NULL AND category_id IS NULL)"
            " OR (scope = 'district' AND district_id IS NOT NULL AND category_id IS NULL)"
            " OR (scope = 'category' AND category_id IS NOT NULL AND district_id IS NULL)",
            name="scope_matches_target",
        ),
        CheckConstraint(
            "min_spend_percent IS NULL OR (min_spend_percent >= 0 AND min_spend_percent <= 100)",
            name="min_spend_percent_range",
        ),
    )

    @property
    def ballot_type_enum(self) -> BallotType:
        return BallotType(self.ballot_type)

    def __repr__(self) -> str:
        return f"<Budget {self.name!r} {self.amount}>"


class RoundVoter(db.Model):
    """A person who may vote in a round (and in which district), however they got there.

    Most voters have a user account. A person on the voter roll whose paper ballot was entered by council staff
    may have none: their record names the roll entry instead (``user_id`` NULL), and becomes theirs when they
    sign up and register, so one person keeps one record (and one ballot per budget).
    """

    __tablename__ = "round_voter"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # The voter-roll line this voter is, when known (always for a roll voter without an account).
    roll_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("voter_roll_entry.id", ondelete="CASCADE"), unique=True
    )
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship()
    user: Mapped[User | None] = relationship()
    roll_entry: Mapped[VoterRollEntry | None] = relationship()
    district: Mapped[District | None] = relationship()

    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        CheckConstraint(f"source IN ({_in(v.value for v in VoterSource)})", name="source_known"),
        CheckConstraint("user_id IS NOT NULL OR roll_entry_id IS NOT NULL", name="user_or_roll_entry"),
    )


class VoterRollEntry(db.Model):
    """One line of an uploaded voter roll: an email or external id entitled to vote in a district."""

    __tablename__ = "voter_roll_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    # Lower-cased email, or the external id exactly as given.
    identifier: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))  # "email" or "external_id"
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    district: Mapped[District | None] = relationship()

    __table_args__ = (
        UniqueConstraint("round_id", "identifier"),
        CheckConstraint("kind IN ('email', 'external_id')", name="kind_known"),
    )


class VoterCode(db.Model):
    """A one-time code printed on a letter. Only its SHA-256 is stored; claiming it makes a voter."""

    __tablename__ = "voter_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    batch: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    district: Mapped[District | None] = relationship()


class RoundEvent(db.Model):
    """One entry of a round's append-only, hash-chained log.

    ``hash`` = sha256(canonical JSON of the event's fields + ``previous_hash``); see ``events.py``.
    """

    __tablename__ = "round_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    # Who acted, kept as text too so the log reads the same after an account is renamed.
    actor_label: Mapped[str] = mapped_column(String(254), default="system")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # The unique constraint doubles as the index that reads a round's log in order.
    __table_args__ = (UniqueConstraint("round_id", "sequence"),)


class RoundImport(db.Model):
    """The .pb file a published round was imported from, kept verbatim so anyone can recompute the outcome."""

    __tablename__ = "round_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    rule_id: Mapped[str] = mapped_column(String(40))
    # Project ids (as in the file) the rule selects, and those the file marked as selected (None: no column).
    computed_selected: Mapped[list[str]] = mapped_column(JSON)
    file_selected: Mapped[list[str] | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a logged event."""


@event.listens_for(RoundEvent, "before_update")
def _refuse_event_update(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("round events are append-only: an event cannot be changed")


@event.listens_for(RoundEvent, "before_delete")
def _refuse_event_delete(_mapper, _connection, _target) -> None:
    raise AppendOnlyError("round events are append-only: an event cannot be deleted")
