"""The results part of ``pbvote demo``: a Riverside round whose 41 ballots were cast, counted with the Method of
Equal Shares and published, so the demo shows results, each voter's story, the comparison with greedy (which
funds only the majority's projects here, where equal shares also funds the Harbour group's) and a bundle that
verifies. The demo resident is one of the voters. Idempotent: an existing round (by name) is kept.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..proposals.demo import place_in_phases
from ..proposals.models import CostItem, Proposal, ProposalStatus, StatusChange
from ..rounds import operations
from ..rounds.models import Round, RoundState, RoundVoter, VoterRollEntry, VoterSource, utcnow
from ..voting.models import Ballot, BallotChannel
from ..voting.operations import BallotContent, close_voting, receipt_digest, tracking_code_of
from .operations import publish_results

ROUND_NAME = "Riverside parks and youth fund 2026"

#: (title, cost in minor units): the first three are the majority's, the next two the Harbour group's.
PROJECTS = (
    ("Riverside skate park", 9_000_000),
    ("New library reading room", 8_000_000),
    ("River clean-up boat", 3_000_000),
    ("Harbour allotment gardens", 4_000_000),
    ("Harbour youth club", 3_500_000),
    ("Benches on the promenade", 1_500_000),
)
#: (which projects, by position in PROJECTS; how many voters chose exactly these)
BALLOTS = (((0, 1, 2), 14), ((0, 1), 6), ((0, 2, 5), 4), ((3, 4), 10), ((3, 4, 5), 6))


def seed_results(data: Any) -> int:
    """Create the published demo round if it is missing; return its id."""
    riverside = data.organisations["riverside"]
    council = data.users["council@riverside.example"]
    with write_transaction():
        round_ = db.session.scalar(select(Round).where(Round.organisation_id == riverside.id,
                                                       Round.name == ROUND_NAME))
        if round_ is not None:
            return round_.id
        round_ = _voting_round(riverside, council, data.users["resident@riverside.example"])
        _cast_ballots(round_, data.users["resident@riverside.example"])
        close_voting(round_, council)
        publish_results(round_, council, bundle_public=True)
        return round_.id


def _voting_round(organisation: Any, council: Any, author: Any) -> Round:
    round_ = operations.create_round(organisation, council, operations.RoundSettings(
        name=ROUND_NAME, description="Choose up to three projects for parks and young people.",
        currency="EUR", timezone="Europe/London", districts=[], categories=[],
    ))
    budget = operations.add_budget(round_, council, operations.BudgetInput(
        name="Parks and youth", amount=20_000_000, min_project_cost=100_000, max_project_cost=10_000_000))
    operations.update_ballot_settings(budget, council, operations.BallotSettings(
        ballot_type="approval", min_picks=1, max_picks=3, rule_id="mes", rule_params={"completion": "add1"},
        explanation="Every voter holds an equal share of the budget; a project is funded when its supporters' "
                    "shares can pay for it, so every group of voters gets projects in proportion to its size."))
    for title, cost in PROJECTS:
        proposal = Proposal(
            round_id=round_.id, author_id=author.id, title=title, summary=title, description=title,
            total_cost=cost, location="", status=ProposalStatus.FEASIBLE.value,
            status_reason="Checked by the council's engineers.", search_text=title.casefold(),
        )
        proposal.cost_items = [CostItem(position=1, description="Total", amount=cost)]
        proposal.status_changes = [StatusChange(to_status=ProposalStatus.FEASIBLE.value, actor_id=council.id)]
        db.session.add(proposal)
    db.session.flush()
    now = utcnow()
    order = [RoundState.PROPOSALS, RoundState.REVIEW, RoundState.VOTING]
    windows = {state: (now - timedelta(days=60 - 14 * i), now - timedelta(days=47 - 14 * i))
               for i, state in enumerate(order)}
    windows[RoundState.VOTING] = (now - timedelta(days=20), now + timedelta(days=1))
    operations.set_schedule(round_, council, windows)
    place_in_phases(round_, db.session.scalars(
        select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.id)).all())
    operations.apply_due_transitions(round_, now)
    return round_


def _cast_ballots(round_: Round, resident: Any) -> None:
    """The demo resident votes for the Harbour projects; the other voters are roll entries without accounts."""
    budget = round_.budgets[0]
    ids = [proposal.id for proposal in sorted(
        db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id)), key=lambda p: p.id)]
    voters = [RoundVoter(round_id=round_.id, user_id=resident.id, source=VoterSource.REGISTRATION.value)]
    pattern = [(3, 5)]
    for number, (choices, count) in enumerate((c, n) for c, n in BALLOTS for _ in range(n)):
        entry = VoterRollEntry(round_id=round_.id, identifier=f"demo-voter-{number + 1:03d}", kind="external_id")
        db.session.add(entry)
        db.session.flush()
        voters.append(RoundVoter(round_id=round_.id, roll_entry_id=entry.id, source=VoterSource.ROLL.value))
        pattern.append(choices)
    db.session.add_all(voters)
    db.session.flush()
    for voter, choices in zip(voters, pattern, strict=True):
        content = BallotContent(sorted(ids[i] for i in choices))
        salt = secrets.token_hex(16)
        digest = receipt_digest(round_.id, budget.id, content, salt)
        db.session.add(Ballot(round_id=round_.id, budget_id=budget.id, voter_id=voter.id, choices=content.choices,
                              channel=BallotChannel.WEB.value, tracking_code=tracking_code_of(digest),
                              digest=digest, salt=salt))
    db.session.flush()
