"""URL builders for the API routes in tests/web/routes.py, and the bearer token the walker sends per role."""

from __future__ import annotations

from pbvote.api.auth import issue_token
from pbvote.api.models import TokenKind
from pbvote.extensions import db
from pbvote.voting.operations import BallotContent, cast_ballot
from tests.web.rounds.factories import make_round
from tests.web.voting.factories import make_voter, make_voting_round


def bearer_headers(world) -> dict[str, str]:
    """``Authorization: Bearer …`` for the world's user (a token obtained with a password), none when anonymous."""
    if world.user is None:
        return {}
    token, _ = issue_token(world.user, TokenKind.PASSWORD)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _voting(world):
    """A round open for voting, with the world's user (if any) a voter in North."""
    voting = make_voting_round(world.organisation, world.users["resident"])
    if world.user is not None:
        make_voter(voting.round, world.user, "North")
    return voting


def voting_round(world) -> dict:
    """A round open for voting where the user under test is a voter."""
    return {"round_id": _voting(world).round.id}


def budget(world) -> dict:
    """The citywide budget of a round open for voting."""
    voting = _voting(world)
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id}


def cast_budget(world) -> dict:
    """A budget where the user under test has cast a ballot."""
    voting = _voting(world)
    if world.user is not None:
        cast_ballot(voting.round.id, voting.citywide.id, world.user,
                    BallotContent([voting.projects["Citywide"][0].id]))
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id}


def review_round(world) -> dict:
    """A round in review (voting may be opened; codes may be made)."""
    return {"round_id": make_round(world.organisation, state="review").id}
