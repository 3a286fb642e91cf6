"""Property: no value any schedule or settings form accepts can make a later page answer 500 (issue 16 item 6).

Hypothesis fills the forms a council uses — schedule, round settings (time zone, currency, districts),
budgets, ballot settings — with anything from ordinary values to year 1, year 9999, 2^70 and junk; whatever
the forms accept is then shown on every page that displays it, and none of them may fail.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pbvote.rounds.models import PHASE_STATES

from .factories import make_round

ZONES = ["UTC", "Europe/Amsterdam", "Pacific/Kiritimati", "America/Adak", "Etc/GMT+12", "Asia/Kathmandu",
         "Australia/Lord_Howe"]
TYPED_ZONES = [*ZONES, "Factory", "localtime", "posix/Europe/Paris", "Europe/Atlantis", "+02:00", "", "UTC\x7f"]

EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _local(moment: datetime) -> str:
    # Formatted by hand: strftime("%Y") writes year 1 as "1", which no browser sends.
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}"


typed_times = st.one_of(
    st.just(""),
    st.sampled_from(["0001-01-01T00:00", "0001-01-01T23:59", "9999-12-31T00:00", "9999-12-31T23:59"]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(_local),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)).map(_local),
    st.text(max_size=20),
)
typed_numbers = st.one_of(
    st.just(""),
    st.integers(0, 12).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from([str(2**31), str(2**63), str(2**64), str(-(2**63) - 1)]),
    st.integers(-5, 1200).map(str),
    st.sampled_from(["1e9", "NaN", "0x10", "3.5", "１２", "١٢"]),
)
typed_amounts = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.decimals(min_value=0, max_value=10**18, places=3).map(str),
    st.sampled_from(["1,5", "1.500", "€ 50 000", "١٢٣", "1e30", "", "-0"]),
    st.text(max_size=12),
)
phase_fields = [f"{state.value}_{edge}" for state in PHASE_STATES for edge in ("starts_at", "ends_at")]


def _times(**given_times: str) -> dict:
    return {name: given_times.get(name, "") for name in phase_fields}


def _ballot(**fields: str) -> dict:
    blank = dict.fromkeys(["min_picks", "max_picks", "min_ranks", "max_ranks", "min_spend_percent", "points_total",
                           "points_per_project_max", "points_per_rank", "rule_params"], "")
    return {**blank, "rule_id": "greedy", **fields}


_PLAIN_BUDGET = {"amount": "1000", "min_project_cost": "0", "max_project_cost": ""}


@pytest.fixture
def council_client(app, create_user, auth):
    council = create_user(email="clerk@testville.example", roles=("council", "auditor"))
    client = app.test_client()
    auth.login(council, client=client)
    return council, client


def assert_pages_render(client, round_id: int) -> None:
    """Every page that shows the round's settings, as council, auditor and visitor."""
    pages = [f"/rounds/{round_id}", f"/rounds/{round_id}/schedule", f"/rounds/{round_id}/edit",
             f"/rounds/{round_id}/log", f"/rounds/{round_id}/voters", f"/rounds/{round_id}/proposals",
             "/organisations/testville/rounds"]
    for page in pages:
        response = client.get(page)
        assert response.status_code < 500, f"{page} answered {response.status_code}"


def _round_settings(round_, zone: str) -> dict:
    return {"name": round_.name, "currency": round_.currency, "timezone": zone,
            "districts": "\n".join(d.name for d in round_.districts),
            "categories": "\n".join(c.name for c in round_.categories)}


@EXAMPLES
# The reported defects, always tried: year 1 east of UTC, year 9999 west of it, and a zone change that
# moves a stored year-9999 time past the end of the calendar.
@example(zone="Europe/Amsterdam", times=_times(proposals_starts_at="0001-01-01T00:00"), later_zone="UTC")
@example(zone="America/Adak", times=_times(voting_ends_at="9999-12-31T23:59"), later_zone="UTC")
@example(zone="UTC", times=_times(voting_starts_at="9999-12-31T23:00"), later_zone="Pacific/Kiritimati")
@given(zone=st.sampled_from(ZONES), times=st.fixed_dictionaries({name: typed_times for name in phase_fields}),
       later_zone=st.sampled_from(TYPED_ZONES))
def test_no_accepted_schedule_breaks_a_page(organisation, council_client, zone, times, later_zone):
    council, client = council_client
    round_ = make_round(organisation, timezone=zone, actor=council)
    schedule = f"/rounds/{round_.id}/schedule"
    response = client.post_form(schedule, times, token_page=schedule)
    assert response.status_code < 500
    assert_pages_render(client, round_.id)

    edit = f"/rounds/{round_.id}/edit"  # the time zone changes under the saved schedule
    assert client.post_form(edit, _round_settings(round_, later_zone), token_page=edit).status_code < 500
    assert_pages_render(client, round_.id)


@EXAMPLES
# The reported defects, always tried: counts beyond 64 bits that the old checks let through.
@example(ballot=_ballot(ballot_type="approval", min_picks="0", max_picks=str(2**64)), budget=_PLAIN_BUDGET,
         currency="EUR", zone="UTC", districts="")
@example(ballot=_ballot(ballot_type="points", points_total=str(2**63), points_per_project_max="1"),
         budget=_PLAIN_BUDGET, currency="EUR", zone="UTC", districts="")
@given(
    ballot=st.fixed_dictionaries({
        "ballot_type": st.sampled_from(["approval", "ranked", "knapsack", "points", "x"]),
        "rule_id": st.sampled_from(["greedy", "mes", "phragmen", "nope"]),
        "min_picks": typed_numbers, "max_picks": typed_numbers, "min_ranks": typed_numbers,
        "max_ranks": typed_numbers, "min_spend_percent": typed_numbers, "points_total": typed_numbers,
        "points_per_project_max": typed_numbers,
        "points_per_rank": st.lists(typed_numbers, max_size=4).map(", ".join),
        "rule_params": st.sampled_from(["", "budget_increment = 1", "x = 1e400", "tie_breaking = cost-asc"]),
    }),
    budget=st.fixed_dictionaries({"amount": typed_amounts, "min_project_cost": typed_amounts,
                                  "max_project_cost": typed_amounts}),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "XXX", ""]),
    zone=st.sampled_from(TYPED_ZONES),
    districts=st.lists(st.text(max_size=12), max_size=3).map("\n".join),
)
def test_no_accepted_setting_breaks_a_page(organisation, council_client, ballot, budget, currency, zone, districts):
    council, client = council_client
    round_ = make_round(organisation, district_budgets=False, actor=council)
    budget_id = round_.budgets[0].id

    url = f"/rounds/{round_.id}/budgets/{budget_id}/ballot"
    assert client.post_form(url, ballot, token_page=url).status_code < 500
    url = f"/rounds/{round_.id}/budgets/{budget_id}/edit"
    assert client.post_form(url, {"name": "Citywide", "scope": "citywide", **budget}, token_page=url).status_code < 500
    url = f"/rounds/{round_.id}/edit"
    settings_form = {**_round_settings(round_, zone), "currency": currency, "districts": districts}
    assert client.post_form(url, settings_form, token_page=url).status_code < 500
    assert_pages_render(client, round_.id)
    assert client.get(f"/rounds/{round_.id}/budgets/{budget_id}/ballot").status_code < 500
    assert client.get(f"/rounds/{round_.id}/budgets/{budget_id}/edit").status_code < 500
