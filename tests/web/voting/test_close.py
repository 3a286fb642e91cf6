"""Closing voting: the log records each budget's counted ballots and the digest of their tracking codes, every
budget is tallied with its rule (only current ballots count), and nobody learns how a named voter voted."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from pbvote.results.models import TallyResult
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import Phase, utcnow
from pbvote.voting.models import Ballot
from pbvote.voting.operations import BallotContent, cast_ballot

from .factories import make_voter


def test_council_closes_voting_and_every_budget_is_tallied(client, auth, voting, voter_user, council, create_user, db):
    ranked = voting(amount=10_000_00)  # room for two of the €5,000 projects
    make_voter(ranked.round, voter_user, "North")
    city = [p.id for p in ranked.projects["Citywide"]]
    other = create_user(email="otto@example.org")
    make_voter(ranked.round, other, "South")
    cast_ballot(ranked.round.id, ranked.citywide.id, voter_user, BallotContent([city[3]]))
    cast_ballot(ranked.round.id, ranked.citywide.id, voter_user, BallotContent([city[0], city[1]]))  # replaces
    cast_ballot(ranked.round.id, ranked.citywide.id, other, BallotContent([city[1]]))
    codes = db.session.scalars(select(Ballot.tracking_code).where(Ballot.superseded_at.is_(None))).all()

    auth.login(council)
    url = f"/rounds/{ranked.round.id}/close-voting"
    page = client.get(url).get_data(as_text=True)
    assert "Citywide</th><td>2</td>" in page
    response = client.post_form(url, {}, token_page=url)
    assert response.status_code == 303
    db.session.rollback()
    assert ranked.round.state == "tallied"

    closed = next(e for e in round_events(ranked.round.id) if e.kind == "voting_closed")
    citywide = next(b for b in closed.payload["budgets"] if b["budget_id"] == ranked.citywide.id)
    assert citywide["ballots"] == 2
    assert citywide["tracking_codes_sha256"] == hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()
    assert verify_chain(ranked.round.id).ok

    result = db.session.scalar(select(TallyResult).where(TallyResult.budget_id == ranked.citywide.id))
    assert result.ballots_counted == 2 and result.rule_id == "greedy"
    # Points 3, 2, 1 per rank: project 2 has 2 + 3 = 5 points, project 1 has 3; the superseded ballot's
    # project 4 gets nothing. Two €5,000 projects fit the €10,000 budget.
    assert result.selected == [city[1], city[0]]
    assert {step["project"] for step in result.outcome["steps"] if step["action"] == "select"} == {
        str(city[0]), str(city[1])}

    # Closed: the ballot pages say so and nothing more can be cast.
    auth.logout()
    auth.login(voter_user)
    response = client.get(f"/rounds/{ranked.round.id}/vote/{ranked.citywide.id}")
    assert response.status_code == 409 and "Voting is not open" in response.get_data(as_text=True)


def test_voting_closes_by_itself_at_the_end_of_its_phase(client, ranked, voter_user, db):
    cast_ballot(ranked.round.id, ranked.citywide.id, voter_user, BallotContent([ranked.projects["Citywide"][0].id]))
    db.session.add(Phase(round_id=ranked.round.id, state="voting", starts_at=utcnow() - timedelta(days=2),
                         ends_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert client.get(f"/rounds/{ranked.round.id}").status_code == 200
    db.session.rollback()
    assert ranked.round.state == "tallied"
    kinds = [event.kind for event in round_events(ranked.round.id)]
    assert kinds[-3:] == ["voting_closed", "tallied", "transition"]
    assert round_events(ranked.round.id)[-1].payload["reason"] == "scheduled"


def test_nobody_else_sees_how_a_voter_voted(client, auth, ranked, voter_user, council, create_user, db):
    secret = ranked.projects["Citywide"][2]
    cast_ballot(ranked.round.id, ranked.citywide.id, voter_user, BallotContent([secret.id]))
    auditor = create_user(email="audit@example.org", roles=("auditor",))
    moderator = create_user(email="mod@example.org", roles=("moderator",))
    for person in (council, auditor, moderator):
        auth.login(person)
        for path in ("/vote", f"/vote/{ranked.citywide.id}", f"/vote/{ranked.citywide.id}/receipt",
                     f"/vote/{ranked.citywide.id}/review"):
            response = client.get(f"/rounds/{ranked.round.id}{path}")
            assert response.status_code in (403, 404), (person.email, path)
            assert secret.title not in response.get_data(as_text=True) or path.endswith(str(ranked.citywide.id))
        log = client.get(f"/rounds/{ranked.round.id}/log").get_data(as_text=True)
        assert voter_user.email not in log
        auth.logout()
    # The log never ties a voter to a ballot: casting is not an event, closing records only counts and digests.
    for event in round_events(ranked.round.id):
        assert str(voter_user.id) not in str(event.payload.get("voter", "")) and "choices" not in event.payload
