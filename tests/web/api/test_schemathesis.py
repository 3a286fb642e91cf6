"""Schemathesis against the live API (over real HTTP, on SQLite and PostgreSQL): every operation of the
OpenAPI document, fed generated and broken inputs with valid tokens, answers without a server error and as
the document says (status codes, content types, response bodies and headers)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig

from tests.web.api.conftest import bearer

COUNCIL_PATHS = ("/voter-codes", "/voting/open", "/voting/close")

# A schema-valid body may still break a rule the document cannot express (a ballot with unknown projects or
# too few of them, a used voter code, codes without their district): the server refuses it with 422, which
# the positive-data check must accept. Every other check runs as Schemathesis ships it.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})


@pytest.fixture
def app_config():
    """Limits high enough that generated requests test the operations, not the limiter."""
    return {"RATELIMIT_API_SIGN_IN": "10000 per minute", "RATELIMIT_API_CODE": "10000 per minute",
            "RATELIMIT_API_BALLOT": "10000 per minute"}


@pytest.fixture
def api_world(voting, council, code_token, token_for):
    """Real ids to put in the paths, and a voter's and a council member's token."""
    return {"round_id": voting.round.id, "budget_id": voting.citywide.id,
            "voter": bearer(code_token("North")), "council": bearer(token_for(council))}


def conformance_check(operation, live_server, api_world):
    """A Hypothesis test of one operation: generated cases, with real ids in the path and a fitting token."""
    headers = api_world["council" if operation.path.endswith(COUNCIL_PATHS) else "voter"]

    @given(case=operation.as_strategy())
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        for name in ("round_id", "budget_id"):
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = api_world[name]
        case.call_and_validate(base_url=live_server.base_url, headers=headers)

    return check


def test_api_conforms_to_its_openapi_document(live_server, api_world):
    # Each operation's cases are drawn here with Hypothesis (schemathesis.pytest's lazy fixture loader does not
    # work with pytest 9 yet); any failed check raises and names the operation and the request.
    schema = schemathesis.openapi.from_url(live_server.url("/api/openapi.json"), config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:
        conformance_check(operation, live_server, api_world)()
