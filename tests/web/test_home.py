"""The home page lists the rounds residents can take part in, with what they can do now (issue 17, item 6);
/favicon.ico answers (issue 17, item 5)."""

from __future__ import annotations

import re

from tests.web.proposals.factories import make_round


def _cards(html: str) -> dict[str, str]:
    """Round name → the HTML of its card on the home page (a name in another language than the page's is in a
    ``<span lang>``)."""
    cards = re.findall(r'<li class="card round-card">(.*?)</li>\s*(?=<li class="card round-card">|</ul>)', html, re.DOTALL)
    title = r'round-card__title"><a [^>]*>(?:<span lang="[^"]+">)?([^<]+)(?:</span>)?</a>'
    return {re.search(title, card).group(1): card for card in cards}


def test_home_lists_open_rounds_with_their_phase_and_next_step(client, organisation):
    rounds = {state: make_round(organisation, state=state, name=f"The {state} round")
              for state in ("draft", "proposals", "deliberation", "voting", "published", "archived")}

    html = client.get("/").get_data(as_text=True)
    cards = _cards(html)

    # Drafts and archived rounds are not open; the voting round comes first.
    assert list(cards) == ["The voting round", "The deliberation round", "The proposals round",
                           "The published round"]
    expected = {
        "voting": ("Voting", "Vote", f"/rounds/{rounds['voting'].id}/vote"),
        "deliberation": ("Deliberation", "Discuss the proposals", f"/rounds/{rounds['deliberation'].id}/proposals"),
        "proposals": ("Proposals", "Propose a project", f"/rounds/{rounds['proposals'].id}/proposals"),
        "published": ("Published", "See the results", f"/rounds/{rounds['published'].id}/results"),
    }
    for state, (phase, step, url) in expected.items():
        card = cards[f"The {state} round"]
        assert f'<span class="phase-badge">{phase}</span>' in card
        assert re.search(rf'<a class="button[^"]*" href="{re.escape(url)}">.*?{step}<span', card, re.DOTALL), card
        assert organisation.name in card
        assert "€200,000.00" in card  # the two district budgets of the factory (€100,000.00 each) together
    assert "Vote" not in cards["The proposals round"]
    assert "The draft round" not in html and "The archived round" not in html


def test_home_says_when_no_round_is_open(client, organisation):
    make_round(organisation, state="draft", name="Not yet")
    html = client.get("/").get_data(as_text=True)
    assert "No round is open at the moment." in html
    assert "Not yet" not in html


def test_pages_link_the_svg_icon_which_is_served(client):
    assert 'href="/static/icons/favicon.svg"' in client.get("/").get_data(as_text=True)
    with client.get("/static/icons/favicon.svg") as icon:  # a file response: close it
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"

def test_i18n_accounts_home_page_in_welsh(client, organisation):
    voting = make_round(organisation, state="voting", name="Cyllideb Cymunedol")

    html = client.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)

    assert '<html lang="cy">' in html
    assert '<h2 id="open-rounds-heading">Rowndiau agored</h2>' in html
    assert "<strong>Pleidleisio</strong> dros y prosiectau" in html
    card = _cards(html)["Cyllideb Cymunedol"]
    assert f'href="/rounds/{voting.id}/vote"' in card and "Pleidleisio<span" in card
    assert 'aria-label="Beth gallwch ei wneud yn Cyllideb Cymunedol"' in card


def test_i18n_accounts_home_page_in_polish(client, organisation):
    html = client.get("/", headers={"Accept-Language": "pl"}).get_data(as_text=True)

    assert '<html lang="pl">' in html
    assert "<h2 id=\"how-heading\">Jak to działa</h2>" in html
    assert "Obecnie nie trwa żadna edycja." in html
    assert "Testville Council</a>: edycje i wnioski" in html
