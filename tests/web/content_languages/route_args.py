"""URL builders for the translation routes in tests/web/routes.py (ROUTE_CASES).

The round's translations are the council's (a round collecting proposals of the world's organisation); a
proposal's are built around a proposal written by the user under test, so every signed-in role reaches the
page as its author. Other people being refused is tested in tests/web/content_languages/test_translations.py.
"""

from __future__ import annotations

from tests.web.proposals.factories import make_proposal, make_round


def round_(world) -> dict:
    return {"round_id": make_round(world.organisation).id}


def own_proposal(world) -> dict:
    author = world.user or world.users["resident"]
    return {"proposal_id": make_proposal(make_round(world.organisation), author).id}
