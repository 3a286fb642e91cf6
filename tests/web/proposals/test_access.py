"""Who may do what to a proposal: authors edit and withdraw theirs; only the council of the round's
organisation reviews; drafts of a round stay inside its organisation."""

from __future__ import annotations

from pbvote.proposals.models import Proposal

from .test_submit_and_edit import proposal_form


def test_resident_b_cannot_edit_or_withdraw_a_proposal_of_resident_a(round_, alice, bob, create_proposal, client_for, db):
    proposal = create_proposal(round_, alice, title="Alice's idea")
    bob_client = client_for(bob)
    edit = f"/proposals/{proposal.id}/edit"
    withdraw = f"/proposals/{proposal.id}/withdraw"
    token_page = f"/proposals/{proposal.id}"
    assert bob_client.get(edit).status_code == 403
    assert bob_client.post_form(edit, proposal_form(round_, title="Bob's now"), token_page=token_page).status_code == 403
    assert bob_client.get(withdraw).status_code == 403
    assert bob_client.post_form(withdraw, {}, token_page=token_page).status_code == 403
    invite = f"/proposals/{proposal.id}/coauthors"
    assert bob_client.post_form(invite, {"email": "bob2@example.org"}, token_page=token_page).status_code == 403

    page = bob_client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert edit not in page and withdraw not in page
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.title == "Alice's idea" and proposal.status == "submitted" and not proposal.coauthors


def test_anonymous_visitors_are_sent_to_sign_in(round_, alice, create_proposal, client):
    proposal = create_proposal(round_, alice)
    for url in (f"/proposals/{proposal.id}/edit", f"/rounds/{round_.id}/proposals/new"):
        response = client.get(url)
        assert response.status_code in (302, 303) and "next=" in response.headers["Location"]


def test_only_council_of_the_rounds_organisation_reviews(
    create_round, create_organisation, create_user, alice, council, create_proposal, client_for, db
):
    round_ = create_round(state="review")
    proposal = create_proposal(round_, alice)
    elsewhere = create_organisation(slug="elsewhere")
    outsider = create_user(email="council@elsewhere.org", roles=("council",), organisation=elsewhere)
    moderator = create_user(email="mod@example.org", roles=("moderator",))
    review = f"/proposals/{proposal.id}/review"
    decision = {"review-decision": "feasible", "review-reason": "Fine."}
    token_page = f"/proposals/{proposal.id}"
    for user in (alice, outsider, moderator):
        client = client_for(user)
        assert client.get(review).status_code == 403
        assert client.post_form(review, decision, token_page=token_page).status_code == 403
        assert client.post_form(f"/proposals/{proposal.id}/cost", {"cost-reason": "x"}, token_page=token_page).status_code == 403
        assert client.get(f"/rounds/{round_.id}/exclusion-groups").status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "submitted"

    response = client_for(council).post_form(review, decision, token_page=token_page)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "feasible"


def test_proposals_of_a_draft_round_are_invisible_to_other_organisations(
    create_round, create_organisation, create_user, alice, council, create_proposal, client_for, client, db
):
    round_ = create_round()
    proposal = create_proposal(round_, alice, title="Secret draft idea", with_image=True)
    round_.state = "draft"
    db.session.commit()
    elsewhere = create_organisation(slug="elsewhere")
    outsider = create_user(email="council@elsewhere.org", roles=("council",), organisation=elsewhere)
    urls = (
        f"/rounds/{round_.id}/proposals",
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/image",
        f"/proposals/{proposal.id}/revisions",
    )
    for visitor in (client, client_for(outsider)):
        for url in urls:
            response = visitor.get(url)
            assert response.status_code == 404, url
            assert b"Secret draft idea" not in response.data
    council_client = client_for(council)
    assert "Secret draft idea" in council_client.get(f"/rounds/{round_.id}/proposals").get_data(as_text=True)
    assert council_client.get(f"/proposals/{proposal.id}/image").status_code == 200


def test_unknown_or_out_of_range_ids_are_404(client, alice, client_for):
    visitor = client_for(alice)
    for url in ("/proposals/999999", "/proposals/99999999999999", "/rounds/424242/proposals", "/proposals/999999/edit"):
        assert visitor.get(url).status_code == 404, url
