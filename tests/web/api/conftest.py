"""Fixtures for the API stories: a round open for voting, voter codes, tokens, and a JSON client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pbvote.api.auth import issue_token
from pbvote.api.models import ApiToken, TokenKind
from pbvote.database import write_transaction
from pbvote.rounds.models import RoundState
from pbvote.rounds.voters import generate_voter_codes
from tests.web.voting.factories import make_voting_round


@pytest.fixture
def council(create_user):
    """A council member of Testville (signs in to the API with email and password)."""
    return create_user(email="clerk@testville.example", display_name="Clerk", roles=("council",))


@pytest.fixture
def voting(organisation, create_user):
    """A round open for voting: ranked ballots (1 to 3 ranks) on a citywide and two district budgets."""
    author = create_user(email="author@example.org", display_name="Ada")
    return make_voting_round(organisation, author)


@pytest.fixture
def voter_codes(db):
    """``voter_codes(round_, count=1, district="North")`` → printed codes made by the real operation.

    Codes are made before voting opens (the lifecycle allows it only then), so a round already voting is put
    back in review for the moment it takes."""

    def make(round_, count: int = 1, district: str | None = "North") -> list[str]:
        district_id = next((d.id for d in round_.districts if d.name == district), None)
        with write_transaction():
            round_ = db.session.merge(round_)
            state, round_.state = round_.state, RoundState.REVIEW.value
            issued = generate_voter_codes(round_, None, count, district_id)
            round_.state = state
        return [code.printed for code in issued]

    return make


@pytest.fixture
def code_token(client, voting, voter_codes):
    """``code_token(district="North")`` → a bearer token from signing in with a fresh code over the API."""

    def sign_in(district: str = "North") -> str:
        [code] = voter_codes(voting.round, 1, district)
        response = client.post("/api/v1/tokens/voter-code", json={"round_id": voting.round.id, "code": code})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["token"]

    return sign_in


@pytest.fixture
def token_for(db):
    """``token_for(user, kind="password", expired=False)`` → a token issued directly to ``user``."""

    def issue(user, kind: str = "password", *, expired: bool = False) -> str:
        token, record = issue_token(db.session.merge(user), TokenKind(kind))
        if expired:
            record.expires_at = record.created_at - timedelta(seconds=1)
        db.session.commit()
        return token

    return issue


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def stored_tokens(db):
    """``stored_tokens()`` → every ApiToken row (to check what the database keeps)."""
    from sqlalchemy import select

    def read() -> list[ApiToken]:
        db.session.rollback()
        return list(db.session.scalars(select(ApiToken)))

    return read
