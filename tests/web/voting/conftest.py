"""Fixtures for the voting stories: an author, a round open for voting, and a voter (the council member is in
tests/web/conftest.py)."""

from __future__ import annotations

import pytest

from .factories import make_voter, make_voting_round


@pytest.fixture
def author(create_user):
    """The resident who proposed every project."""
    return create_user(email="author@example.org", display_name="Ada")


@pytest.fixture
def voting(organisation, author):
    """``voting(kind="ranked", **settings)`` → a VotingRound in the voting phase (see factories)."""

    def create(**options):
        return make_voting_round(organisation, author, **options)

    return create


@pytest.fixture
def voter_user(create_user):
    """A resident who will vote (put on a round's voters with ``make_voter``)."""
    return create_user(email="vera@example.org", display_name="Vera")


@pytest.fixture
def ranked(voting, voter_user):
    """A ranked round (rank 1 to 3; 3, 2, 1 points) with ``voter_user`` registered in North."""
    world = voting()
    make_voter(world.round, voter_user, "North")
    return world
