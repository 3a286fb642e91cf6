"""URL builders for the deliberation routes in tests/web/routes.py (ROUTE_CASES).

Author-only pages are built around a comment written by the user under test (the resident when anonymous), so
each signed-in role reaches them as the author; refusals of other people are tested in test_permissions.py.
"""

from __future__ import annotations

from tests.web.proposals.factories import make_proposal, make_round

from .factories import make_comment


def _author(world):
    return world.user or world.users["resident"]


def _proposal(world):
    return make_proposal(make_round(world.organisation), world.users["resident"])


def proposal(world) -> dict:
    """A proposal open for discussion (round in its proposals phase)."""
    return {"proposal_id": _proposal(world).id}


def round_(world) -> dict:
    return {"round_id": make_round(world.organisation).id}


def comment(world) -> dict:
    """A visible comment by the moderator (so every other role may reply to, mark and flag it)."""
    return {"comment_id": make_comment(_proposal(world), world.users["moderator"]).id}


def own_comment(world) -> dict:
    """A visible comment written by the user under test."""
    return {"comment_id": make_comment(_proposal(world), _author(world)).id}


def own_hidden_comment(world) -> dict:
    """A comment of the user under test that a moderator hid (which they may appeal)."""
    return {"comment_id": make_comment(_proposal(world), _author(world), status="hidden", reason="Off-topic.").id}


def unsubscribe_token(world) -> dict:
    from pbvote.deliberation.notifications import unsubscribe_token as token

    return {"token": token(world.users["resident"])}
