"""The demo publishes a round with cast ballots counted by equal shares; compared with greedy, equal shares also
funds the Harbour group's projects, the demo resident sees their ballot's story, and the bundle verifies."""

from __future__ import annotations

from pbvote.audit.bundle import build_bundle
from pbvote.audit.keys import public_key_hex
from pbvote.audit.verify import verify_bundle
from pbvote.demo import DEMO_PASSWORD, seed_demo
from pbvote.results.models import TallyResult
from pbvote.rounds.models import Round


def test_the_demo_shows_published_results_with_mes_and_greedy_compared(app, client, auth, db):
    seed_demo()
    data = seed_demo()  # idempotent
    round_ = db.session.get(Round, data.results_round_id)
    assert round_.state == "published"
    budget = round_.budgets[0]
    result = db.session.query(TallyResult).filter_by(budget_id=budget.id).one()
    assert result.rule_id == "mes" and result.ballots_counted == 41

    compare = client.get(f"/rounds/{round_.id}/results/{budget.id}/compare").get_data(as_text=True)
    row = lambda rule: compare.split(f"<th scope=\"row\">{rule}", 1)[1].split("</tr>", 1)[0]
    assert "Harbour allotment gardens" in row("greedy")  # greedy leaves it out, equal shares funds it
    assert "none" in row("mes (stored)")

    auth.login(data.users["resident@riverside.example"], DEMO_PASSWORD)
    page = client.get(f"/rounds/{round_.id}/results").get_data(as_text=True)
    assert "What your ballot achieved" in page and "It paid for:" in page
    assert verify_bundle(build_bundle(round_), public_key_hex(round_.id)).ok
