"""A kiosk signs a voter in with a code, reads the ballot, casts and replaces it and reads the receipt; every
refusal is problem JSON naming the problem, and nothing is stored when the ballot breaks the rules."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from pbvote.rounds import operations
from pbvote.rounds.models import RoundState
from pbvote.voting.models import Ballot
from tests.sql_log import SentStatements
from tests.web.api.conftest import bearer

PROBLEM = "application/problem+json"


def ballots(db, budget, *, current_only: bool = True) -> list[Ballot]:
    db.session.rollback()
    query = select(Ballot).where(Ballot.budget_id == budget.id)
    if current_only:
        query = query.where(Ballot.superseded_at.is_(None))
    return list(db.session.scalars(query))


def assert_problem(response, status: int, *words: str) -> dict:
    body = response.get_json(force=True)
    assert response.status_code == status, body
    assert response.mimetype == PROBLEM
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    for word in words:
        assert word in body["detail"], body
    return body


def cast_url(voting, budget) -> str:
    return f"/api/v1/rounds/{voting.round.id}/budgets/{budget.id}/ballot"


def test_code_sign_in_ballot_definition_cast_replace_and_receipt(client, voting, code_token, db, stored_tokens):
    token = code_token("North")
    [record] = stored_tokens()
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in record.token_hash
    assert record.kind == "voter_code"

    definition = client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token))
    assert definition.status_code == 200 and "Set-Cookie" not in definition.headers
    budgets = {b["name"]: b for b in definition.get_json()["budgets"]}
    assert set(budgets) == {"Citywide", "North budget"}  # not South's
    citywide = budgets["Citywide"]
    assert citywide["rules"] == {"ballot_type": "ranked", "min_choices": 1, "max_choices": 3, "min_spend": 0,
                                 "points_total": None, "points_per_project_max": None, "points_per_rank": [3, 2, 1]}
    a, b, c, _ = voting.projects["Citywide"]
    assert [p["id"] for p in citywide["projects"]] == [p.id for p in voting.projects["Citywide"]]
    assert citywide["has_ballot"] is False

    first = client.post(cast_url(voting, voting.citywide), json={"choices": [c.id, a.id]}, headers=bearer(token))
    assert first.status_code == 201, first.get_json()
    receipt = first.get_json()
    assert receipt["replaced"] is False and len(receipt["tracking_code"].replace("-", "")) == 20
    [stored] = ballots(db, voting.citywide)
    assert stored.choices == [c.id, a.id] and stored.channel == "api"
    assert stored.tracking_code == receipt["tracking_code"].replace("-", "")

    second = client.post(cast_url(voting, voting.citywide), json={"choices": [b.id]}, headers=bearer(token))
    assert second.status_code == 201 and second.get_json()["replaced"] is True
    assert [ballot.choices for ballot in ballots(db, voting.citywide)] == [[b.id]]
    assert len(ballots(db, voting.citywide, current_only=False)) == 2

    shown = client.get(f"/api/v1/rounds/{voting.round.id}/budgets/{voting.citywide.id}/receipt", headers=bearer(token))
    assert shown.status_code == 200
    assert shown.get_json()["choices"] == [b.id] and "tracking_code" not in shown.get_json()
    assert second.get_json()["tracking_code"].replace("-", "") not in shown.get_data(as_text=True).replace("-", "")


def test_a_code_signs_in_once(client, voting, voter_codes):
    [code] = voter_codes(voting.round)
    body = {"round_id": voting.round.id, "code": code.lower().replace("-", " ")}
    assert client.post("/api/v1/tokens/voter-code", json=body).status_code == 201
    assert_problem(client.post("/api/v1/tokens/voter-code", json=body), 422, "already been used")
    assert_problem(client.post("/api/v1/tokens/voter-code", json={"round_id": voting.round.id, "code": "nope"}),
                   422, "not a voter code")
    assert_problem(client.post("/api/v1/tokens/voter-code", json={"round_id": 999_999, "code": code}), 404)
    invalid = assert_problem(client.post("/api/v1/tokens/voter-code", json={"code": 5}), 422)
    assert set(invalid["errors"]["json"]) == {"code", "round_id"}


@pytest.mark.parametrize("body", [
    {"email": "council\x00@example.org", "password": "x" * 12},
    {"email": "council@example.org", "password": "x" * 12, "extra\x00": "y"},
    {"round_id": 1, "code": ["\x00"]},
])
def test_a_nul_character_in_a_json_body_is_refused_before_the_database(client, create_user, body):
    # PostgreSQL refuses to store or even compare text with NUL: unchecked, this was a 500 (found by schemathesis).
    create_user(email="council@example.org")
    path = "/api/v1/tokens/voter-code" if "code" in body else "/api/v1/tokens/account"
    assert_problem(client.post(path, json=body), 422, "NUL character")


def test_a_code_of_a_draft_round_is_not_found(client, organisation, voter_codes):
    from tests.web.rounds.factories import make_round

    round_ = make_round(organisation)
    [code] = voter_codes(round_)
    assert_problem(client.post("/api/v1/tokens/voter-code", json={"round_id": round_.id, "code": code}), 404)


@pytest.mark.parametrize(("choices", "words"), [
    ("unknown", "not a project of this round"),
    ("twice", "twice"),
    ("too_many", "at most 3"),
    ("none", "at least one project"),
    ("other_budget", "another budget"),
])
def test_the_server_refuses_a_bad_ballot_and_stores_nothing(client, voting, code_token, db, choices, words):
    token = code_token("North")
    a, b, c, d = voting.projects["Citywide"]
    content = {
        "unknown": [999_999],
        "twice": [a.id, a.id],
        "too_many": [a.id, b.id, c.id, d.id],
        "none": [],
        "other_budget": [voting.projects["North budget"][0].id],
    }[choices]
    body = assert_problem(client.post(cast_url(voting, voting.citywide), json={"choices": content},
                                      headers=bearer(token)), 422, words)
    assert any(words in problem for problem in body["errors"]["ballot"])
    assert ballots(db, voting.citywide, current_only=False) == []


def test_points_on_a_ranked_ballot_and_garbage_are_refused(client, voting, code_token, db):
    token = code_token("North")
    a = voting.projects["Citywide"][0]
    url = cast_url(voting, voting.citywide)
    assert_problem(client.post(url, json={"choices": [a.id], "points": [3]}, headers=bearer(token)), 422,
                   "does not take points")
    assert_problem(client.post(url, json={"choices": ["x"]}, headers=bearer(token)), 422)
    assert_problem(client.post(url, json={"choices": [2**40]}, headers=bearer(token)), 422)
    assert_problem(client.post(url, json={"choices": [a.id], "extra": 1}, headers=bearer(token)), 422)
    assert_problem(client.post(url, data="{not json", content_type="application/json", headers=bearer(token)), 400)
    assert ballots(db, voting.citywide, current_only=False) == []


def test_another_districts_budget_and_unknown_budgets(client, voting, code_token):
    token = code_token("North")
    south = voting.projects["South budget"][0]
    assert_problem(client.post(cast_url(voting, voting.south), json={"choices": [south.id]}, headers=bearer(token)),
                   403, "another district")
    url = f"/api/v1/rounds/{voting.round.id}/budgets/999999/ballot"
    assert_problem(client.post(url, json={"choices": [south.id]}, headers=bearer(token)), 404)


def test_voting_not_open_is_a_conflict(client, voting, code_token, db):
    token = code_token("North")
    round_ = db.session.merge(voting.round)
    round_.state = RoundState.TALLIED.value
    db.session.commit()
    a = voting.projects["Citywide"][0]
    assert_problem(client.post(cast_url(voting, voting.citywide), json={"choices": [a.id]}, headers=bearer(token)),
                   409, "not open")
    assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token)), 409)


def test_a_password_account_that_is_not_a_voter_is_refused(client, voting, council, token_for):
    token = token_for(council)
    assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token)), 403,
                   "not on this round's voters")


# ---- tokens ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer pbv_garbled", "Basic dXNlcjpwYXNz",
                                    "Bearer pbv_" + "A" * 43, "bearer  pbv_" + "-" * 43])
def test_missing_garbled_and_unknown_tokens_get_401(client, voting, header):
    headers = {"Authorization": header} if header else {}
    body = assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=headers), 401)
    assert body["detail"]


def test_401_names_the_bearer_scheme(client, voting):
    response = client.get(f"/api/v1/rounds/{voting.round.id}/ballot")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_stops_working(client, voting, create_user, token_for):
    user = create_user(email="late@example.org")
    token = token_for(user, expired=True)
    assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token)), 401, "expired")


def test_a_revoked_token_stops_working(client, voting, code_token):
    token = code_token("North")
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204
    assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token)), 401)


def test_a_browser_session_does_not_reach_the_api(client, auth, voting, create_user):
    from tests.web.voting.factories import make_voter

    user = create_user(email="browser@example.org")
    make_voter(voting.round, user, "North")
    auth.login(user)
    a = voting.projects["Citywide"][0]
    assert_problem(client.post(cast_url(voting, voting.citywide), json={"choices": [a.id]}), 401)


def test_another_voters_token_never_shows_my_ballot(client, voting, code_token, db):
    mine, theirs = code_token("North"), code_token("North")
    a = voting.projects["Citywide"][0]
    assert client.post(cast_url(voting, voting.citywide), json={"choices": [a.id]}, headers=bearer(mine)).status_code == 201
    receipt_url = f"/api/v1/rounds/{voting.round.id}/budgets/{voting.citywide.id}/receipt"
    assert_problem(client.get(receipt_url, headers=bearer(theirs)), 404, "no ballot")
    definition = client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(theirs)).get_json()
    assert [b["has_ballot"] for b in definition["budgets"]] == [False, False]


def test_an_unconfirmed_accounts_token_is_refused(client, voting, create_user, token_for):
    user = create_user(email="unconfirmed@example.org", confirmed=False)
    assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token_for(user))), 403,
                   "Confirm")


# ---- problem JSON everywhere -----------------------------------------------------------------------------------


def test_unknown_urls_and_wrong_methods_are_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/api/nothing"), 404)
    response = client.get("/api/v1/tokens/account")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_a_bug_is_a_500_problem_without_a_traceback(client, voting, code_token, monkeypatch):
    from pbvote.api import operations

    token = code_token("North")

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(operations, "ballot_definition", broken)
    body = assert_problem(client.get(f"/api/v1/rounds/{voting.round.id}/ballot", headers=bearer(token)), 500)
    assert "secret internals" not in str(body)


def test_html_pages_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_cast_costs_two_reads_and_one_write(client, voting, code_token, db, database, monkeypatch):
    """Every cast pays for each round trip, so they are counted: the token, then one read of everything the
    checks need, then the INSERT (and the UPDATE of the ballot it replaces), in one transaction on PostgreSQL
    (SQLite commits the reads and takes its write lock). The round's schedule is read once per worker and
    trusted for a while (a cast reads the round's state itself)."""
    monkeypatch.setattr(operations, "SCHEDULE_TRUST_SECONDS", 3600)
    a, b, c = (project.id for project in voting.projects["Citywide"][:3])
    url = cast_url(voting, voting.citywide)
    earlier, token = code_token(), code_token()  # making codes changes the round: its schedule is read again
    assert client.post(url, json={"choices": [a]}, headers=bearer(earlier)).status_code == 201

    with SentStatements(db.engine) as first:
        assert client.post(url, json={"choices": [b, c]}, headers=bearer(token)).status_code == 201
    with SentStatements(db.engine) as replacing:
        assert client.post(url, json={"choices": [c]}, headers=bearer(token)).status_code == 201

    if database.kind == "postgresql":
        assert first == ["SELECT", "SELECT", "INSERT", "COMMIT"]
        assert replacing == ["SELECT", "SELECT", "UPDATE", "INSERT", "COMMIT"]
    else:
        assert first == ["BEGIN", "SELECT", "COMMIT", "BEGIN IMMEDIATE", "SELECT", "INSERT", "COMMIT"]
        assert replacing == ["BEGIN", "SELECT", "COMMIT", "BEGIN IMMEDIATE", "SELECT", "UPDATE", "INSERT", "COMMIT"]
    assert sorted(ballot.choices for ballot in ballots(db, voting.citywide)) == [[a], [c]]
