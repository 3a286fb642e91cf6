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
    imported = next(r for r in rounds if r.imported)
    assert imported.name == "Assen Top Idee 2024" and imported.state == "published"
    assert all(verify_chain(r.id).ok for r in rounds)
    voting = next(r for r in riverside if r.state == "voting")
    assert all(b.rule_id == "mes" and b.explanation for b in voting.budgets)


def test_each_demo_organisation_has_its_own_visible_rounds(app, client):
    """Assen's real round sits under Gemeente Assen, not Riverside; Hillview has a round residents can see."""
    seed_demo()
    rounds = db.session.scalars(select(Round)).all()
    imported = [r for r in rounds if r.imported]
    assert [(r.name, r.organisation.name) for r in imported] == [("Assen Top Idee 2024", "Gemeente Assen")]
    hillview = [r for r in rounds if r.organisation.slug == "hillview"]
    assert [(r.name, r.state) for r in hillview] == [("Courtyards 2027", "proposals")]
    assert [d.name for d in hillview[0].districts] == ["North Block", "South Block"]
    assert "Courtyards 2027" in client.get("/organisations/hillview/rounds").get_data(as_text=True)


def test_demo_proposals_were_submitted_and_decided_within_their_phases(app):
    from pbvote.proposals.models import Proposal
    from pbvote.rounds.models import as_utc

    seed_demo()
    proposals = db.session.scalars(select(Proposal).join(Round).where(Round.imported.is_(False))).all()
    assert proposals
    for proposal in proposals:
        round_ = db.session.get(Round, proposal.round_id)
        window = round_.phase_for("proposals")
        submitted = as_utc(proposal.created_at)
        assert as_utc(window.starts_at) <= submitted <= as_utc(window.ends_at), proposal.title
        assert as_utc(proposal.status_changes[0].created_at) == submitted
        assert all(as_utc(revision.created_at) == submitted for revision in proposal.revisions)
        review = round_.phase_for("review")
        for change in proposal.status_changes[1:]:
            assert as_utc(review.starts_at) <= as_utc(change.created_at) <= as_utc(review.ends_at), proposal.title
