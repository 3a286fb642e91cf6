"""URL builders for the proposal routes in tests/web/routes.py (ROUTE_CASES).

Each takes the walker's ``world`` and builds what the URL needs in the organisation where the matrix's roles
are held. Author-only pages are built around a proposal written by the user under test (the resident when
the visitor is anonymous), so every signed-in role reaches the page as its author; other people being refused
is tested in tests/web/proposals/test_access.py.
"""

from __future__ import annotations

from .factories import make_proposal, make_round


def _author(world):
    return world.user or world.users["resident"]


def open_round(world) -> dict:
    """A round of the organisation in its proposals phase."""
    return {"round_id": make_round(world.organisation).id}


def review_round(world) -> dict:
    """A round of the organisation in its review phase."""
    return {"round_id": make_round(world.organisation, state="review").id}


def proposal(world) -> dict:
    """A proposal (with an image) in a round that is collecting proposals."""
    round_ = make_round(world.organisation)
    return {"proposal_id": make_proposal(round_, world.users["resident"], with_image=True).id}


def own_proposal(world) -> dict:
    """A proposal written by the user under test, in a round that is collecting proposals."""
    round_ = make_round(world.organisation)
    return {"proposal_id": make_proposal(round_, _author(world)).id}


def proposal_under_review(world) -> dict:
    """A proposal in a round under review, with a second one it could be merged into."""
    round_ = make_round(world.organisation, state="review")
    make_proposal(round_, world.users["resident"], title="Another playground")
    return {"proposal_id": make_proposal(round_, world.users["resident"], title="Playground").id}


def invitation(world) -> dict:
    """A co-author invitation addressed to the user under test."""
    from pbvote.extensions import db
    from pbvote.proposals.models import Coauthor
    from pbvote.proposals.operations import invitation_token

    round_ = make_round(world.organisation)
    invitee = _author(world)
    author = world.users["auditor"] if invitee is not world.users["auditor"] else world.users["moderator"]
    item = make_proposal(round_, author, commit=False)
    coauthor = Coauthor(email=invitee.email, invited_by_id=author.id)
    item.coauthors.append(coauthor)
    db.session.commit()
    return {"token": invitation_token(coauthor)}


def exclusion_group(world) -> dict:
    """An exclusion group of two proposals in a round under review."""
    from pbvote.extensions import db
    from pbvote.proposals.models import ExclusionGroup, ExclusionMember

    round_ = make_round(world.organisation, state="review")
    first = make_proposal(round_, world.users["resident"])
    second = make_proposal(round_, world.users["resident"])
    group = ExclusionGroup(round_id=round_.id, name="The old car park")
    group.members = [ExclusionMember(proposal_id=first.id), ExclusionMember(proposal_id=second.id)]
    db.session.add(group)
    db.session.commit()
    return {"group_id": group.id}
