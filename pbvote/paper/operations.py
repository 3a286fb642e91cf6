"""Paper ballots: council staff enter each one against the voter roll (a roll id or a voter code), twice, by
two different people; agreeing entries make it count, disagreeing ones wait for a further entry or a discard.

Every entry is checked with :func:`pbvote.voting.operations.check_ballot`, the server's one set of ballot
rules, so an impossible ballot is refused at entry and nothing is stored. A counted paper ballot is an ordinary
:class:`~pbvote.voting.models.Ballot` with channel ``paper``.

The round's paper policy decides whether a voter may vote both ways (see :class:`PaperPolicy`): the online
side asks :func:`refuse_if_voted_on_paper`, the paper side refuses a voter who voted online here.

Secrecy: the event log records entry ids, paper-ballot ids and counts, never whose ballot it is nor what it
says. Only :func:`mismatched_paper_ballots` hands out entries' contents, for staff to resolve a disagreement.

Operations flush; the caller holds ``write_transaction()`` and commits.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from ..accounts.models import User
from ..extensions import db
from ..i18n import _
from ..rounds import lifecycle
from ..rounds.events import EventKind, append_event
from ..rounds.lifecycle import Action, require_action
from ..rounds.models import (
    Budget,
    PaperPolicy,
    Round,
    RoundVoter,
    VoterCode,
    VoterRollEntry,
    VoterSource,
    utcnow,
)
from ..rounds.voters import (
    CODE_ALPHABET,
    CODE_LENGTH,
    claim_voter_code,
    hash_code,
    normalise_code,
    voter_record,
)
from ..voting.models import Ballot, BallotChannel
from ..voting.operations import (
    BallotContent,
    BallotError,
    check_ballot,
    may_vote_in,
    normalise,
    receipt_digest,
    tracking_code_of,
)
from .models import PaperBallot, PaperEntry, PaperStatus

IDENTIFIER_MAX = 254
DISCARD_REASON_MAX = 500
#: The display name of the code-only identity made when a voter code is first used on paper.
PAPER_CODE_VOTER_NAME = "Paper voter"


class PaperBallotError(BallotError):
    """A paper entry, discard or policy change that cannot be accepted (shown to the staff member)."""


# --------------------------------------------------------------------------------------------------------------
# Policy
# --------------------------------------------------------------------------------------------------------------


def set_paper_policy(round_: Round, actor: Any, policy: str) -> Round:
    """Change the round's paper policy (before voting opens, like every setting); logs the change."""
    require_action(round_, Action.EDIT_SETTINGS, PaperBallotError)
    try:
        chosen = PaperPolicy(policy)
    except ValueError:
        raise PaperBallotError(_("Choose one of the two policies.")) from None
    if chosen.value != round_.paper_policy:
        before = round_.paper_policy
        round_.paper_policy = chosen.value
        db.session.flush()
        append_event(round_, EventKind.SETTINGS_CHANGED, actor,
                     {"changes": {"paper_policy": {"from": before, "to": chosen.value}}})
    return round_


def _one_channel(round_: Round) -> bool:
    return round_.paper_policy == PaperPolicy.ONE_CHANNEL.value


def _has_current_ballot(round_: Round, voter: RoundVoter, *, paper: bool) -> bool:
    """Whether the voter has a counted ballot in the round cast on paper (``paper``) or online (not)."""
    channel = Ballot.channel == BallotChannel.PAPER.value
    return db.session.scalar(
        select(Ballot.id).where(Ballot.round_id == round_.id, Ballot.voter_id == voter.id,
                                Ballot.superseded_at.is_(None), channel if paper else ~channel).limit(1)
    ) is not None


def refuse_if_voted_on_paper(budget: Budget, voter: RoundVoter, *, voted_on_paper: bool | None = None) -> None:
    """The online side of the policy: a voter whose paper ballot counts in this round may not vote online
    (``voted_on_paper``: whether one does, when the caller has read it already)."""
    round_ = budget.round
    if not _one_channel(round_):
        return
    if voted_on_paper is None:
        voted_on_paper = _has_current_ballot(round_, voter, paper=True)
    if voted_on_paper:
        raise BallotError(_("Your paper ballot has been counted in this round: under the round's rules a voter who "
                            "voted on paper cannot also vote online."))


