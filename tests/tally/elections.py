"""A factory for small hand-made elections, written the way a person would describe them."""

from __future__ import annotations

from pbvote.tally.model import Election, Project


def make_election(
    costs: dict[str, int],
    votes: list[str],
    *,
    budget: int,
    vote_type: str = "approval",
    points: list[str] | None = None,
    **meta: str,
) -> Election:
    """``costs`` maps project id → cost (file order); ``votes`` are pabulib vote strings, one per voter."""
    projects = [
        Project(pid, cost, f"Project {pid}", {"project_id": pid, "cost": str(cost), "name": f"Project {pid}"})
        for pid, cost in costs.items()
    ]
    columns = ["voter_id", "vote"] + (["points"] if points is not None else [])
    rows = [
        [str(number), vote] + ([points[number - 1]] if points is not None else [])
        for number, vote in enumerate(votes, start=1)
    ]
    return Election(
        meta={
            "description": "hand-made",
            "num_projects": str(len(projects)),
            "num_votes": str(len(votes)),
            "budget": str(budget),
            "vote_type": vote_type,
            **meta,
        },
        projects=projects,
        project_columns=["project_id", "cost", "name"],
        vote_columns=columns,
        vote_rows=rows,
    )
