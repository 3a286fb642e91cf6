"""The demo shows each phase's proposals, and seeding twice adds nothing."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from pbvote.proposals import operations
from pbvote.proposals.demo import seed_proposals
from pbvote.proposals.models import ExclusionGroup, Proposal


def test_demo_proposals_fit_their_rounds_and_are_seeded_once(create_organisation, create_user, create_round, db, client):
    riverside = create_organisation(slug="riverside", name="Riverside")
    users = {
        email: create_user(email=email, organisation=riverside, roles=roles)
        for email, roles in (("resident@riverside.example", ("resident",)), ("moderator@riverside.example", ("moderator",)),
                             ("council@riverside.example", ("council",)))
    }
    data = SimpleNamespace(organisations={"riverside": riverside}, users=users)
    rounds = {state: create_round(riverside, state=state, districts=("Old Town", "North", "Harbour"),
                                  categories=("Parks", "Streets", "Culture", "Youth"), min_cost=100_000, max_cost=5_000_000)
              for state in ("draft", "proposals", "review", "voting")}

    seed_proposals(data)
    seed_proposals(data)

    def statuses(state):
        return sorted(db.session.scalars(select(Proposal.status).where(Proposal.round_id == rounds[state].id)))

    assert statuses("draft") == []
    assert statuses("proposals") == ["submitted"] * 6
    assert statuses("review") == ["feasible", "feasible", "merged", "not_feasible", "submitted", "submitted"]
    assert db.session.scalar(select(func.count()).select_from(ExclusionGroup)) == 1
    voting = rounds["voting"]
    on_ballot = [p for budget in voting.budgets for p in operations.ballot_proposals(voting, budget)]
    assert len(on_ballot) == 5
    for proposal in db.session.scalars(select(Proposal)):
        assert proposal.total_cost == sum(item.amount for item in proposal.cost_items)
        assert 100_000 <= proposal.total_cost <= 5_000_000
    for state in ("proposals", "review", "voting"):
        assert client.get(f"/rounds/{rounds[state].id}/proposals").status_code == 200
