"""i18n-voting (issue 14 item 1): the results pages — the rule in words, the trace, the chart's text and the
tracking-code check — speak Welsh and Polish. These need the compiled catalogues (``make catalogues``)."""

from __future__ import annotations

from html import unescape

from flask_babel import refresh

from tests.audit.conftest import vote_close_publish


def read(client, url: str, language: str) -> str:
    refresh()  # the test's app context outlives its requests: drop Flask-Babel's cached choice of the last one
    return unescape(client.get(url, headers={"Accept-Language": language}).get_data(as_text=True))


def test_the_published_results_are_in_welsh(client, organisation, create_user, db):
    world, _ = vote_close_publish(organisation, create_user)
    page = read(client, f"/rounds/{world.round.id}/results", "cy")
    assert '<html lang="cy"' in page
    assert "<h1>Canlyniadau</h1>" in page and "Sut y penderfynodd y rheol, gam wrth gam" in page
    assert "Dull barus (y prosiectau â'r gefnogaeth fwyaf yn gyntaf" in page  # describe_rule, from the tally
    assert "Wedi'i ariannu: " in page  # the trace
    assert "Pleidleisiau fesul prosiect yn Citywide: 4 prosiect" in page  # the chart's text alternative
    assert "Funded:" not in page and "Greedy (" not in page


def test_comparing_rules_and_checking_a_code_are_in_polish(client, organisation, create_user, db):
    world, _ = vote_close_publish(organisation, create_user)
    base = f"/rounds/{world.round.id}"
    compare = read(client, f"{base}/results/{world.citywide.id}/compare", "pl")
    assert '<html lang="pl"' in compare
    assert "Reguły obok siebie" in compare and "Zapisany wynik korzysta z reguły: Metoda zachłanna" in compare
    assert "Każda reguła poniżej liczy tych samych 12 kart do głosowania." in compare
    tracking = read(client, f"{base}/tracking?code=NOT-A-CODE", "pl")
    assert "Czy mój głos został policzony?" in tracking
    assert "Żaden policzony głos w tej edycji nie ma tego kodu weryfikacyjnego." in tracking
