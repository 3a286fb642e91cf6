"""URL builders for the accountability routes in tests/web/routes.py (ROUTE_CASES): the published round of
tests/web/results/route_args.py, one of its funded projects, and an update with a photo on it."""

from __future__ import annotations

from tests.web.accountability.factories import funded_and_unfunded, make_update
from tests.web.results.route_args import published_round


def delivery(world) -> dict:
    return {"round_id": published_round(world).round.id}


def funded_project(world) -> dict:
    funded, _ = funded_and_unfunded(published_round(world).round)
    return {"proposal_id": funded[0].id}


def update(world) -> dict:
    funded, _ = funded_and_unfunded(published_round(world).round)
    return {"update_id": make_update(funded[0], world.users["council"], photo=True).id}
