"""In the review phase the council decides feasibility, revises costs, merges duplicates and marks proposals
that compete for one site; only feasible proposals reach the ballot."""

from __future__ import annotations

from pbvote.proposals import operations
from pbvote.proposals.models import Proposal, ProposalRevision
from pbvote.rounds.models import Budget


def review(client, proposal, decision, reason=""):
    url = f"/proposals/{proposal.id}/review"
    return client.post_form(url, {"review-decision": decision, "review-reason": reason}, token_page=url)


def fresh(db, proposal) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def test_council_marks_proposals_feasible_or_not_with_a_public_reason(create_round, alice, council, create_proposal, client_for, db):
    round_ = create_round(state="review")
    good = create_proposal(round_, alice, title="Benches")
    bad = create_proposal(round_, alice, title="A moon base")
    client = client_for(council)

    assert review(client, good, "feasible", "Parks department agrees.").status_code == 303
    page = review(client, bad, "not_feasible", "").get_data(as_text=True)
    assert "Explain publicly why it is not feasible." in page
    assert fresh(db, bad).status == "submitted"
    assert review(client, bad, "not_feasible", "Not within the city's powers.").status_code == 303

    assert fresh(db, good).status == "feasible"
    public = client_for(alice).get(f"/proposals/{bad.id}").get_data(as_text=True)
    assert "Not feasible" in public and "Not within the city&#39;s powers." in public
    assert [c.to_status for c in fresh(db, bad).status_changes] == ["submitted", "not_feasible"]


def test_reviews_happen_only_in_the_review_phase(round_, alice, council, create_proposal, client_for, db):
    proposal = create_proposal(round_, alice)  # the round is still collecting proposals
    client = client_for(council)
    page = review(client, proposal, "feasible", "ok").get_data(as_text=True)
    assert "while the round is in the proposals phase" in page
    assert fresh(db, proposal).status == "submitted"


