"""The demo has a round open for voting (ranked citywide, approval per district), a demo voter who has not
voted, and a voter code that works."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.demo import DEMO_PASSWORD, seed_demo
from pbvote.rounds.events import verify_chain
from pbvote.rounds.voters import voter_record
from pbvote.voting.models import Ballot

from .test_code_voters import claim


def test_the_demo_round_is_open_for_voting_and_its_code_works(app, client, auth, db):
    seed_demo()
    data = seed_demo()  # idempotent
    from pbvote.rounds.models import Round

    round_ = db.session.get(Round, data.voting_round_id)
    assert round_.state == "voting" and verify_chain(round_.id).ok
    kinds = {budget.scope: budget.ballot_type for budget in round_.budgets}
    assert kinds == {"citywide": "ranked", "district": "approval"}
    resident = data.users["resident@riverside.example"]
    assert voter_record(round_, resident) is not None
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.round_id == round_.id)) == 0

    auth.login(resident, DEMO_PASSWORD)
    citywide = next(b for b in round_.budgets if b.scope == "citywide")
    page = client.get(f"/rounds/{round_.id}/vote/{citywide.id}").get_data(as_text=True)
    assert "A tree for every street" in page and "Night buses on weekends" in page
    auth.logout()

    _, response = claim(client, round_, data.voter_code)
    assert response.status_code == 303 and response.location.endswith(f"/rounds/{round_.id}/vote")
    assert seed_demo().voter_code != data.voter_code  # the demo prints a fresh code once one is used
