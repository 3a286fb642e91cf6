"""URL builders for the rounds routes in tests/web/routes.py (ROUTE_CASES)."""

from __future__ import annotations

from .factories import make_round


def draft_round(world) -> dict:
    """A draft round of the organisation (council pages)."""
    return {"round_id": make_round(world.organisation).id}


def open_round(world) -> dict:
    """A round of the organisation collecting proposals (public pages, registration, codes)."""
    return {"round_id": make_round(world.organisation, state="proposals").id}


def budget(world) -> dict:
    """A budget of a draft round."""
    round_ = make_round(world.organisation)
    return {"round_id": round_.id, "budget_id": round_.budgets[0].id}


def transition(world) -> dict:
    """The confirmation page for opening a draft round for proposals."""
    return {**draft_round(world), "to_state": "proposals"}


def organisation(world) -> dict:
    """The organisation where the matrix's roles are held."""
    return {"org_slug": world.organisation.slug}