def _refuse_if_voted_online(round_: Round, voter: RoundVoter | None) -> None:
    if voter is not None and _one_channel(round_) and _has_current_ballot(round_, voter, paper=False):
        raise PaperBallotError(_("This voter has already voted online: under the round's rules a voter who voted "
                                 "online cannot also vote on paper. Set the paper ballot aside."))


# --------------------------------------------------------------------------------------------------------------
# Who the paper ballot belongs to
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperVoter:
    """The voter a paper ballot names: a roll entry, or a voter code (kept in clear only for this request)."""

    roll_entry: VoterRollEntry | None = None
    voter_code: VoterCode | None = None
    code: str = ""

    @property
    def district_id(self) -> int | None:
        return (self.roll_entry or self.voter_code).district_id


def identify_voter(round_: Round, identifier: str) -> PaperVoter:
    """The roll entry (external id or email) or voter code that ``identifier`` names in this round."""
    text = (identifier or "").strip()
    if not text:
        raise PaperBallotError(_("Enter the voter's roll id, email address or voter code."))
    if len(text) > IDENTIFIER_MAX or any(unicodedata.category(ch).startswith("C") for ch in text):
        raise PaperBallotError(_("That is not a roll id, email address or voter code."))
    entry = db.session.scalar(
        select(VoterRollEntry).where(VoterRollEntry.round_id == round_.id,
                                     VoterRollEntry.identifier.in_({text, text.lower()}))
    )
    if entry is not None:
        return PaperVoter(roll_entry=entry)
    code = normalise_code(text)
    if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code):
        record = db.session.scalar(
            select(VoterCode).where(VoterCode.round_id == round_.id, VoterCode.code_hash == hash_code(code))
        )
        if record is not None:
            return PaperVoter(voter_code=record, code=code)
        raise PaperBallotError(_("That voter code does not belong to this round: check it against the paper."))
    raise PaperBallotError(_("“%(identifier)s” is not on this round's voter roll: check the roll id or email "
                             "address.", identifier=text[:60]))


def existing_voter(round_: Round, who: PaperVoter) -> RoundVoter | None:
    """The voter record of the person a paper ballot names, if they already have one (nothing is created)."""
    if who.voter_code is not None:
        claimed_by = db.session.get(User, who.voter_code.claimed_by_id) if who.voter_code.claimed_by_id else None
        return voter_record(round_, claimed_by) if claimed_by is not None else None
    entry = who.roll_entry
    voter = db.session.scalar(select(RoundVoter).where(RoundVoter.roll_entry_id == entry.id))
    if voter is None and entry.kind == "email":
        # Voters registered before roll entries were linked to their records are found by their address.
        voter = db.session.scalar(
            select(RoundVoter).join(User, RoundVoter.user_id == User.id)
            .where(RoundVoter.round_id == round_.id, User.email == entry.identifier)
        )
    return voter


def _voter_for_counting(round_: Round, who: PaperVoter) -> RoundVoter:
    """The voter record the counted ballot belongs to, made when the person has none yet."""
    voter = existing_voter(round_, who)
    if voter is not None:
        if who.roll_entry is not None and voter.roll_entry_id is None:
            voter.roll_entry_id = who.roll_entry.id
        return voter
    if who.voter_code is not None:
        # A code first used on paper is claimed as code voters' codes are, so it cannot be used online after.
        user = claim_voter_code(round_, who.code, None, PAPER_CODE_VOTER_NAME)
        return voter_record(round_, user)
    voter = RoundVoter(round_id=round_.id, user_id=None, roll_entry_id=who.roll_entry.id,
                       district_id=who.roll_entry.district_id, source=VoterSource.ROLL.value)
    db.session.add(voter)
    db.session.flush()
    return voter


# --------------------------------------------------------------------------------------------------------------
# Entering, counting, discarding
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryOutcome:
    """What one entry did to its paper ballot."""

    paper_ballot: PaperBallot
    entry: PaperEntry

    @property
    def status(self) -> PaperStatus:
        return self.paper_ballot.status_enum


