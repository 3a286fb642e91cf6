"""Notices go through the real SMTP test server; ``tick()`` runs the real ``pbvote tick``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from tests.web.voting.factories import make_voter, make_voting_round


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_BACKEND": "smtp", "MAIL_HOST": smtp_server.host, "MAIL_PORT": smtp_server.port,
            "SERVER_NAME": "pb.example.org"}


@pytest.fixture
def tick(app):
    """``tick()`` → the click result of ``pbvote tick`` on this test's app (asserted to succeed)."""
    from pbvote.cli import main

    def run():
        result = CliRunner().invoke(main, ["tick"], obj=ScriptInfo(create_app=lambda: app))
        assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def author(create_user):
    return create_user(email="author@example.org", display_name="Ada")


@pytest.fixture
def world(organisation, author, create_user, create_organisation):
    """A round in voting; Vera is registered, Rita is a resident who has not registered, and four people who
    must get nothing: a resident without a confirmed address, a voter-code identity, a deactivated resident
    and a resident of another organisation."""
    voting = make_voting_round(organisation, author)
    vera = create_user(email="vera@example.org", display_name="Vera")
    make_voter(voting.round, vera, "North")
    rita = create_user(email="rita@example.org", display_name="Rita")
    create_user(email="unconfirmed@example.org", confirmed=False)
    coder = create_user(email="x7k2@voters.invalid", roles=())
    make_voter(voting.round, coder, "North")
    create_user(email="gone@example.org", active=False)
    create_user(email="far@example.org", organisation=create_organisation())
    return {"round": voting, "vera": vera, "rita": rita, "author": author}
