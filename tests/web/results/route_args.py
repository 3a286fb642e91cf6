"""URL builders for the results routes in tests/web/routes.py (ROUTE_CASES): a published round whose citywide
budget counted the resident's ballot."""

from __future__ import annotations

from pbvote.database import write_transaction
from pbvote.extensions import db
from pbvote.results.operations import publish_results
from pbvote.voting.operations import BallotContent, cast_ballot, close_voting
from tests.web.voting.factories import make_voter, make_voting_round


def published_round(world):
    """A round voted in by the world's resident, closed and published (bundle public) by its council."""
    resident, council = world.users["resident"], world.users["council"]
    voting = make_voting_round(world.organisation, resident)
    make_voter(voting.round, resident, "North")
    cast_ballot(voting.round.id, voting.citywide.id, resident, BallotContent([voting.projects["Citywide"][0].id]))
    with write_transaction():
        close_voting(db.session.get(type(voting.round), voting.round.id), council)
    with write_transaction():
        publish_results(voting.round, council, bundle_public=True)
    return voting


def results(world) -> dict:
    return {"round_id": published_round(world).round.id}


def budget(world) -> dict:
    voting = published_round(world)
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id}
