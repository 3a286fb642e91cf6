"""The one place that turns database rows into a :class:`pbvote.tally.Election`.

Projects are the budget's ballot proposals (id as text, cost in minor units, title as name); votes are the
budget's counted ballots in the order they were cast. Ranked ballots carry the points their ranks earn when the
council set points per rank, so greedy orders projects by those points, as cities that count ranks do.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..proposals.operations import ballot_proposals, exclusion_groups_param
from ..rounds.models import BallotType, Budget
from ..rounds.operations import TALLY_VOTE_TYPE
from ..tally import Election, Project
from ..voting.models import Ballot


def election_for_budget(budget: Budget) -> Election:
    """The budget's projects and counted ballots as an election the tally rules read."""
    round_ = budget.round
    proposals = ballot_proposals(round_, budget)
    projects = [Project(id=str(p.id), cost=p.total_cost, name=p.title, fields={"name": p.title})
                for p in proposals]
    kind = budget.ballot_type_enum
    rank_points = list(budget.points_per_rank or []) if kind == BallotType.RANKED else []
    with_points = kind == BallotType.POINTS or bool(rank_points)
    rows = db.session.execute(
        select(Ballot.choices, Ballot.points)
        .where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))
        .order_by(Ballot.id)
    ).all()
    vote_rows = []
    for number, (choices, points) in enumerate(rows, start=1):
        row = [str(number), ",".join(map(str, choices))]
        if with_points:
            values = points if kind == BallotType.POINTS else rank_points[: len(choices)]
            row.append(",".join(map(str, values)))
        vote_rows.append(row)
    meta = {
        "description": f"{round_.name}: {budget.name}",
        "num_projects": str(len(projects)),
        "num_votes": str(len(vote_rows)),
        "budget": str(budget.amount),
        "vote_type": TALLY_VOTE_TYPE[kind.value],
        "rule": budget.rule_id,
        "currency": round_.currency,
    }
    if kind == BallotType.RANKED:
        meta.update(min_length=str(budget.min_ranks or 1), max_length=str(budget.max_ranks or len(projects)))
    return Election(
        meta=meta,
        projects=projects,
        project_columns=["project_id", "cost", "name"],
        vote_columns=["voter_id", "vote", *(["points"] if with_points else [])],
        vote_rows=vote_rows,
    )


def rule_params_for_budget(budget: Budget) -> dict:
    """The budget's stored rule parameters, plus what the rounds know and the rule needs (exclusion groups)."""
    params = dict(budget.rule_params or {})
    if budget.rule_id == "greedy-exclusive" and not params.get("groups"):
        params["groups"] = exclusion_groups_param(budget.round, budget)
    return params
