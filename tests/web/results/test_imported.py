"""An imported round gets the same results page and comparison, from the file's ballots, in its currency."""

from __future__ import annotations

from pbvote.rounds.importing import import_round
from pbvote.rounds.models import Round
from tests.conftest import PABULIB_DIR


def test_an_imported_round_shows_its_results_and_compares_rules(client, organisation, db):
    data = (PABULIB_DIR / "Poland_Krakow_2021_Stare_Miasto.pb").read_bytes()
    round_ = import_round(organisation, None, data, "Poland_Krakow_2021_Stare_Miasto.pb")
    db.session.commit()
    round_ = db.session.get(Round, round_.id)
    page = client.get(f"/rounds/{round_.id}/results").get_data(as_text=True)
    assert "Funded:" in page and "Spent " in page and "1,104,775.00 PLN" in page  # the file's budget, in złoty
    budget = round_.budgets[0]
    compare = client.get(f"/rounds/{round_.id}/results/{budget.id}/compare")
    assert compare.status_code == 200 and "(stored)" in compare.get_data(as_text=True)
    assert client.get(f"/rounds/{round_.id}").get_data(as_text=True).count("public key") == 1
