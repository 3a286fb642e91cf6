"""Fixtures for the accountability stories: a published round (twelve approval ballots in its citywide budget)
with its council, its funded and unfunded projects, and the other roles that must be refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.audit.conftest import vote_close_publish
from tests.web.accountability.factories import funded_and_unfunded


@dataclass
class Delivered:
    round: Any
    council: Any
    funded: list
    unfunded: list


@pytest.fixture
def delivered(organisation, create_user, db) -> Delivered:
    world, council = vote_close_publish(organisation, create_user)
    funded, unfunded = funded_and_unfunded(world.round)
    assert funded and unfunded
    return Delivered(world.round, council, funded, unfunded)


def new_url(proposal) -> str:
    return f"/proposals/{proposal.id}/progress/new"


def form_data(**overrides) -> dict:
    """A valid submission of the progress update form."""
    data = {"status": "in_progress", "reported_on": "2026-11-02", "text": "Diggers arrived on **Monday**.",
            "spent": "1,250.50"}
    data.update(overrides)
    return data
