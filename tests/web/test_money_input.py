"""One money parser for every amount a person types (issue 16 item 7).

The rounds parser read "1,5" as 1500 and the proposals parser as 1.50; both took Arabic-Indic and full-width
digits. Now both forms use ``pbvote.rounds.money.parse_money``: locale-aware (Babel), ASCII digits only, and it
refuses what could be read two ways.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.proposals.models import Proposal
from pbvote.rounds.models import Budget
from pbvote.rounds.money import MoneyError, parse_money
from tests.web.proposals.factories import make_round
from tests.web.proposals.test_submit_and_edit import proposal_form


@pytest.mark.parametrize(
    ("typed", "currency", "locale", "minor"),
    [
        ("1,500", "EUR", "en", 150_000),
        ("1,234.50", "EUR", "en", 123_450),
        ("1250", "EUR", "en", 125_000),
        ("1250.5", "EUR", "en", 125_050),
        ("€1,250", "EUR", "en", 125_000),
        ("1250 EUR", "EUR", "en", 125_000),
        ("€ 50 000", "EUR", "en", 5_000_000),
        ("5,000", "JPY", "en", 5_000),
        ("1.234", "KWD", "en", 1_234),
        ("1.234,50", "EUR", "de", 123_450),
        ("1,5", "EUR", "de", 150),
        ("12 000,50", "PLN", "pl", 1_200_050),
    ],
)
def test_amounts_are_read_in_the_locale(typed, currency, locale, minor):
    assert parse_money(typed, currency, locale=locale) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "words"),
    [
        ("1,5", "EUR", "could be read"),
        ("12,34", "EUR", "could be read"),
        ("1.500", "EUR", "at most 2 decimals"),
        ("1.5", "JPY", "whole amounts"),
        ("١٢٣", "EUR", "digits 0-9"),
        ("１２３", "EUR", "digits 0-9"),
        ("12३", "EUR", "digits 0-9"),
        ("1e9", "EUR", "digits 0-9"),
        ("-3", "EUR", "negative"),
        ("", "EUR", "Enter an amount"),
        ("10000000000000.01", "EUR", "too large"),
        ("1,,5", "EUR", "could be read"),
    ],
)
def test_unclear_amounts_are_refused(typed, currency, words):
    with pytest.raises(MoneyError, match=words):
        parse_money(typed, currency)


@pytest.mark.parametrize("typed", ["1,5", "١٢٣", "１２３"])
def test_the_proposal_form_refuses_an_unclear_cost(db, organisation, create_user, client_for, typed):
    round_ = make_round(organisation)
    client = client_for(create_user())
    url = f"/rounds/{round_.id}/proposals/new"
    response = client.post_form(url, proposal_form(round_, **{"cost_items-0-amount": typed}), token_page=url)

    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


@pytest.mark.parametrize("typed", ["1,5", "١٢٣", "１２３"])
def test_the_budget_form_refuses_an_unclear_amount(db, organisation, create_user, client_for, typed):
    from tests.web.rounds.factories import make_round as make_draft

    council = create_user(roles=("council",))
    round_ = make_draft(organisation, district_budgets=False)
    client = client_for(council)
    url = f"/rounds/{round_.id}/budgets/new"
    response = client.post_form(url, {"name": "Parks", "scope": "citywide", "amount": typed}, token_page=url)

    assert response.status_code == 200
    assert "could be read" in response.get_data(as_text=True) or "digits 0-9" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Budget)) == 1  # the factory's citywide budget only
