"""The voting part of ``pbvote demo``: a Riverside round open for voting with a ranked citywide budget and an
approval budget per district, feasible projects on every ballot, the demo resident registered as a voter who
has not voted yet, and a voter code to try the code sign-in with. Idempotent.

Demo voter codes are derived from a fixed seed (``demo_voter_code(n)``), so the demo can always print one that
has not been claimed yet while the database keeps only hashes, as for real codes.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..proposals.demo import place_in_phases
from ..proposals.models import (
    CostItem,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    RevisionKind,
    StatusChange,
)
from ..rounds import operations
from ..rounds.events import EventKind, append_event
from ..rounds.models import BudgetScope, Round, RoundState, RoundVoter, VoterCode, VoterSource, utcnow
from ..rounds.voters import CODE_ALPHABET, CODE_LENGTH, format_code, hash_code

ROUND_NAME = "Riverside citywide vote 2026"
DISTRICTS = ["Old Town", "Riverside North", "Harbour"]
CATEGORIES = ["Parks and nature", "Streets and mobility", "Culture"]

#: (title, summary, district index or None for citywide, category index, cost in minor units)
PROJECTS = (
    ("A tree for every street", "Plant 400 street trees where pavements have none.", None, 0, 9_000_000),
    ("Night buses on weekends", "Two night bus lines on Friday and Saturday for a year.", None, 1, 12_000_000),
    ("Free swimming lessons", "Lessons for every child in year 3 who cannot swim yet.", None, 2, 4_500_000),
    ("Riverside cycle lane", "A protected cycle lane along the whole river bank.", None, 1, 15_000_000),
    ("Repair café network", "Monthly repair cafés in three libraries with tools and volunteers' training.",
     None, 2, 1_800_000),
    ("Wildflower verges", "Sow wildflowers on 5 km of road verges and mow them less.", None, 0, 2_200_000),
    ("Old Town water fountains", "Three drinking fountains in the Old Town squares.", 0, 0, 900_000),
    ("Old Town street lighting", "Warm LED lights in the four darkest lanes.", 0, 1, 1_600_000),
    ("Playground for Riverside North", "A playground with shade next to the new flats.", 1, 0, 2_400_000),
    ("Harbour community garden", "Raised beds and a tool shed on the empty harbour plot.", 2, 0, 1_200_000),
    ("Harbour seating steps", "Wooden steps to sit on by the water.", 2, 2, 2_000_000),
)


def demo_voter_code(number: int) -> str:
    """The ``number``-th demo voter code (18 characters of the voter-code alphabet)."""
    value = int(hashlib.sha256(f"pbvote-demo-voter-code-{number}".encode()).hexdigest(), 16)
    characters = []
    for _ in range(CODE_LENGTH):
        value, remainder = divmod(value, len(CODE_ALPHABET))
        characters.append(CODE_ALPHABET[remainder])
    return "".join(characters)


def seed_voting(data: Any) -> tuple[int, str]:
    """Create the voting demo round if it is missing; return its id and an unclaimed demo voter code (printed
    form) for trying the code sign-in."""
    riverside = data.organisations["riverside"]
    council = data.users["council@riverside.example"]
    with write_transaction():
        round_ = db.session.scalar(
            select(Round).where(Round.organisation_id == riverside.id, Round.name == ROUND_NAME)
        )
        if round_ is None:
            authors = [data.users["resident@riverside.example"], data.users["moderator@riverside.example"]]
            round_ = _make_round(riverside, council, authors)
            voter = data.users["resident@riverside.example"]
            db.session.add(RoundVoter(round_id=round_.id, user_id=voter.id, district_id=round_.districts[0].id,
                                      source=VoterSource.REGISTRATION.value))
        return round_.id, format_code(_unclaimed_code(round_))


def _make_round(organisation: Any, council: Any, authors: list) -> Round:
    round_ = operations.create_round(organisation, council, operations.RoundSettings(
        name=ROUND_NAME,
        description="Rank the citywide projects you like best, and choose projects for your own district.",
        currency="EUR", timezone="Europe/London", districts=DISTRICTS, categories=CATEGORIES,
    ))
    citywide = operations.add_budget(round_, council, operations.BudgetInput(
        name="Citywide", amount=30_000_000, min_project_cost=100_000, max_project_cost=20_000_000))
    operations.update_ballot_settings(citywide, council, operations.BallotSettings(
        ballot_type="ranked", min_ranks=1, max_ranks=3, points_per_rank=[3, 2, 1], rule_id="greedy",
        explanation="Your first choice earns a project 3 points, your second 2 and your third 1. The projects "
                    "with the most points are funded, in order, as long as the money lasts."))
    for district in round_.districts:
        budget = operations.add_budget(round_, council, operations.BudgetInput(
            name=district.name, scope=BudgetScope.DISTRICT.value, district_id=district.id,
            amount=4_000_000, min_project_cost=100_000, max_project_cost=4_000_000))
        operations.update_ballot_settings(budget, council, operations.BallotSettings(
            ballot_type="approval", min_picks=1, max_picks=3, rule_id="mes", rule_params={"completion": "add1"},
            explanation="Tick up to three projects for your district; the budget is shared fairly among voters."))
    _add_projects(round_, authors, council)
    # Codes are printed before voting opens (the voter list freezes with the rules).
    for number in range(1, 3):
        _add_demo_code(round_, number)
    now = utcnow()
    order = [RoundState.PROPOSALS, RoundState.REVIEW, RoundState.DELIBERATION, RoundState.VOTING]
    windows = {state: (now - timedelta(days=43 - 14 * i), now - timedelta(days=29 - 14 * i))
               for i, state in enumerate(order)}
    windows[RoundState.VOTING] = (now - timedelta(days=1), now + timedelta(days=13))
    operations.set_schedule(round_, council, windows)
    place_in_phases(round_, db.session.scalars(
        select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.id)).all())
    operations.apply_due_transitions(round_, now)
    return round_


def _add_projects(round_: Round, authors: list, council: Any) -> None:
    """Feasible projects, written as the proposal models record a submission and a review."""
    for number, (title, summary, district, category, cost) in enumerate(PROJECTS):
        author = authors[number % len(authors)]
        proposal = Proposal(
            round_id=round_.id, author_id=author.id, title=title, summary=summary, description=summary,
            total_cost=cost, district_id=None if district is None else round_.districts[district].id,
            category_id=round_.categories[category].id, location="", status=ProposalStatus.FEASIBLE.value,
            status_reason="The council's engineers checked the site and the cost.",
            search_text=f"{title} {summary}".casefold(),
        )
        proposal.cost_items = [CostItem(position=1, description="Total", amount=cost)]
        proposal.status_changes = [
            StatusChange(to_status=ProposalStatus.SUBMITTED.value, actor_id=author.id),
            StatusChange(from_status=ProposalStatus.SUBMITTED.value, to_status=ProposalStatus.FEASIBLE.value,
                         reason=proposal.status_reason, actor_id=council.id),
        ]
        proposal.revisions = [ProposalRevision(number=1, kind=RevisionKind.SUBMITTED.value, editor_id=author.id,
                                               changes={"title": [None, title], "total_cost": [None, cost]})]
        db.session.add(proposal)
    db.session.flush()


def _add_demo_code(round_: Round, number: int) -> VoterCode:
    code = VoterCode(round_id=round_.id, code_hash=hash_code(demo_voter_code(number)),
                     district_id=round_.districts[number % len(round_.districts)].id, batch=1)
    db.session.add(code)
    db.session.flush()
    append_event(round_, EventKind.VOTER_CODES_GENERATED, None,
                 {"batch": 1, "count": 1, "district": code.district.name, "demo": True})
    return code


def _unclaimed_code(round_: Round) -> str:
    """The first demo code nobody has claimed (one more is made when all are used: this is demo data)."""
    number = 1
    while True:
        code = demo_voter_code(number)
        record = db.session.scalar(select(VoterCode).where(VoterCode.code_hash == hash_code(code)))
        if record is None:
            _add_demo_code(round_, number)
            return code
        if record.claimed_at is None:
            return code
        number += 1
