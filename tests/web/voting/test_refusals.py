"""The server decides: every ballot the rules do not allow is refused with a message naming the problem, and
nothing is stored — whether it comes through the pages or straight to the operation."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from pbvote.proposals.models import ProposalStatus
from pbvote.voting.models import Ballot, BallotDraft
from pbvote.voting.operations import BallotContent, BallotError, cast_ballot

from .factories import configure_ballot, make_voter
from .test_ballot_pages import ballot_url, press


def stored(db) -> tuple[int, int]:
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Ballot)),
            db.session.scalar(select(func.count()).select_from(BallotDraft)))


def refused(db, world, voter_user, content: BallotContent, budget=None) -> str:
    """The refusal a cast straight to the operation gets, said in its request's language (English here)."""
    before = stored(db)
    with current_app.test_request_context(), pytest.raises(BallotError) as refusal:
        cast_ballot(world.round.id, (budget or world.citywide).id, voter_user, content)
    assert stored(db) == before
    return str(refusal.value)


def test_projects_that_are_not_on_this_ballot(db, ranked, voter_user, author):
    from tests.web.proposals.factories import make_proposal

    city = ranked.projects["Citywide"]
    north = ranked.projects["North budget"][0]
    withdrawn = make_proposal(ranked.round, author, title="Gone", district=None, status=ProposalStatus.WITHDRAWN.value)
    infeasible = make_proposal(ranked.round, author, title="Too dear", district=None,
                               status=ProposalStatus.NOT_FEASIBLE.value)
    assert "not a project of this round" in refused(db, ranked, voter_user, BallotContent([999_999]))
    assert "“Gone” was withdrawn" in refused(db, ranked, voter_user, BallotContent([withdrawn.id]))
    assert "“Too dear” was found not feasible" in refused(db, ranked, voter_user, BallotContent([infeasible.id]))
    assert f"“{north.title}” is on the ballot of another budget" in refused(
        db, ranked, voter_user, BallotContent([north.id]))
    assert f"“{city[0].title}” is on your ballot twice" in refused(
        db, ranked, voter_user, BallotContent([city[0].id, city[0].id]))


def test_too_few_and_too_many(db, ranked, voter_user):
    city = [p.id for p in ranked.projects["Citywide"]]
    assert "Choose at least one project; your ballot has 0" in refused(db, ranked, voter_user, BallotContent([]))
    assert "You chose 4 ranked projects; at most 3 are allowed" in refused(db, ranked, voter_user, BallotContent(city))
    configure_ballot(ranked.citywide, "ranked", min_ranks=2)
    assert "Choose at least 2 ranked projects; your ballot has 1" in refused(
        db, ranked, voter_user, BallotContent(city[:1]))


def test_over_budget_and_too_many_points(db, voting, voter_user):
    world = voting(kind="knapsack", amount=10_000_00)
    make_voter(world.round, voter_user, "North")
    north = [p.id for p in world.projects["North budget"]]
    assert "more than the budget of €10,000.00" in refused(db, world, voter_user, BallotContent(north[:3]), world.north)
    configure_ballot(world.north, "knapsack", min_spend_percent=100)
    assert "spend at least €10,000.00" in refused(db, world, voter_user, BallotContent(north[:1]), world.north)
    configure_ballot(world.north, "points", points_total=6, points_per_project_max=4)
    assert "has 5 points; one project may get at most 4" in refused(
        db, world, voter_user, BallotContent(north[:1], [5]), world.north)
    assert "You gave 8 points; you have 6" in refused(
        db, world, voter_user, BallotContent(north[:2], [4, 4]), world.north)
    assert "Give every chosen project its points" in refused(
        db, world, voter_user, BallotContent(north[:2], [4]), world.north)


def test_voting_not_open_and_voters_who_may_not_vote(db, ranked, voter_user, create_user):
    project = ranked.projects["Citywide"][0].id
    assert "you vote in your own district's budget" in refused(
        db, ranked, voter_user, BallotContent([ranked.projects["South budget"][0].id]), ranked.south)
    stranger = create_user(email="stranger@example.org")
    assert "not registered to vote in this round" in refused(db, ranked, stranger, BallotContent([project]))
    ranked.round.state = "deliberation"
    db.session.commit()
    assert "while the round is in the deliberation phase" in refused(db, ranked, voter_user, BallotContent([project]))


def test_pages_refuse_people_who_may_not_vote(client, auth, ranked, voter_user, create_user, db):
    stranger = create_user(email="stranger@example.org")
    auth.login(stranger)
    url = ballot_url(ranked, ranked.citywide)
    response = client.get(url)
    assert response.status_code == 403 and "You are not a voter" in response.get_data(as_text=True)
    assert press(client, url, f"add:{ranked.projects['Citywide'][0].id}").status_code == 403
    auth.logout()
    auth.login(voter_user)
    response = client.get(ballot_url(ranked, ranked.south))
    assert response.status_code == 403 and "for voters of South" in response.get_data(as_text=True)
    assert stored(db) == (0, 0)


def test_bad_buttons_change_nothing(client, auth, ranked, voter_user, db):
    auth.login(voter_user)
    url = ballot_url(ranked, ranked.citywide)
    for action in ("explode:1", "add:abc", "add:" + "9" * 40, "up:1", "", "add:999999"):
        response = press(client, url, action)
        assert response.status_code == 422, action
        assert "form-errors" in response.get_data(as_text=True)
    assert stored(db) == (0, 0)


def test_a_stale_review_page_is_refused(client, auth, ranked, voter_user, db):
    auth.login(voter_user)
    url = ballot_url(ranked, ranked.citywide)
    a, b = ranked.projects["Citywide"][:2]
    press(client, url, f"add:{a.id}")
    review = client.get(url + "/review").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in review
    press(client, url, f"add:{b.id}")  # another tab changes the draft: version 2
    response = client.post_form(url + "/cast", {"version": "1"}, token_page=url)
    assert response.status_code == 422
    assert "changed in another window" in response.get_data(as_text=True)
    assert stored(db) == (0, 1)
