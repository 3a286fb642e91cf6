"""Money in minor units shown in the round's currency; ballot settings for every ballot type; time zones."""

from __future__ import annotations

import pytest

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.lifecycle import ActionNotAllowed
from pbvote.rounds.money import MoneyError, format_money, parse_money


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [(123450, "EUR", "€1,234.50"), (5000, "JPY", "¥5,000"), (1234567, "KWD", "1,234.567 KWD"),
     (100, "PLN", "1.00 PLN"), (-250, "USD", "-$2.50"), (0, "GBP", "£0.00")],
)
def test_money_is_shown_with_the_currency_minor_units(minor, currency, shown):
    assert format_money(minor, currency) == shown


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [("1,234.50", "EUR", 123450), ("€ 50 000", "EUR", 5_000_000), ("5000", "JPY", 5000), ("12.5", "EUR", 1250),
     ("1.234", "KWD", 1234)],
)
def test_typed_amounts_become_minor_units(typed, currency, minor):
    assert parse_money(typed, currency) == minor


@pytest.mark.parametrize(("typed", "currency"), [("12.345", "EUR"), ("1.5", "JPY"), ("-3", "EUR"), ("ten", "EUR"),
                                                 ("", "EUR"), ("1e9", "EUR")])
def test_bad_amounts_are_refused(typed, currency):
    with pytest.raises(MoneyError):
        parse_money(typed, currency)


def test_timezones_must_be_iana_names():
    assert operations.valid_timezone("Europe/Amsterdam") and operations.valid_timezone("UTC")
    assert not operations.valid_timezone("CEST") and not operations.valid_timezone("+02:00")
    assert not operations.valid_timezone("Europe/Atlantis") and not operations.valid_timezone("")


VALID = {
    "approval": {"min_picks": 0, "max_picks": 3},
    "ranked": {"min_ranks": 1, "max_ranks": 3, "points_per_rank": [3, 2, 1]},
    "knapsack": {"min_spend_percent": 50},
    "points": {"points_total": 10, "points_per_project_max": 5},
}
INVALID = [
    ("approval", {"min_picks": 3, "max_picks": 2}, "max_picks"),
    ("approval", {"min_picks": None, "max_picks": 2}, "min_picks"),
    ("ranked", {"min_ranks": 1, "max_ranks": 3, "points_per_rank": [3, 2]}, "points_per_rank"),
    ("ranked", {"min_ranks": 0, "max_ranks": 3, "points_per_rank": [3, 2, 1]}, "min_ranks"),
    ("knapsack", {"min_spend_percent": 120}, "min_spend_percent"),
    ("points", {"points_total": 5, "points_per_project_max": 6}, "points_per_project_max"),
    ("lottery", {}, "ballot_type"),
]


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_ballot_type_saves_its_own_limits_only(app, new_round, council, kind):
    round_ = new_round(actor=council)
    budget = round_.budgets[0]
    settings = operations.BallotSettings(ballot_type=kind, rule_id="greedy", explanation="How to vote.",
                                         min_picks=1, max_picks=9, **{k: v for k, v in VALID[kind].items()
                                                                      if k not in ("min_picks", "max_picks")})
    if kind == "approval":
        settings.min_picks, settings.max_picks = 0, 3
    operations.update_ballot_settings(budget, council, settings)
    db.session.commit()
    snapshot = operations.ballot_snapshot(budget)
    for name in operations.ALL_BALLOT_FIELDS:
        assert (snapshot[name] is not None) == (name in operations.BALLOT_FIELDS[kind]), name
    assert operations.describe_ballot(budget, "EUR")


@pytest.mark.parametrize(("kind", "values", "field"), INVALID)
def test_ballot_settings_that_make_no_sense_are_refused(app, new_round, council, kind, values, field):
    round_ = new_round(actor=council)
    with pytest.raises(operations.RoundValidationError) as refusal:
        operations.update_ballot_settings(round_.budgets[0], council,
                                          operations.BallotSettings(ballot_type=kind, rule_id="greedy", **values))
    assert field in refusal.value.errors


def test_an_unknown_rule_is_refused(app, new_round, council):
    round_ = new_round(actor=council)
    with pytest.raises(operations.RoundValidationError) as refusal:
        operations.update_ballot_settings(round_.budgets[0], council, operations.BallotSettings(
            ballot_type="approval", rule_id="dictator", min_picks=0, max_picks=1))
    assert "unknown rule" in refusal.value.errors["rule_id"]


def test_ballot_settings_freeze_at_the_operation_too(app, new_round, council):
    round_ = new_round(actor=council, state="voting")
    with pytest.raises(ActionNotAllowed, match="voting phase"):
        operations.update_ballot_settings(round_.budgets[0], council, operations.BallotSettings(
            ballot_type="approval", rule_id="greedy", min_picks=0, max_picks=1))


def test_a_district_in_use_cannot_be_removed(app, new_round, council):
    round_ = new_round(actor=council)
    settings = operations.RoundSettings(name=round_.name, currency="EUR", timezone="UTC", districts=["North"])
    with pytest.raises(operations.RoundValidationError, match="South"):
        operations.update_round(round_, council, settings)
