"""Rate limits of the API: account sign-in per client address, casting per voter; answers are 429 problems."""

from __future__ import annotations

import pytest

from tests.web.api.conftest import bearer
from tests.web.api.test_council_api import sign_in
from tests.web.api.test_voting_api import assert_problem


@pytest.fixture
def app_config():
    """Tight API limits, so the limits can be reached in a test."""
    return {"RATELIMIT_API_SIGN_IN": "2 per minute", "RATELIMIT_API_BALLOT": "2 per minute"}


def test_account_sign_in_is_rate_limited(client, council):
    for _ in range(2):
        assert_problem(sign_in(client, council, "wrong password!"), 401)
    response = sign_in(client, council)
    assert_problem(response, 429)
    assert "Retry-After" in response.headers


def test_casting_is_rate_limited_per_voter(client, voting, code_token):
    first, second = code_token("North"), code_token("North")
    a = voting.projects["Citywide"][0]
    url = f"/api/v1/rounds/{voting.round.id}/budgets/{voting.citywide.id}/ballot"
    for _ in range(2):
        assert client.post(url, json={"choices": [a.id]}, headers=bearer(first)).status_code == 201
    assert_problem(client.post(url, json={"choices": [a.id]}, headers=bearer(first)), 429)
    assert client.post(url, json={"choices": [a.id]}, headers=bearer(second)).status_code == 201
