"""Residents take part only in their own organisation's rounds (issue 16 items 1-2, issue 17 item 2).

A resident of one organisation (Hillview) must not register as a voter in, or propose to, a round of another
(Riverside); nor may an account without the resident role propose in its own organisation.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.proposals.models import Proposal
from pbvote.rounds.models import RoundVoter, VoterRollEntry
from tests.web.proposals.factories import make_round
from tests.web.proposals.test_submit_and_edit import proposal_form


@pytest.fixture
def riverside(create_organisation):
    return create_organisation(slug="riverside", name="Riverside City Council")


@pytest.fixture
def hillview(create_organisation):
    return create_organisation(slug="hillview", name="Hillview Housing Association")


@pytest.fixture
def riverside_round(riverside):
    """A Riverside round collecting proposals, open for registration."""
    return make_round(riverside)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_resident_of_another_organisation_cannot_register_to_vote(db, create_user, hillview, riverside_round,
                                                                    client_for):
    outsider = create_user(email="hugo@hillview.example", organisation=hillview, roles=("resident", "council"))
    client = client_for(outsider)
    url = f"/rounds/{riverside_round.id}/register"

    assert client.get(url).status_code == 403
    response = client.post_form(url, {"district_id": str(riverside_round.districts[0].id)})

    assert response.status_code == 403
    assert count(db, RoundVoter) == 0


def test_a_resident_of_the_round_organisation_registers(db, create_user, riverside, riverside_round, client_for):
    rita = create_user(email="rita@riverside.example", organisation=riverside)
    client = client_for(rita)
    url = f"/rounds/{riverside_round.id}/register"

    response = client.post_form(url, {"district_id": str(riverside_round.districts[0].id)}, token_page=url)

    assert response.status_code == 303
    assert db.session.scalar(select(RoundVoter.user_id)) == rita.id


def test_the_operation_itself_refuses_an_outsider(db, create_user, hillview, riverside_round):
    from pbvote.rounds import voters

    outsider = create_user(email="hugo@hillview.example", organisation=hillview)
    with pytest.raises(voters.VoterError, match="residents of Riverside City Council"):
        voters.register_voter(riverside_round, outsider, riverside_round.districts[0].id)
    assert count(db, RoundVoter) == 0


def test_a_voter_roll_entry_makes_an_outsider_eligible(db, create_user, hillview, riverside_round):
    """The council's roll is the explicit list of who may vote, whatever organisation the account is in."""
    from pbvote.rounds import voters

    listed = create_user(email="listed@hillview.example", organisation=hillview)
    db.session.add(VoterRollEntry(round_id=riverside_round.id, identifier=listed.email, kind="email",
                                  district_id=riverside_round.districts[1].id))
    db.session.commit()

    voter = voters.register_voter(riverside_round, listed, None)

    assert voter.district_id == riverside_round.districts[1].id


def test_a_resident_of_another_organisation_cannot_propose(db, create_user, hillview, riverside_round, client_for):
    outsider = create_user(email="hugo@hillview.example", organisation=hillview)
    client = client_for(outsider)
    url = f"/rounds/{riverside_round.id}/proposals/new"

    assert client.get(url).status_code == 403
    response = client.post_form(url, proposal_form(riverside_round))

    assert response.status_code == 403
    assert count(db, Proposal) == 0
    listing = client.get(f"/rounds/{riverside_round.id}/proposals").get_data(as_text=True)
    assert "Shade trees on Market Square" not in listing


@pytest.mark.parametrize("roles", [("auditor",), ("council",), ("moderator",)])
def test_only_residents_of_the_organisation_propose(db, create_user, riverside, riverside_round, client_for, roles):
    staff = create_user(organisation=riverside, roles=roles)
    client = client_for(staff)
    url = f"/rounds/{riverside_round.id}/proposals/new"

    assert client.get(url).status_code == 403
    assert client.post_form(url, proposal_form(riverside_round)).status_code == 403
    assert count(db, Proposal) == 0


def test_submit_proposal_operation_refuses_a_non_resident(db, create_user, hillview, riverside_round):
    from pbvote.proposals import operations

    outsider = create_user(organisation=hillview)
    data = operations.ProposalInput(title="Trees", summary="Shade.", description="", cost_items=[("Trees", 500_000)],
                                    district_id=riverside_round.districts[0].id)
    with pytest.raises(operations.ProposalForbidden):
        operations.submit_proposal(riverside_round, outsider, data)


def test_a_co_author_from_another_organisation_cannot_accept(db, create_user, hillview, riverside, riverside_round,
                                                             client_for):
    from pbvote.proposals.models import Coauthor
    from pbvote.proposals.operations import invitation_token
    from tests.web.proposals.factories import make_proposal

    author = create_user(email="rita@riverside.example", organisation=riverside)
    outsider = create_user(email="hugo@hillview.example", organisation=hillview)
    proposal = make_proposal(riverside_round, author, commit=False)
    coauthor = Coauthor(email=outsider.email, invited_by_id=author.id)
    proposal.coauthors.append(coauthor)
    db.session.commit()
    token = invitation_token(coauthor)

    client = client_for(outsider)
    client.post_form(f"/invitations/{token}/answer", {"accept": "1"})

    db.session.expire_all()
    assert db.session.get(Coauthor, coauthor.id).status == "invited"
    assert not db.session.get(Proposal, proposal.id).is_author(outsider)


def test_a_voter_without_the_resident_role_still_sees_that_they_are_registered(db, create_user, riverside,
                                                                               riverside_round, client_for):
    """Someone who became a voter another way (a voter code) is told so, not refused."""
    code_voter = create_user(organisation=riverside, roles=())
    db.session.add(RoundVoter(round_id=riverside_round.id, user_id=code_voter.id, source="code"))
    db.session.commit()

    response = client_for(code_voter).get(f"/rounds/{riverside_round.id}/register")

    assert response.status_code == 200
    assert "You are registered" in response.get_data(as_text=True)
