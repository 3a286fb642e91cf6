"""A round that went through voting, closing and publication, and helpers to open and rewrite its bundle."""

from __future__ import annotations

import io
import zipfile

import pytest

from pbvote.audit.bundle import build_bundle, deterministic_zip
from pbvote.database import write_transaction
from pbvote.extensions import db
from pbvote.results.operations import publish_results
from pbvote.voting.operations import BallotContent, cast_ballot, close_voting
from tests.web.rounds.conftest import pbvote_cli  # noqa: F401  (the real `pbvote` command on the app)
from tests.web.voting.factories import make_voter, make_voting_round


def vote_close_publish(organisation, create_user, *, voters: int = 12, kind: str = "approval",
                       rule_id: str = "greedy", **settings):
    """A round whose citywide budget got ``voters`` approval ballots, closed and published (bundle public)."""
    council = create_user(email="clerk@testville.example", roles=("council",))
    author = create_user(email="author@testville.example")
    world = make_voting_round(organisation, author, kind=kind, amount=12_000_00, rule_id=rule_id, **settings)
    projects = [p.id for p in world.projects["Citywide"]]
    for number in range(voters):
        user = create_user(email=f"voter{number}@testville.example")
        make_voter(world.round, user, "North" if number % 2 else "South")
        choices = sorted({projects[number % 4], projects[(number * 3 + 1) % 4]})
        cast_ballot(world.round.id, world.citywide.id, user, BallotContent(choices))
    with write_transaction():
        close_voting(db.session.get(type(world.round), world.round.id), council)
    with write_transaction():
        publish_results(world.round, council, bundle_public=True)
    return world, council


@pytest.fixture
def published(organisation, create_user, db):
    """(world, council) for a published round with twelve approval ballots in its citywide budget."""
    return vote_close_publish(organisation, create_user)


@pytest.fixture
def bundle(published) -> bytes:
    """The published round's audit bundle."""
    world, _ = published
    return build_bundle(world.round)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    return deterministic_zip(files)
