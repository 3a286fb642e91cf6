"""Fixtures for the proposal stories: a round in the proposals phase, its council, residents and proposals."""

from __future__ import annotations

import pytest

from .factories import make_proposal, make_round


@pytest.fixture
def create_round(app, organisation):
    """``create_round(state="proposals", organisation=…, **options)`` → a committed round (see factories)."""

    def create(organisation_=None, **options):
        return make_round(organisation_ or organisation, **options)

    return create


@pytest.fixture
def create_proposal(app):
    """``create_proposal(round, author, **options)`` → a committed proposal (see factories)."""
    return make_proposal


@pytest.fixture
def round_(create_round):
    """A round of Testville in its proposals phase with districts North and South, each with a budget."""
    return create_round()


@pytest.fixture
def alice(create_user):
    """A resident who proposes."""
    return create_user(email="alice@example.org", display_name="Alice")


@pytest.fixture
def bob(create_user):
    """Another resident."""
    return create_user(email="bob@example.org", display_name="Bob")


@pytest.fixture
def council(create_user):
    """A council member of Testville."""
    return create_user(email="council@example.org", display_name="Clerk", roles=("council",))
