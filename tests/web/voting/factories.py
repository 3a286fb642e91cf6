"""A round open for voting: a citywide ranked budget and a budget per district, feasible proposals in each,
and voters. Shared by the voting stories, the route table and the load tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pbvote.extensions import db
from pbvote.proposals.models import Proposal, ProposalStatus
from pbvote.rounds.models import Budget, Round, RoundVoter, VoterSource
from tests.web.proposals.factories import make_proposal, make_round


@dataclass
class VotingRound:
    """The round, its budgets by name, and the proposals on each budget's ballot (oldest first)."""

    round: Round
    citywide: Budget
    north: Budget
    south: Budget
    projects: dict[str, list[Proposal]] = field(default_factory=dict)


def configure_ballot(budget: Budget, kind: str, **settings: Any) -> None:
    """Set a budget's ballot type and limits directly (the council's form is tested elsewhere)."""
    defaults = {
        "ranked": {"min_ranks": 1, "max_ranks": 3, "points_per_rank": [3, 2, 1]},
        "approval": {"min_picks": 0, "max_picks": 3},
        "knapsack": {"min_spend_percent": 0},
        "points": {"points_total": 10, "points_per_project_max": 5},
    }[kind]
    defaults.update(settings)
    budget.ballot_type = kind
    for name, value in defaults.items():
        setattr(budget, name, value)
    db.session.commit()


def make_voting_round(organisation: Any, author: Any, *, kind: str = "ranked", per_budget: int = 4,
                      amount: int = 100_000_00, rule_id: str = "greedy", **settings: Any) -> VotingRound:
    """A committed round in the voting phase. Citywide projects have no district; district projects cost
    €5,000 each (the factory's default items). Every budget gets ``kind`` ballots."""
    round_ = make_round(organisation, state="voting", citywide=True, amount=amount, max_cost=min(amount, 50_000_00))
    budgets = {budget.name: budget for budget in round_.budgets}
    result = VotingRound(round_, budgets["Citywide"], budgets["North budget"], budgets["South budget"])
    for budget in round_.budgets:
        budget.rule_id = rule_id
        budget.rule_params = {}
        configure_ballot(budget, kind, **settings)
    for label, district in (("Citywide", None), ("North budget", "North"), ("South budget", "South")):
        result.projects[label] = [
            make_proposal(round_, author, title=f"{label} project {n}", district=district,
                          status=ProposalStatus.FEASIBLE.value)
            for n in range(1, per_budget + 1)
        ]
    db.session.commit()
    return result


def make_voter(round_: Round, user: Any, district: str | None = "North") -> RoundVoter:
    """Put ``user`` on the round's voters (as open registration would), in ``district``."""
    district_id = next(d.id for d in round_.districts if d.name == district) if district else None
    voter = RoundVoter(round_id=round_.id, user_id=user.id, district_id=district_id,
                       source=VoterSource.REGISTRATION.value)
    db.session.add(voter)
    db.session.commit()
    return voter
