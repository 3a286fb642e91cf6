"""Council stories in the browser-less web client: creating a round, budgets, ballot settings, the freeze,
confirmed transitions, and who may do any of it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.rounds.events import round_events
from pbvote.rounds.models import Budget, Round


def _round(round_id: int) -> Round:
    db.session.expire_all()
    return db.session.get(Round, round_id)


def test_council_creates_a_round_with_two_district_budgets(app, council, client_for):
    client = client_for(council)
    response = client.post_form("/organisations/testville/rounds/new", {
        "name": "Green streets", "description": "Trees and benches", "currency": "EUR",
        "timezone": "Europe/Amsterdam", "districts": "North\nSouth", "categories": "Parks",
        "open_registration": "y",
    })
    assert response.status_code == 303
    round_ = db.session.scalar(select(Round).where(Round.name == "Green streets"))
    assert round_.state == "draft" and [d.name for d in round_.districts] == ["North", "South"]

    for district in round_.districts:
        response = client.post_form(f"/rounds/{round_.id}/budgets/new", {
            "name": district.name, "scope": "district", "district_id": str(district.id),
            "amount": "50,000.00", "min_project_cost": "100", "max_project_cost": "25000",
        })
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    budgets = _round(round_.id).budgets
    assert [(b.name, b.amount, b.min_project_cost, b.max_project_cost) for b in budgets] == [
        ("North", 5_000_000, 10_000, 2_500_000), ("South", 5_000_000, 10_000, 2_500_000)]

    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "€50,000.00" in page and "€25,000.00" in page
    assert [e.kind for e in round_events(round_.id)] == ["round_created", "budget_added", "budget_added"]


def test_bad_settings_are_shown_on_the_form_and_nothing_is_saved(app, council, client_for):
    client = client_for(council)
    response = client.post_form("/organisations/testville/rounds/new", {
        "name": "Bad zone", "currency": "EUR", "timezone": "Mars/Olympus", "districts": "North\nnorth",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "IANA name" in page and "listed twice" in page
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_a_bad_amount_is_a_form_error(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    client = client_for(council)
    response = client.post_form(f"/rounds/{round_.id}/budgets/new", {
        "name": "Parks", "scope": "citywide", "amount": "12.345", "min_project_cost": "0",
    })
    assert response.status_code == 200
    assert "at most 2 decimals" in response.get_data(as_text=True)
    assert len(_round(round_.id).budgets) == 2


BALLOT = {"ballot_type": "ranked", "min_ranks": "1", "max_ranks": "3", "points_per_rank": "3, 2, 1",
          "rule_id": "greedy", "rule_params": "tie_breaking = cost-asc", "explanation": "Rank up to three."}


def test_ballot_settings_are_validated_against_the_rule_registry(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    budget_id = round_.budgets[0].id
    client = client_for(council)
    url = f"/rounds/{round_.id}/budgets/{budget_id}/ballot"

    response = client.post_form(url, {**BALLOT, "rule_params": "colour = blue"})
    assert "has no parameter" in response.get_data(as_text=True)
    response = client.post_form(url, {**BALLOT, "points_per_rank": "1, 2, 3"})
    assert "must not rise" in response.get_data(as_text=True)
    assert db.session.get(Budget, budget_id).ballot_type == "approval"

    response = client.post_form(url, BALLOT)
    assert response.status_code == 303
    budget = db.session.get(Budget, budget_id)
    db.session.refresh(budget)
    assert (budget.ballot_type, budget.points_per_rank, budget.rule_params["tie_breaking"]) == (
        "ranked", [3, 2, 1], "cost-asc")
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Rank between 1 and 3 projects" in page and "Rank up to three." in page


@pytest.mark.parametrize("state", ["voting", "tallied", "published"])
def test_settings_freeze_when_voting_opens(app, new_round, council, client_for, state):
    round_ = new_round(actor=council, state=state)
    budget = round_.budgets[0]
    before = (budget.ballot_type, budget.rule_id, budget.amount)
    events_before = len(round_events(round_.id))
    client = client_for(council)

    response = client.post_form(f"/rounds/{round_.id}/budgets/{budget.id}/ballot", BALLOT)
    assert response.status_code == 200
    assert f"while the round is in the {state} phase" in response.get_data(as_text=True)
    response = client.post_form(f"/rounds/{round_.id}/budgets/{budget.id}/edit", {
        "name": "North", "scope": "district", "district_id": str(budget.district_id), "amount": "1"})
    assert f"while the round is in the {state} phase" in response.get_data(as_text=True)
    response = client.post_form(f"/rounds/{round_.id}/edit", {
        "name": "Renamed", "currency": "EUR", "timezone": "UTC", "districts": "North\nSouth"})
    assert f"while the round is in the {state} phase" in response.get_data(as_text=True)
    response = client.post_form(f"/rounds/{round_.id}/budgets/{budget.id}/delete")
    assert response.status_code == 303

    db.session.expire_all()
    budget = db.session.get(Budget, budget.id)
    assert (budget.ballot_type, budget.rule_id, budget.amount) == before
    assert _round(round_.id).name == "Green streets 2027"
    assert len(round_events(round_.id)) == events_before


def test_a_manual_transition_needs_confirmation(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    client = client_for(council)
    page = client.get(f"/rounds/{round_.id}/transition/proposals")
    assert page.status_code == 200 and "Yes, move to proposals" in page.get_data(as_text=True)
    assert _round(round_.id).state == "draft"  # looking at the question changes nothing

    response = client.post_form(f"/rounds/{round_.id}/transition/proposals")
    assert response.status_code == 303
    assert _round(round_.id).state == "proposals"
    assert round_events(round_.id)[-1].payload == {"from": "draft", "to": "proposals", "reason": "manual"}


def test_an_illegal_transition_is_refused_with_a_message(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="proposals")
    client = client_for(council)
    for target, message in [("voting", "cannot be moved to voting"), ("tallied", "cannot be moved"),
                            ("draft", "cannot be moved to draft")]:
        response = client.post_form(f"/rounds/{round_.id}/transition/{target}")
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)
    assert client.post_form(f"/rounds/{round_.id}/transition/nonsense").status_code == 404
    assert _round(round_.id).state == "proposals"


def test_a_round_without_budget_is_refused_at_confirmation(app, organisation, council, client_for):
    client = client_for(council)
    client.post_form("/organisations/testville/rounds/new", {"name": "Empty", "currency": "EUR", "timezone": "UTC"})
    round_ = db.session.scalar(select(Round).where(Round.name == "Empty"))
    response = client.post_form(f"/rounds/{round_.id}/transition/proposals")
    assert response.status_code == 409 and "at least one budget" in response.get_data(as_text=True)


# ---- who may do what ------------------------------------------------------------------------------------------

COUNCIL_POSTS = [
    ("/rounds/{id}/edit", {"name": "Taken over", "currency": "EUR", "timezone": "UTC"}),
    ("/rounds/{id}/budgets/new", {"name": "Grab", "scope": "citywide", "amount": "1"}),
    ("/rounds/{id}/budgets/{budget}/edit", {"name": "Grab", "scope": "citywide", "amount": "1"}),
    ("/rounds/{id}/budgets/{budget}/delete", {}),
    ("/rounds/{id}/budgets/{budget}/ballot", BALLOT),
    ("/rounds/{id}/schedule", {"proposals_starts_at": "2030-01-01T10:00"}),
    ("/rounds/{id}/transition/proposals", {}),
    ("/rounds/{id}/voters/codes", {"count": "3", "output": "csv"}),
]


@pytest.mark.parametrize("who", ["resident", "auditor", "elsewhere"])
def test_council_posts_are_refused_to_everyone_else(app, new_round, council, client_for, request, who):
    round_ = new_round(actor=council)
    budget = round_.budgets[0]
    events_before = len(round_events(round_.id))
    client = client_for(request.getfixturevalue(who))
    for url, data in COUNCIL_POSTS:
        response = client.post_form(url.format(id=round_.id, budget=budget.id), data)
        assert response.status_code == 403, url
    response = client.post_form(f"/rounds/{round_.id}/voters/roll",
                                {"roll": (__import__("io").BytesIO(b"email\na@example.org\n"), "roll.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 403
    response = client.post_form("/organisations/testville/rounds/new", {"name": "Mine", "currency": "EUR",
                                                                        "timezone": "UTC"})
    assert response.status_code == 403
    round_ = _round(round_.id)
    assert (round_.name, round_.state, len(round_.budgets)) == ("Green streets 2027", "draft", 2)
    assert len(round_events(round_.id)) == events_before


def test_council_elsewhere_cannot_read_drafts_of_another_organisation(app, new_round, council, elsewhere, client_for):
    round_ = new_round(actor=council)
    client = client_for(elsewhere)
    assert client.get(f"/rounds/{round_.id}").status_code == 404
    assert client.get(f"/rounds/{round_.id}/edit").status_code == 403
    assert client.get(f"/rounds/{round_.id}/log").status_code == 403
    listing = client.get("/organisations/testville/rounds").get_data(as_text=True)
    assert "Green streets 2027" not in listing
    own = client_for(council).get("/organisations/testville/rounds").get_data(as_text=True)
    assert "Green streets 2027" in own


def test_residents_see_rounds_once_they_open(app, new_round, resident, client_for):
    draft = new_round(name="Secret plans")
    opened = new_round(name="Open call", state="proposals")
    client = client_for(resident)
    assert client.get(f"/rounds/{draft.id}").status_code == 404
    page = client.get(f"/rounds/{opened.id}")
    assert page.status_code == 200 and "Open call" in page.get_data(as_text=True)
    assert "Edit settings" not in page.get_data(as_text=True)


def test_auditors_and_council_read_the_log(app, new_round, council, auditor, client_for):
    round_ = new_round(actor=council)
    for user in (council, auditor):
        page = client_for(user).get(f"/rounds/{round_.id}/log")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "chain of all 3 events is intact" in text and "budget added" in text
