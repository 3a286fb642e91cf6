"""The one place that turns database rows into a :class:`pbvote.tally.Election`.

Projects are the budget's ballot proposals (id as text, cost in minor units, title as name); votes are the
budget's counted ballots in the order they were cast. Ranked ballots carry the points their ranks earn when the
council set points per rank, so greedy orders projects by those points, as cities that count ranks do.

An imported round's ballots are the file's (kept verbatim in ``RoundImport``): its projects are renamed to the
proposals made from them (same order), its votes keep every column, demographics included, and its amounts stay
in the file's whole currency units — rules such as MES with add1 raise each voter's budget one money unit at a
time, so counting in cents would not be the count the city announced. :func:`money_scale` says how many minor
units one money unit of a budget's election is.
"""

from __future__ import annotations

from sqlalchemy import null, select

from ..extensions import db
from ..proposals.operations import ballot_proposals, exclusion_groups_param
from ..rounds.models import BallotType, Budget, RoundImport
from ..rounds.money import exponent
from ..rounds.operations import TALLY_VOTE_TYPE
from ..tally import Election, Project, loads
from ..voting.models import Ballot


def election_for_budget(budget: Budget) -> Election:
    """The budget's projects and counted ballots as an election the tally rules read."""
    round_ = budget.round
    if round_.imported:
        return _imported_election(budget)
    proposals = ballot_proposals(round_, budget)
    projects = [Project(id=str(p.id), cost=p.total_cost, name=p.title, fields={"name": p.title})
                for p in proposals]
    kind = budget.ballot_type_enum
    rank_points = list(budget.points_per_rank or []) if kind == BallotType.RANKED else []
    with_points = kind == BallotType.POINTS or bool(rank_points)
    # Only points ballots store points: reading (and JSON-decoding) the column for others costs time at scale.
    points_column = Ballot.points if kind == BallotType.POINTS else null()
    rows = db.session.execute(
        select(Ballot.choices, points_column)
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


def _imported_election(budget: Budget) -> Election:
    """The imported file's election with the proposals' ids and minor-unit costs in place of the file's."""
    round_ = budget.round
    record = db.session.scalar(select(RoundImport).where(RoundImport.round_id == round_.id))
    election = loads(record.content)
    # The import made one proposal per project, in the file's order.
    proposals = sorted(ballot_proposals(round_, budget), key=lambda proposal: proposal.id)
    new_id = {project.id: str(proposal.id) for project, proposal in zip(election.projects, proposals, strict=True)}
    projects = [Project(id=new_id[p.id], cost=p.cost, name=p.name, fields={**p.fields, "project_id": new_id[p.id]})
                for p in election.projects]
    vote_at = election.vote_columns.index("vote")
    vote_rows = []
    for row in election.vote_rows:
        row = list(row)
        row[vote_at] = ",".join(new_id[choice] for choice in row[vote_at].split(",") if choice)
        vote_rows.append(row)
    return Election(meta=election.meta, projects=projects, project_columns=election.project_columns,
                    vote_columns=election.vote_columns, vote_rows=vote_rows)


def money_scale(budget: Budget) -> int:
    """Minor units per money unit of the budget's election: 1, or the currency's for an imported file."""
    return 10 ** exponent(budget.round.currency) if budget.round.imported else 1


def counted_tracking_codes(budget: Budget) -> list[str]:
    """The tracking codes of the budget's counted ballots, sorted (an imported round has none)."""
    return sorted(db.session.scalars(
        select(Ballot.tracking_code).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))
    ))


def rule_params_for_budget(budget: Budget) -> dict:
    """The budget's stored rule parameters, plus what the rounds know and the rule needs (exclusion groups)."""
    # A parameter left unset (None: "the rule's default") is not passed, so the rule applies its default.
    params = {name: value for name, value in (budget.rule_params or {}).items() if value is not None}
    if budget.rule_id == "greedy-exclusive" and not params.get("groups"):
        params["groups"] = exclusion_groups_param(budget.round, budget)
    return params