def _lock_round(round_id: int) -> Round:
    """Entries of one round are serialised (SQLite: BEGIN IMMEDIATE already did it), so two staff members
    entering the same paper ballot at the same moment pair up instead of both starting one."""
    query = select(Round).where(Round.id == round_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    return db.session.scalar(query)


def _open_paper_ballot(budget: Budget, who: PaperVoter) -> PaperBallot | None:
    if who.roll_entry is not None:
        named = PaperBallot.roll_entry_id == who.roll_entry.id
    else:
        named = PaperBallot.voter_code_id == who.voter_code.id
    return db.session.scalar(
        select(PaperBallot).where(PaperBallot.budget_id == budget.id, named,
                                  PaperBallot.status != PaperStatus.DISCARDED.value)
    )


def _same(entry: PaperEntry, content: BallotContent) -> bool:
    return list(entry.choices) == content.choices and entry.points == content.points


def enter_paper_ballot(budget: Budget, staff: Any, identifier: str, content: BallotContent) -> EntryOutcome:
    """Record one staff member's entry of a paper ballot for ``budget``.

    The first entry starts the paper ballot; an entry by another person that agrees with an earlier one makes it
    count; one that agrees with none lists it as a mismatch. Refused (nothing stored): voting not open, a voter
    not on the roll or not of this budget's district, a ballot the rules do not allow, the same person entering
    it again, a paper ballot already counted, or a voter who voted online when the policy forbids both.
    """
    round_ = _lock_round(budget.round_id)
    lifecycle.require_action(round_, Action.VOTE, PaperBallotError)
    who = identify_voter(round_, identifier)
    # A transient record (never added to the session) asks the voting rules which budgets this voter has.
    if not may_vote_in(budget, RoundVoter(round_id=round_.id, district_id=who.district_id)):
        raise PaperBallotError(_("This voter does not vote in %(budget)s: they vote in their own district's "
                                 "budget.", budget=budget.name))
    _refuse_if_voted_online(round_, existing_voter(round_, who))
    content = normalise(budget, content)
    check = check_ballot(budget, content)
    if not check.ok:
        raise PaperBallotError([_("This paper ballot cannot be counted as entered:"), *check.problems])

    paper = _open_paper_ballot(budget, who)
    if paper is None:
        paper = PaperBallot(round_id=round_.id, budget_id=budget.id, status=PaperStatus.AWAITING_SECOND.value,
                            roll_entry_id=who.roll_entry and who.roll_entry.id,
                            voter_code_id=who.voter_code and who.voter_code.id)
        db.session.add(paper)
        db.session.flush()
    elif paper.status_enum == PaperStatus.COUNTED:
        raise PaperBallotError(_("This voter's paper ballot for %(budget)s (%(number)s) has already been counted; "
                                 "a voter has one paper ballot per budget.", budget=budget.name, number=paper.number))
    elif any(entry.entered_by_id == staff.id for entry in paper.entries):
        raise PaperBallotError(_("You have already entered paper ballot %(number)s: a different staff member "
                                 "must enter it.", number=paper.number))

    earlier = list(paper.entries)
    entry = PaperEntry(paper_ballot=paper, entered_by_id=staff.id, choices=content.choices, points=content.points)
    db.session.add(entry)
    db.session.flush()
    append_event(round_, EventKind.PAPER_ENTRY_RECORDED, staff,
                 {"paper_ballot_id": paper.id, "budget_id": budget.id, "entry_id": entry.id,
                  "entry": len(earlier) + 1})
    agreeing = next((other for other in earlier if _same(other, content)), None)
    if agreeing is not None:
        _count(round_, budget, paper, who, content, staff, entries=[agreeing.id, entry.id])
    elif earlier:
        paper.status = PaperStatus.MISMATCH.value
        db.session.flush()
        append_event(round_, EventKind.PAPER_BALLOT_MISMATCHED, staff,
                     {"paper_ballot_id": paper.id, "budget_id": budget.id, "entries": [e.id for e in paper.entries]})
    return EntryOutcome(paper, entry)


def _count(round_: Round, budget: Budget, paper: PaperBallot, who: PaperVoter, content: BallotContent,
           staff: Any, *, entries: list[int]) -> None:
    """Store the agreed paper ballot as the voter's ballot for the budget (channel ``paper``)."""
    voter = _voter_for_counting(round_, who)
    _refuse_if_voted_online(round_, voter)
    now = utcnow()
    # Under "latest counts" a paper ballot replaces the voter's online one, which is kept as superseded.
    db.session.execute(
        update(Ballot)
        .where(Ballot.budget_id == budget.id, Ballot.voter_id == voter.id, Ballot.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    salt = secrets.token_hex(16)
    digest = receipt_digest(round_.id, budget.id, content, salt)
    ballot = Ballot(round_id=round_.id, budget_id=budget.id, voter_id=voter.id, choices=content.choices,
                    points=content.points, channel=BallotChannel.PAPER.value, tracking_code=tracking_code_of(digest),
                    digest=digest, salt=salt, cast_at=now)
    db.session.add(ballot)
    db.session.flush()
    paper.status, paper.ballot_id, paper.resolved_at = PaperStatus.COUNTED.value, ballot.id, now
    db.session.flush()
    append_event(round_, EventKind.PAPER_BALLOT_COUNTED, staff,
                 {"paper_ballot_id": paper.id, "budget_id": budget.id, "entries": entries,
                  "paper_ballots_counted": counted_paper_ballots(budget)})


def discard_paper_ballot(paper: PaperBallot, staff: Any, reason: str) -> PaperBallot:
    """Set a paper ballot whose entries disagree (or that waits for its second entry) aside for good."""
    round_ = _lock_round(paper.round_id)
    lifecycle.require_action(round_, Action.VOTE, PaperBallotError)
    db.session.refresh(paper)
    reason = " ".join((reason or "").split())
    if not reason:
        raise PaperBallotError(_("Say why the paper ballot is discarded."))
    if len(reason) > DISCARD_REASON_MAX:
        raise PaperBallotError(_("Keep the reason to %(max)s characters.", max=DISCARD_REASON_MAX))
    if paper.status_enum in (PaperStatus.COUNTED, PaperStatus.DISCARDED):
        raise PaperBallotError(_("Paper ballot %(number)s is %(status)s: it cannot be discarded.",
                                 number=paper.number, status=paper.status_enum.label.lower()))
    paper.status, paper.discard_reason, paper.resolved_at = PaperStatus.DISCARDED.value, reason, utcnow()
    db.session.flush()
    append_event(round_, EventKind.PAPER_BALLOT_DISCARDED, staff,
                 {"paper_ballot_id": paper.id, "budget_id": paper.budget_id,
                  "entries": [entry.id for entry in paper.entries], "reason": reason})
    return paper


# --------------------------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------------------------


def counted_paper_ballots(budget: Budget) -> int:
    """How many of the budget's current ballots came on paper."""
    return db.session.scalar(
        select(func.count()).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None),
                                   Ballot.channel == BallotChannel.PAPER.value)
    ) or 0


def paper_counts(round_: Round) -> list[tuple[Budget, dict[PaperStatus, int]]]:
    """Per budget, how many paper ballots stand in each status (numbers only: what the overview shows)."""
    rows = db.session.execute(
        select(PaperBallot.budget_id, PaperBallot.status, func.count())
        .where(PaperBallot.round_id == round_.id).group_by(PaperBallot.budget_id, PaperBallot.status)
    ).all()
    counts = {(budget_id, status): number for budget_id, status, number in rows}
    return [(budget, {status: counts.get((budget.id, status.value), 0) for status in PaperStatus})
            for budget in round_.budgets]


def awaiting_second_entry(round_: Round) -> list[PaperBallot]:
    """Paper ballots entered once (the overview lists them by number and budget, never by voter or content)."""
    return list(db.session.scalars(
        select(PaperBallot).where(PaperBallot.round_id == round_.id,
                                  PaperBallot.status == PaperStatus.AWAITING_SECOND.value).order_by(PaperBallot.id)
    ))


def mismatched_paper_ballots(round_: Round) -> list[PaperBallot]:
    """Paper ballots whose entries disagree, with their entries: for council staff to resolve, nothing else."""
    return list(db.session.scalars(
        select(PaperBallot).where(PaperBallot.round_id == round_.id,
                                  PaperBallot.status == PaperStatus.MISMATCH.value).order_by(PaperBallot.id)
    ))


def paper_ballot_of(round_: Round, paper_ballot_id: int) -> PaperBallot | None:
    paper = db.session.get(PaperBallot, paper_ballot_id)
    return paper if paper is not None and paper.round_id == round_.id else None


def voter_label(paper: PaperBallot) -> str:
    """How the mismatch page names the voter (the roll id, or only that a voter code was used)."""
    if paper.roll_entry is not None:
        return paper.roll_entry.identifier
    return _("a voter code (batch %(batch)s)", batch=paper.voter_code.batch)
