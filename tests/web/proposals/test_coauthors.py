"""Residents propose as a small group: the author invites co-authors by email; they accept or decline."""

from __future__ import annotations

import re

from sqlalchemy import select

from pbvote.proposals.models import Coauthor, Proposal


def invite(client, proposal, email):
    url = f"/proposals/{proposal.id}/coauthors"
    return client.post_form(url, {"email": email}, token_page=url)


def link_in(message) -> str:
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(/invitations/\S+)", body)
    assert match, body
    return match.group(1)


def test_an_invited_resident_accepts_and_may_then_edit(round_, alice, bob, create_proposal, client_for, db, mail_outbox):
    proposal = create_proposal(round_, alice, title="Community garden")
    alice_client = client_for(alice)
    response = invite(alice_client, proposal, "Bob@Example.org")
    assert response.status_code == 303
    assert len(mail_outbox) == 1
    message = mail_outbox[0]
    assert message["To"] == "bob@example.org"
    assert "Community garden" in message["Subject"]

    bob_client = client_for(bob)
    link = link_in(message)
    page = bob_client.get(link).get_data(as_text=True)
    assert "Alice invites you to co-author" in page
    response = bob_client.post_form(link + "/answer", {"accept": "1"}, token_page=link)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")

    coauthor = db.session.scalars(select(Coauthor)).one()
    assert coauthor.status == "accepted" and coauthor.user_id == bob.id
    assert bob_client.get(f"/proposals/{proposal.id}/edit").status_code == 200
    assert "Alice, Bob" in bob_client.get(f"/proposals/{proposal.id}").get_data(as_text=True)

    # The link is single-use.
    response = bob_client.post_form(link + "/answer", {"decline": "1"}, token_page=link)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Coauthor)).one().status == "accepted"
    assert "already been answered" in bob_client.get(link).get_data(as_text=True)


def test_an_invitee_without_an_account_is_sent_to_sign_in_and_back(round_, alice, create_proposal, client_for, client, mail_outbox):
    proposal = create_proposal(round_, alice)
    invite(client_for(alice), proposal, "newcomer@example.org")
    link = link_in(mail_outbox[0])
    response = client.get(link)
    assert response.status_code in (302, 303)
    assert "next=/invitations/" in response.headers["Location"]


def test_only_the_invited_address_can_answer(round_, alice, bob, create_user, create_proposal, client_for, db, mail_outbox):
    mallory = create_user(email="mallory@example.org")
    proposal = create_proposal(round_, alice)
    invite(client_for(alice), proposal, bob.email)
    link = link_in(mail_outbox[0])
    mallory_client = client_for(mallory)
    assert "sent to another email address" in mallory_client.get(link).get_data(as_text=True)
    mallory_client.post_form(link + "/answer", {"accept": "1"}, token_page=link)
    db.session.expire_all()
    assert db.session.scalars(select(Coauthor)).one().status == "invited"
    assert mallory_client.get(f"/proposals/{proposal.id}/edit").status_code == 403


def test_a_declined_invitation_gives_no_rights(round_, alice, bob, create_proposal, client_for, db, mail_outbox):
    proposal = create_proposal(round_, alice)
    invite(client_for(alice), proposal, bob.email)
    link = link_in(mail_outbox[0])
    bob_client = client_for(bob)
    response = bob_client.post_form(link + "/answer", {"decline": "1"}, token_page=link)
    assert response.status_code == 303
    assert db.session.scalars(select(Coauthor)).one().status == "declined"
    assert bob_client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    url = f"/proposals/{proposal.id}/withdraw"
    assert bob_client.post_form(url, {}, token_page=f"/proposals/{proposal.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "submitted"


def test_forged_or_tampered_links_are_refused(round_, alice, bob, create_proposal, client_for, db, mail_outbox):
    proposal = create_proposal(round_, alice)
    invite(client_for(alice), proposal, bob.email)
    link = link_in(mail_outbox[0])
    bob_client = client_for(bob)
    assert "not valid" in bob_client.get(link[:-3] + "abc").get_data(as_text=True)
    assert "not valid" in bob_client.get("/invitations/garbage").get_data(as_text=True)


def test_bad_invitations_are_explained(round_, alice, bob, create_proposal, client_for, db, mail_outbox):
    proposal = create_proposal(round_, alice)
    client = client_for(alice)
    assert "Enter a valid email address." in invite(client, proposal, "not-an-email").get_data(as_text=True)
    assert "already invited or an author" in invite(client, proposal, alice.email).get_data(as_text=True)
    invite(client, proposal, bob.email)
    assert "already invited or an author" in invite(client, proposal, bob.email).get_data(as_text=True)
    assert len(mail_outbox) == 1
