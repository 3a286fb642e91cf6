"""The demo's voting round and three of its projects have Welsh texts; seeding twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.content_languages.models import ContentTranslation
from pbvote.demo import DEMO_PASSWORD, seed_demo
from pbvote.rounds.events import verify_chain
from pbvote.rounds.models import Round


def test_the_demo_voting_round_reads_in_welsh(app, client, auth, db):
    seed_demo()
    data = seed_demo()
    count = db.session.scalar(select(func.count()).select_from(ContentTranslation))
    assert count == 2 + 3 * 2
    round_ = db.session.get(Round, data.voting_round_id)
    assert verify_chain(round_.id).ok

    welsh = {"Accept-Language": "cy"}
    assert "<h1>Pleidlais ddinesig Glan yr Afon 2026</h1>" in client.get(
        f"/rounds/{round_.id}", headers=welsh).get_data(as_text=True)
    auth.login(data.users["resident@riverside.example"], DEMO_PASSWORD)
    citywide = next(b for b in round_.budgets if b.scope == "citywide")
    ballot = client.get(f"/rounds/{round_.id}/vote/{citywide.id}", headers=welsh).get_data(as_text=True)
    assert "<strong>Coeden i bob stryd</strong>" in ballot
    assert '<strong><span lang="en-GB">Riverside cycle lane</span></strong>' in ballot
