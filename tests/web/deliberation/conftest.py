"""Fixtures for the discussion stories: an open round with a proposal, residents, a moderator, the council."""

from __future__ import annotations

import pytest

from tests.web.proposals.factories import make_proposal, make_round

from .factories import make_comment


@pytest.fixture
def round_(app, organisation):
    """A round of Testville in its proposals phase (posting allowed)."""
    return make_round(organisation)


@pytest.fixture
def alice(create_user):
    """The resident who proposed the playground."""
    return create_user(email="alice@example.org", display_name="Alice")


@pytest.fixture
def bob(create_user):
    return create_user(email="bob@example.org", display_name="Bob")


@pytest.fixture
def carol(create_user):
    return create_user(email="carol@example.org", display_name="Carol")


@pytest.fixture
def moderator(create_user):
    return create_user(email="mod@example.org", display_name="Mo", roles=("resident", "moderator"))


@pytest.fixture
def proposal(round_, alice):
    return make_proposal(round_, alice, title="A playground")


@pytest.fixture
def create_comment(app):
    """``create_comment(proposal, author, body=…, stance=…, parent=…, status=…)`` → a committed comment."""
    return make_comment


@pytest.fixture
def client_for(app, auth):
    """``client_for(user)`` → a new test client signed in as ``user``."""

    def make(user):
        client = app.test_client()
        auth.login(user, client=client)
        return client

    return make


def post(client, url: str, data: dict, *, htmx: bool = False, token_page: str = "/"):
    """POST a form with a real CSRF token, optionally the way htmx sends it."""
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post_form(url, data, token_page=token_page, headers=headers)
