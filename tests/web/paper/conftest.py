"""Fixtures for the paper-ballot stories: three council staff members, a resident, and a round open for voting
(ranked ballots, rank 1 to 3) with a voter roll."""

from __future__ import annotations

import pytest

from tests.web.rounds.conftest import elsewhere  # noqa: F401 (a shared fixture; client_for is in tests/web/conftest.py)
from tests.web.voting.factories import make_voting_round

from .factories import add_roll_entry


@pytest.fixture
def clerks(create_user):
    """Three council members of Testville who enter paper ballots."""
    return [create_user(email=f"clerk{n}@testville.example", display_name=f"Clerk {n}", roles=("council",))
            for n in (1, 2, 3)]


@pytest.fixture
def paper_round(organisation, create_user):
    """A ranked round open for voting with roll entries NL-0001 (North), NL-0002 (South) and rosa@example.org
    (North)."""
    author = create_user(email="author@example.org", display_name="Ada")
    world = make_voting_round(organisation, author)
    for identifier, district in (("NL-0001", "North"), ("NL-0002", "South"), ("rosa@example.org", "North")):
        add_roll_entry(world.round, identifier, district)
    return world
