"""Fixtures for every web story (features' own conftest files may add more)."""

from __future__ import annotations

import pytest


@pytest.fixture
def client_for(app, auth):
    """``client_for(user)`` → a new test client signed in as ``user``."""

    def make(user):
        client = app.test_client()
        auth.login(user, client=client)
        return client

    return make