def test_council_revises_the_cost_with_a_reason_kept_in_history(create_round, alice, council, create_proposal, client_for, db):
    round_ = create_round(state="review")
    proposal = create_proposal(round_, alice, items=(("Benches", 2_000_00),))
    client = client_for(council)
    url = f"/proposals/{proposal.id}/cost"
    data = {"cost-cost_items-0-description": "Benches (quote)", "cost-cost_items-0-amount": "2400",
            "cost-cost_items-1-description": "Installation", "cost-cost_items-1-amount": "600", "cost-reason": ""}
    page = client.post_form(url, data, token_page=f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Explain why the cost changes." in page
    data["cost-reason"] = "Supplier quote of 3 March."
    assert client.post_form(url, data, token_page=f"/proposals/{proposal.id}").status_code == 303

    proposal = fresh(db, proposal)
    assert proposal.total_cost == 3_000_00
    revision: ProposalRevision = proposal.revisions[-1]
    assert revision.kind == "cost_revised" and revision.reason == "Supplier quote of 3 March."
    assert revision.editor_id == council.id
    assert revision.changes["total_cost"] == [2_000_00, 3_000_00]
    history = client.get(f"/proposals/{proposal.id}/revisions").get_data(as_text=True)
    assert "Cost revised by the council" in history and "Supplier quote of 3 March." in history


def test_merging_a_duplicate_points_it_to_the_target_and_tells_both_authors(
    create_round, alice, bob, council, create_proposal, client_for, db, mail_outbox
):
    round_ = create_round(state="review")
    target = create_proposal(round_, alice, title="Playground in North Park")
    duplicate = create_proposal(round_, bob, title="Swings for North Park")
    client = client_for(council)
    url = f"/proposals/{duplicate.id}/merge"
    response = client.post_form(url, {"merge-target_id": str(target.id), "merge-reason": "Same site, same idea."},
                                token_page=f"/proposals/{duplicate.id}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/proposals/{target.id}")

    duplicate = fresh(db, duplicate)
    assert duplicate.status == "merged" and duplicate.merged_into_id == target.id
    assert sorted(m["To"] for m in mail_outbox) == ["alice@example.org", "bob@example.org"]
    assert all("Same site, same idea." in m.get_content() for m in mail_outbox)
    page = client.get(f"/proposals/{duplicate.id}").get_data(as_text=True)
    assert "This proposal was merged into" in page and "Playground in North Park" in page
    # Merged proposals are listed only when asked for.
    listing = client.get(f"/rounds/{round_.id}/proposals").get_data(as_text=True)
    assert "Swings for North Park" not in listing
    assert "Swings for North Park" in client.get(f"/rounds/{round_.id}/proposals?status=merged").get_data(as_text=True)


def test_a_proposal_cannot_be_merged_into_itself_or_into_a_withdrawn_one(
    create_round, alice, council, create_proposal, client_for, db
):
    round_ = create_round(state="review")
    proposal = create_proposal(round_, alice)
    withdrawn = create_proposal(round_, alice, status="withdrawn")
    create_proposal(round_, alice, title="A real candidate")
    client = client_for(council)
    url = f"/proposals/{proposal.id}/merge"
    for target in (proposal, withdrawn):
        response = client.post_form(url, {"merge-target_id": str(target.id), "merge-reason": "dup"},
                                    token_page=f"/proposals/{proposal.id}")
        assert response.status_code == 200
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert fresh(db, proposal).status == "submitted"


def test_only_feasible_proposals_of_a_budget_reach_its_ballot_with_exclusion_groups(
    create_round, alice, council, create_proposal, client_for, db, app
):
    round_ = create_round(state="review")
    north, south = round_.districts
    north_a = create_proposal(round_, alice, title="North A", district="North")
    north_b = create_proposal(round_, alice, title="North B", district="North")
    north_c = create_proposal(round_, alice, title="North C", district="North")
    north_rejected = create_proposal(round_, alice, title="North D", district="North")
    south_a = create_proposal(round_, alice, title="South A", district="South")
    client = client_for(council)
    for proposal in (north_a, north_b, north_c, south_a):
        assert review(client, proposal, "feasible", "ok").status_code == 303
    review(client, north_rejected, "not_feasible", "No site.")

    url = f"/rounds/{round_.id}/exclusion-groups"
    page = client.post_form(url, {"name": "Old car park", "proposal_ids": [str(north_a.id)]}, token_page=url)
    assert "Choose at least two proposals." in page.get_data(as_text=True)
    response = client.post_form(
        url, {"name": "Old car park", "proposal_ids": [str(north_a.id), str(north_b.id), str(south_a.id)]}, token_page=url
    )
    assert response.status_code == 303
    assert "Old car park" in client.get(url).get_data(as_text=True)

    db.session.expire_all()
    round_ = db.session.get(type(round_), round_.id)
    north_budget = next(b for b in round_.budgets if b.district_id == north.id)
    south_budget = next(b for b in round_.budgets if b.district_id == south.id)
    assert [p.title for p in operations.ballot_proposals(round_, north_budget)] == ["North A", "North B", "North C"]
    assert [p.title for p in operations.ballot_proposals(round_, south_budget)] == ["South A"]
    # The group spans budgets; each ballot sees only its own members (and a lone member constrains nothing).
    assert operations.exclusion_groups(round_, north_budget) == [frozenset({north_a.id, north_b.id})]
    assert operations.exclusion_groups(round_, south_budget) == []
    assert operations.exclusion_groups_param(round_, north_budget) == f"{north_a.id},{north_b.id}"

    # A proposal found not feasible later leaves the group.
    review(client, north_b, "not_feasible", "Soil contamination.")
    db.session.expire_all()
    round_ = db.session.get(type(round_), round_.id)
    north_budget = db.session.get(Budget, north_budget.id)
    assert operations.exclusion_groups(round_, north_budget) == []
