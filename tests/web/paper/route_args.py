"""URL builders for the paper-ballot routes in tests/web/routes.py (ROUTE_CASES)."""

from __future__ import annotations

from tests.web.voting.factories import make_voting_round

from .factories import add_roll_entry, make_mismatch


def _voting_round(world):
    author = world.fixture("create_user")(email="paper-author@example.org")
    return make_voting_round(world.organisation, author, per_budget=2)


def voting_round(world) -> dict:
    """A round of the organisation open for voting (the overview, the mismatches, the policy)."""
    return {"round_id": _voting_round(world).round.id}


def entry_form(world) -> dict:
    """The paper-entry form of a voting round's citywide budget."""
    world_round = _voting_round(world)
    return {"round_id": world_round.round.id, "budget_id": world_round.citywide.id}


def mismatch(world) -> dict:
    """A paper ballot whose two entries (by two council members) disagree."""
    world_round = _voting_round(world)
    readers = [world.fixture("create_user")(email=f"reader{n}@example.org", roles=("council",)) for n in (1, 2)]
    first, second = world_round.projects["Citywide"]
    entry = add_roll_entry(world_round.round, "NL-0001", "North")
    paper = make_mismatch(world_round.round, world_round.citywide, entry, readers, [[first.id], [second.id]])
    return {"round_id": world_round.round.id, "paper_ballot_id": paper.id}
