"""Fixtures for the rounds stories: a council and a resident of Testville, an outsider council, a round."""

from __future__ import annotations

import pytest

from .factories import make_round


@pytest.fixture
def new_round(app, organisation):
    """``new_round(state=…, organisation=…, **options)`` → a committed round (see factories.make_round)."""

    def create(organisation_=None, **options):
        return make_round(organisation_ or organisation, **options)

    return create


@pytest.fixture
def council(create_user):
    """A council member of Testville."""
    return create_user(email="clerk@testville.example", display_name="Clerk", roles=("council",))


@pytest.fixture
def resident(create_user):
    """A resident of Testville."""
    return create_user(email="rita@example.org", display_name="Rita")


@pytest.fixture
def auditor(create_user):
    """An auditor of Testville."""
    return create_user(email="audit@testville.example", display_name="Audrey", roles=("auditor",))


@pytest.fixture
def elsewhere(create_organisation, create_user):
    """A council member of another organisation (Otherton)."""
    other = create_organisation(slug="otherton", name="Otherton")
    return create_user(email="clerk@otherton.example", roles=("council",), organisation=other)



@pytest.fixture
def pbvote_cli(app):
    """``pbvote_cli("audit", "verify-log", "1")`` → the click result of the real ``pbvote`` command on ``app``."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from pbvote.cli import main

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke
