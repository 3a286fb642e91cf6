"""Rounds in Welsh and Polish (issue 14 item 1, the i18n-rounds part): the round's pages in the visitor's
language, voter letters in the letter's language with a font that has ł, ś, ŵ and ŷ, and money shown and read
the language's way.

The page tests assert Welsh and Polish texts of the rounds catalogue part, so they need the compiled catalogues
(``make catalogues``); the letter, font and money tests need only Babel's locale data.

Flask-Babel keeps the locale it chose in ``g``, which lives as long as the app context: the tests' app context
spans the whole test, so the locale chosen while a test builds its round (English, outside a request) would be
reused by the requests after it. ``refresh()`` before a request in another language makes it choose again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import refresh
from sqlalchemy import select

from pbvote.extensions import db
from pbvote.rounds import letters, voters
from pbvote.rounds.models import Budget, Phase
from pbvote.rounds.money import format_money, minor_to_text, parse_money
from tests.web.rounds.test_texts import _pdf_text

WELSH = {"Accept-Language": "cy"}
POLISH = {"Accept-Language": "pl"}


def _get(client, url, headers):
    refresh()
    return client.get(url, headers=headers)


def _post(client, url, data, headers):
    token = client.csrf_token("/")
    refresh()
    return client.post(url, data={**data, "csrf_token": token}, headers=headers)


def _letter(round_, council, language=None, district=0):
    round_.phases.append(Phase(state="voting", starts_at=datetime(2027, 5, 3, 7, 0, tzinfo=UTC),
                               ends_at=datetime(2027, 5, 17, 16, 0, tzinfo=UTC)))
    issued = voters.generate_voter_codes(round_, council, 1, round_.districts[district].id)
    pdf = letters.codes_pdf(round_, issued, "https://vote.example/rounds/1/code", language)
    return pdf, _pdf_text(pdf), issued[0]


def test_i18n_rounds_a_polish_letter_keeps_its_letters(app, new_round, council):
    round_ = new_round(actor=council, state="deliberation", name="Budżet obywatelski Łodzi 2027",
                       districts=("Śródmieście", "Bałuty"))
    round_.organisation.default_language = "pl"
    pdf, text, code = _letter(round_, council)
    assert b"/FontName /AAAAAA+DejaVuSans" in pdf and b"Helvetica" not in pdf
    assert "Budżet obywatelski Łodzi 2027" in text and "Śródmieście" in text and code.printed in text
    assert "3 maja 2027, 09:00 CEST" in text  # the organisation's language: a Polish date


def test_i18n_rounds_a_welsh_letter_keeps_its_letters(app, new_round, council):
    round_ = new_round(actor=council, state="deliberation", name="Cyllideb Tŷ Ŵyn 2027", districts=("Y Rhŵs", "Tŷ-du"))
    pdf, text, _code = _letter(round_, council, language="cy", district=1)
    assert b"DejaVuSans" in pdf and "Cyllideb Tŷ Ŵyn 2027" in text and "Tŷ-du" in text
    assert "3 Mai 2027, 09:00 CEST" in text  # the language chosen for the letters, over the organisation's


def test_i18n_rounds_letters_are_translated(app, new_round, council):
    """Needs the compiled catalogues."""
    round_ = new_round(actor=council, state="deliberation")
    assert "Twój osobisty kod do głosowania:" in _letter(round_, council, language="pl")[1]
    round_ = new_round(actor=council, state="deliberation", name="Rownd arall")
    assert "Eich cod pleidleisio personol:" in _letter(round_, council, language="cy")[1]


def test_i18n_rounds_the_letters_language_is_offered_with_the_organisations_default(app, new_round, council,
                                                                                   client_for):
    round_ = new_round(actor=council, state="proposals")
    round_.organisation.default_language = "cy"
    db.session.commit()
    page = _get(client_for(council), f"/rounds/{round_.id}/voters", {}).get_data(as_text=True)
    assert '<option selected value="cy">Cymraeg</option>' in page


def test_i18n_rounds_a_round_page_in_welsh(app, new_round, council, client):
    """Needs the compiled catalogues."""
    round_ = new_round(actor=council, state="voting")
    page = _get(client, f"/rounds/{round_.id}", WELSH).get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "Pleidleisio" in page and "Cyllidebau" in page and "Ffeithiau" in page
    assert "€50,000.00" in page  # Babel's Welsh money


def test_i18n_rounds_a_round_page_in_polish(app, new_round, council, client):
    """Needs the compiled catalogues."""
    round_ = new_round(actor=council, state="voting")
    page = _get(client, f"/rounds/{round_.id}", POLISH).get_data(as_text=True)
    assert '<html lang="pl"' in page
    assert "Głosowanie" in page and "Budżety" in page and "Informacje" in page
    assert "50\xa0000,00\xa0€" in page  # Polish money: grouped with a space, a decimal comma, the sign after


def test_i18n_rounds_money_is_shown_and_read_the_requests_way(app):
    refresh()
    with app.test_request_context("/", headers=POLISH):
        assert format_money(123450, "EUR") == "1\xa0234,50\xa0€"
        assert parse_money("1 234,50", "PLN") == 123450
        assert minor_to_text(123450, "PLN") == "1234,50" and parse_money(minor_to_text(123450, "PLN"), "PLN") == 123450
    refresh()
    with app.test_request_context("/"):
        assert format_money(123450, "EUR") == "€1,234.50" and format_money(123450, "CHF") == "1,234.50 CHF"
        assert parse_money("1,234.50", "EUR") == 123450 and minor_to_text(123450, "EUR") == "1234.50"
    refresh()
    assert format_money(123450, "EUR") == "€1,234.50"  # no request (the CLI): English


def test_i18n_rounds_a_budget_is_typed_in_polish(app, new_round, council, client_for):
    round_ = new_round(actor=council, districts=("North",), categories=())
    response = _post(client_for(council), f"/rounds/{round_.id}/budgets/new", {
        "name": "Zielone podwórka", "scope": "citywide", "amount": "1 234,50", "min_project_cost": "0"}, POLISH)
    assert response.status_code == 303
    budget = db.session.scalar(select(Budget).where(Budget.round_id == round_.id, Budget.name == "Zielone podwórka"))
    assert budget.amount == 123450


@pytest.mark.parametrize("language", ["cy", "pl"])
def test_i18n_rounds_a_budget_form_reads_back_what_it_shows(app, new_round, council, client_for, language):
    round_ = new_round(actor=council, district_budgets=False, districts=(), categories=())
    budget = round_.budgets[0]
    client = client_for(council)
    headers = {"Accept-Language": language}
    page = _get(client, f"/rounds/{round_.id}/budgets/{budget.id}/edit", headers).get_data(as_text=True)
    shown = "100000,00" if language == "pl" else "100000.00"
    assert f'value="{shown}"' in page
    response = _post(client, f"/rounds/{round_.id}/budgets/{budget.id}/edit", {
        "name": "Citywide", "scope": "citywide", "amount": shown, "min_project_cost": "0", "max_project_cost": ""},
        headers)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).amount == 10_000_000
