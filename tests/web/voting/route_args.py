"""URL builders for the voting routes in tests/web/routes.py (ROUTE_CASES).

Voter pages are built around a round in which the user under test (the resident when the visitor is anonymous)
is a voter in North, so every signed-in role reaches them as a voter; people who are not voters being refused
is tested in tests/web/voting/test_refusals.py.
"""

from __future__ import annotations

from pbvote.voting.operations import BallotContent, cast_ballot

from .factories import make_voter, make_voting_round


def _voter(world):
    return world.user or world.users["resident"]


def _world(world):
    voting = make_voting_round(world.organisation, world.users["resident"])
    make_voter(voting.round, _voter(world), "North")
    return voting


def voting_round(world) -> dict:
    """A round open for voting with the user under test as a voter."""
    return {"round_id": _world(world).round.id}


def ballot(world) -> dict:
    """The citywide ballot of a round open for voting, for the user under test."""
    voting = _world(world)
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id}


def cast(world) -> dict:
    """A citywide ballot the user under test has cast (for the receipt page)."""
    voting = _world(world)
    project = voting.projects["Citywide"][0]
    cast_ballot(voting.round.id, voting.citywide.id, _voter(world), BallotContent([project.id]))
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id}
