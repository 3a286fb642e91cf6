"""A voter with a code from a council letter: claiming it renews the session, leads straight to the ballot,
and the identity it creates can vote in that round only."""

from __future__ import annotations

from pbvote.extensions import db as _db
from pbvote.rounds.voters import generate_voter_codes
from tests.conftest import extract_csrf_token

from .test_ballot_pages import ballot_url, cast_reviewed, current_ballots, press


def issue_code(round_, district_name: str = "North") -> str:
    """A code printed before voting opened (codes are made while the council still manages voters)."""
    state, round_.state = round_.state, "deliberation"
    district = next(d for d in round_.districts if d.name == district_name)
    [issued] = generate_voter_codes(round_, None, 1, district.id)
    round_.state = state
    _db.session.commit()
    return issued.printed


def claim(client, round_, code: str):
    url = f"/rounds/{round_.id}/code"
    page = client.get(url).get_data(as_text=True)
    token = extract_csrf_token(page)
    response = client.post(url, data={"csrf_token": token, "code": code, "display_name": "Kim"})
    return token, response


def test_claiming_a_code_renews_the_session_and_opens_the_ballot(client, voting, db, mail_outbox):
    world = voting()
    token_before, response = claim(client, world.round, issue_code(world.round))
    assert response.status_code == 303
    assert response.location.endswith(f"/rounds/{world.round.id}/vote")
    assert extract_csrf_token(client.get(response.location).get_data(as_text=True)) != token_before

    url = ballot_url(world, world.north)
    press(client, url, f"add:{world.projects['North budget'][0].id}")
    assert cast_reviewed(client, url).status_code == 303
    assert len(current_ballots(db, world.north)) == 1
    assert mail_outbox == []  # a code identity has no address to mail the receipt to


def test_a_code_identity_cannot_join_other_rounds(client, voting, db):
    world, other = voting(), voting()
    _, response = claim(client, world.round, issue_code(world.round))
    assert response.status_code == 303

    for path in ("register", "code"):
        url = f"/rounds/{other.round.id}/{path}"
        data = {"district_id": str(other.round.districts[0].id)} if path == "register" else {
            "code": issue_code(other.round), "display_name": "Kim"}
        response = client.post_form(url, data, token_page=url)
        assert response.status_code == (403 if path == "register" else 200)
        assert "round only. Register an account" in response.get_data(as_text=True), path
    from sqlalchemy import select

    from pbvote.accounts.models import User
    from pbvote.rounds.voters import voter_record

    code_user = db.session.scalar(select(User).where(User.email.like("%@voters.invalid")))
    assert voter_record(other.round, code_user) is None


def test_a_code_for_a_round_not_yet_voting_says_so(client, voting, db):
    world = voting()
    world.round.state = "deliberation"
    db.session.commit()
    _, response = claim(client, world.round, issue_code(world.round))
    assert response.status_code == 303 and response.location.endswith(f"/rounds/{world.round.id}")
    assert "you are a voter of this round. Voting has not opened yet" in client.get(response.location).get_data(as_text=True)
