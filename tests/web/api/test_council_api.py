"""Council staff sign in with email and password, make voter codes in bulk, open and close voting; residents,
code voters and other organisations' councils are refused; sign-in is rate limited; the docs are served."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pbvote.rounds.events import EventKind
from pbvote.rounds.models import RoundEvent, RoundState
from tests.web.api.conftest import bearer
from tests.web.api.test_voting_api import assert_problem
from tests.web.rounds.factories import make_round


def sign_in(client, user, password=None):
    return client.post("/api/v1/tokens/account", json={"email": user.email, "password": password or user.password})


def council_token(client, council) -> str:
    response = sign_in(client, council)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["kind"] == "password" and response.get_json()["token_type"] == "Bearer"
    return response.get_json()["token"]


def test_account_sign_in_refuses_wrong_passwords_and_unconfirmed_accounts(client, council, create_user):
    assert_problem(sign_in(client, council, "wrong password!"), 401, "wrong")
    assert_problem(client.post("/api/v1/tokens/account", json={"email": "nobody@example.org", "password": "x"}), 401)
    unconfirmed = create_user(email="new@example.org", confirmed=False)
    assert_problem(sign_in(client, unconfirmed), 403, "Confirm")


def test_council_makes_codes_opens_voting_and_codes_sign_voters_in(client, council, organisation):
    round_ = make_round(organisation, state="review")
    token = council_token(client, council)
    north = round_.districts[0]
    made = client.post(f"/api/v1/rounds/{round_.id}/voter-codes", json={"count": 3, "district_id": north.id},
                       headers=bearer(token))
    assert made.status_code == 201, made.get_json()
    codes = [item["code"] for item in made.get_json()["codes"]]
    assert len(set(codes)) == 3 and all(re.fullmatch(r"[3-9A-Y]{6}-[3-9A-Y]{6}-[3-9A-Y]{6}", c) for c in codes)
    assert {item["district"] for item in made.get_json()["codes"]} == {"North"}
    assert_problem(client.post(f"/api/v1/rounds/{round_.id}/voter-codes", json={"count": 1}, headers=bearer(token)),
                   422, "district")
    assert_problem(client.post(f"/api/v1/rounds/{round_.id}/voter-codes", json={"count": 0}, headers=bearer(token)),
                   422)

    opened = client.post(f"/api/v1/rounds/{round_.id}/voting/open", headers=bearer(token))
    assert opened.status_code == 200 and opened.get_json() == {"id": round_.id, "state": "voting", "budgets": []}
    assert_problem(client.post(f"/api/v1/rounds/{round_.id}/voting/open", headers=bearer(token)), 409)
    assert_problem(client.post(f"/api/v1/rounds/{round_.id}/voter-codes", json={"count": 1, "district_id": north.id},
                               headers=bearer(token)), 409, "voting phase")
    signed_in = client.post("/api/v1/tokens/voter-code", json={"round_id": round_.id, "code": codes[0]})
    assert signed_in.status_code == 201


def test_close_voting_tallies_and_logs_the_counts(client, council, voting, code_token, db):
    a, b = voting.projects["Citywide"][:2]
    for choices in ([a.id], [a.id, b.id], [b.id]):
        voter = code_token("South")
        url = f"/api/v1/rounds/{voting.round.id}/budgets/{voting.citywide.id}/ballot"
        assert client.post(url, json={"choices": choices}, headers=bearer(voter)).status_code == 201
    token = council_token(client, council)
    closed = client.post(f"/api/v1/rounds/{voting.round.id}/voting/close", headers=bearer(token))
    assert closed.status_code == 200, closed.get_json()
    document = closed.get_json()
    assert document["state"] == RoundState.TALLIED.value
    citywide = next(item for item in document["budgets"] if item["budget_id"] == voting.citywide.id)
    assert citywide["ballots"] == 3 and citywide["selected"][:2] in ([a.id, b.id], [b.id, a.id])
    db.session.rollback()
    kinds = db.session.scalars(select(RoundEvent.kind).where(RoundEvent.round_id == voting.round.id)).all()
    assert EventKind.VOTING_CLOSED in kinds and EventKind.TALLIED in kinds
    assert_problem(client.post(f"/api/v1/rounds/{voting.round.id}/voting/close", headers=bearer(token)), 409)


@pytest.mark.parametrize("who", ["resident", "code_voter", "council_elsewhere"])
def test_council_endpoints_refuse_everyone_else(client, voting, who, create_user, create_organisation, code_token,
                                                token_for):
    if who == "resident":
        token = token_for(create_user(email="rita@example.org"))
    elif who == "code_voter":
        token = code_token("North")
    else:
        other = create_organisation(slug="elsewhere", name="Elsewhere")
        token = token_for(create_user(email="clerk@elsewhere.example", roles=("council",), organisation=other))
    for path, body in (("voter-codes", {"count": 1}), ("voting/open", None), ("voting/close", None)):
        response = client.post(f"/api/v1/rounds/{voting.round.id}/{path}", json=body, headers=bearer(token))
        assert_problem(response, 403, "council")
    assert_problem(client.post("/api/v1/rounds/999999/voting/close", headers=bearer(token)), 404)


def test_a_council_members_voter_code_token_is_no_council_token(client, council, voting, token_for):
    token = token_for(council, "voter_code")
    assert_problem(client.post(f"/api/v1/rounds/{voting.round.id}/voting/close", headers=bearer(token)), 403)


def test_council_cannot_read_a_voters_ballot(client, council, voting, code_token):
    voter = code_token("North")
    a = voting.projects["Citywide"][0]
    url = f"/api/v1/rounds/{voting.round.id}/budgets/{voting.citywide.id}"
    assert client.post(url + "/ballot", json={"choices": [a.id]}, headers=bearer(voter)).status_code == 201
    assert_problem(client.get(url + "/receipt", headers=bearer(council_token(client, council))), 404)


# ---- the document and the docs page ----------------------------------------------------------------------------


def test_openapi_document_describes_every_operation(client, app):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    operations = {(path, method) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    api_rules = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(operations) == len(api_rules) == 9
    cast = document["paths"]["/api/v1/rounds/{round_id}/budgets/{budget_id}/ballot"]["post"]
    assert cast["security"] == [{"bearerAuth": []}]
    assert "application/problem+json" in document["components"]["responses"]["DEFAULT_ERROR"]["content"]


def test_docs_page_uses_only_vendored_files_and_no_inline_script(client):
    response = client.get("/api/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    sources = re.findall(r'<script([^>]*)>', html)
    assert sources and all('src="/static/' in attributes for attributes in sources)
    assert re.search(r"<script[^>]*>(?!</script>)", html) is None  # no inline code
    assert "style=" not in html and "<style" not in html
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset = client.get(path)
        assert asset.status_code == 200
        asset.close()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
