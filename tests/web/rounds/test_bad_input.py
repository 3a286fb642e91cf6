"""Values out of range are refused with a message, and no stored value can make a page answer 500 (issue 16
item 6; also the Factory/localtime time zones)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.models import Budget, Phase, Round

from .test_import import ASSEN


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("value", [str(2**63), "-" + str(2**64 + 5)])
@pytest.mark.parametrize(("ballot_type", "field"), [
    ("approval", "max_picks"), ("approval", "min_picks"), ("ranked", "max_ranks"), ("points", "points_total"),
    ("points", "points_per_project_max"), ("knapsack", "min_spend_percent"),
])
def test_huge_numbers_in_ballot_settings_are_refused(new_round, council, client_for, ballot_type, field, value):
    round_ = new_round(actor=council)
    budget = round_.budgets[0]
    url = f"/rounds/{round_.id}/budgets/{budget.id}/ballot"
    data = {"ballot_type": ballot_type, "rule_id": "greedy", "min_picks": "0", "max_picks": "3", "min_ranks": "1",
            "max_ranks": "3", "points_per_rank": "3, 2, 1", "points_total": "10", "points_per_project_max": "5",
            "min_spend_percent": "50", field: value}

    response = client_for(council).post_form(url, data, token_page=url)

    assert response.status_code == 200, response.status_code
    assert "between" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).ballot_type == "approval"
    assert db.session.get(Budget, budget.id).max_picks is None


def test_huge_points_per_rank_are_refused(new_round, council, client_for):
    round_ = new_round(actor=council)
    url = f"/rounds/{round_.id}/budgets/{round_.budgets[0].id}/ballot"
    data = {"ballot_type": "ranked", "rule_id": "greedy", "min_ranks": "1", "max_ranks": "2",
            "points_per_rank": f"{2**64}, 1"}
    response = client_for(council).post_form(url, data, token_page=url)
    assert response.status_code == 200 and "between" in response.get_data(as_text=True)


def test_the_operation_refuses_out_of_range_settings_too(new_round, council):
    round_ = new_round(actor=council)
    settings = operations.BallotSettings(ballot_type="approval", rule_id="greedy", min_picks=0, max_picks=2**40)
    with pytest.raises(operations.RoundValidationError) as refused:
        operations.update_ballot_settings(round_.budgets[0], council, settings)
    assert "max_picks" in refused.value.errors


def test_a_budget_above_the_largest_amount_is_refused_by_the_operation(new_round, council):
    round_ = new_round(actor=council, district_budgets=False)
    data = operations.BudgetInput(name="Huge", scope="district", district_id=round_.districts[0].id, amount=10**17)
    with pytest.raises(operations.RoundValidationError) as refused:
        operations.add_budget(round_, council, data)
    assert "amount" in refused.value.errors


@pytest.mark.parametrize("endpoint", ["/organisations/testville/members/roles/{n}/revoke"])
@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_huge_ids_in_urls_are_not_found(client, auth, council, endpoint, number):
    auth.login(council)
    token = client.csrf_token("/organisations/testville/members")
    response = client.post(endpoint.format(n=number), data={"csrf_token": token})
    assert response.status_code == 404


def test_every_integer_in_a_url_is_bounded_to_the_database_range(app):
    from werkzeug.routing import IntegerConverter

    unbounded = [
        f"{rule.rule} <{name}>" for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter) and (converter.max is None or converter.max > 2**31 - 1)
    ]
    assert not unbounded, f"use <int(max=2147483647):…> for database ids: {unbounded}"


@pytest.mark.parametrize("moment", ["0001-01-01T00:30", "9999-12-31T23:59", "3000-01-01T00:00"])
@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/Adak"])
def test_schedule_dates_far_in_the_past_or_future_are_refused(new_round, council, client_for, moment, zone):
    round_ = new_round(actor=council, timezone=zone)
    client = client_for(council)
    url = f"/rounds/{round_.id}/schedule"
    response = client.post_form(url, {"proposals_starts_at": moment}, token_page=url)
    assert response.status_code == 200
    assert "between the years" in response.get_data(as_text=True)
    assert count(Phase) == 0
    assert client.get(f"/rounds/{round_.id}").status_code == 200


def test_a_stored_extreme_time_never_breaks_the_round_pages(new_round, council, client_for):
    """A schedule saved before these checks (or written by hand) shows in UTC when the zone cannot hold it."""
    round_ = new_round(actor=council, timezone="UTC")
    round_.phases.append(Phase(state="voting", starts_at=datetime(9999, 12, 31, 23, 0, tzinfo=UTC)))
    round_.phases.append(Phase(state="proposals", starts_at=datetime(1, 1, 1, 0, 30, tzinfo=UTC)))
    db.session.commit()
    client = client_for(council)
    url = f"/rounds/{round_.id}/edit"
    data = {"name": round_.name, "currency": "EUR", "timezone": "Pacific/Kiritimati", "districts": "North\nSouth",
            "categories": "Parks\nStreets"}
    assert client.post_form(url, data, token_page=url).status_code == 303
    round_.timezone = "America/Adak"  # west of UTC as well: year 1 cannot be shown there either
    db.session.commit()
    for zone in ("Pacific/Kiritimati", "America/Adak"):
        round_ = db.session.get(Round, round_.id)
        round_.timezone = zone
        db.session.commit()
        for page in (f"/rounds/{round_.id}", f"/rounds/{round_.id}/schedule", f"/rounds/{round_.id}/log"):
            assert client.get(page).status_code == 200, (zone, page)


@pytest.mark.parametrize("zone", ["Factory", "localtime", "posixrules", "posix/Europe/Paris", "right/UTC"])
def test_pseudo_time_zones_are_refused(zone):
    assert not operations.valid_timezone(zone)


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
def test_real_time_zones_are_accepted(zone):
    assert operations.valid_timezone(zone)


def _replace_meta(text: str, key: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(f"{key};{value}\n" if line.startswith(f"{key};") else line for line in lines)


def _with_cost(text: str, project_line_start: str, cost: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith(project_line_start):
            cells = line.split(";")
            cells[1] = cost
            line = ";".join(cells)
        out.append(line)
    return "".join(out)


@pytest.mark.parametrize("budget", ["100000000000000000", "1000000000000000000000000000000"])
def test_imports_with_budgets_beyond_any_amount_are_refused(app, council, client_for, budget):
    text = _replace_meta(ASSEN.read_text(encoding="utf-8"), "budget", budget)
    response = client_for(council).post_form("/organisations/testville/rounds/import",
                                             {"file": (io.BytesIO(text.encode()), "huge.pb")},
                                             content_type="multipart/form-data")
    assert response.status_code == 200
    assert "too large" in response.get_data(as_text=True)
    assert count(Round) == 0


@pytest.mark.parametrize("cost", ["100000000000000000", "1000000000000000000000000000000"])
def test_imports_with_costs_beyond_any_amount_are_refused(app, organisation, council, cost):
    from pbvote.rounds.importing import ImportError_, import_round

    text = _with_cost(ASSEN.read_text(encoding="utf-8"), "8;", cost)
    with pytest.raises(ImportError_, match="too large"):
        import_round(organisation, council, text.encode(), "huge.pb")
    db.session.rollback()
    assert count(Round) == 0
