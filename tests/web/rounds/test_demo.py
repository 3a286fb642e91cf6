"""The demo shows a round in each phase, including one imported from a real pabulib file."""

from __future__ import annotations

from sqlalchemy import select

from pbvote.demo import seed_demo
from pbvote.extensions import db
from pbvote.rounds.events import verify_chain
from pbvote.rounds.models import Round


def test_the_demo_has_a_round_in_every_phase_and_can_be_seeded_twice(app):
    seed_demo()
    seed_demo()
    rounds = db.session.scalars(select(Round).order_by(Round.id)).all()
    riverside = [r for r in rounds if r.organisation.slug == "riverside"]
    assert {r.state for r in riverside} == {"draft", "proposals", "review", "deliberation", "voting", "published"}
    assert len(rounds) == len({(r.organisation_id, r.name) for r in rounds})  # nothing seeded twice
    imported = next(r for r in riverside if r.imported)
    assert imported.name == "Assen Top Idee 2024" and imported.state == "published"
    assert all(verify_chain(r.id).ok for r in rounds)
    voting = next(r for r in riverside if r.state == "voting")
    assert all(b.rule_id == "mes" and b.explanation for b in voting.budgets)
