"""A published round with funded and unfunded projects, and progress updates on them, for the accountability
tests and tests/web/routes.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from pbvote.accountability.models import ProgressUpdate
from pbvote.accountability.operations import UpdateInput, funded_proposal_ids, post_update
from pbvote.database import write_transaction
from pbvote.extensions import db
from pbvote.proposals.models import Proposal
from tests.web.proposals.factories import png_bytes


def funded_and_unfunded(round_) -> tuple[list[Proposal], list[Proposal]]:
    """The round's proposals the tally funded and those it did not (each by id)."""
    funded = funded_proposal_ids(round_)
    proposals = sorted(db.session.query(Proposal).filter_by(round_id=round_.id), key=lambda p: p.id)
    return [p for p in proposals if p.id in funded], [p for p in proposals if p.id not in funded]


def update_input(**overrides: Any) -> UpdateInput:
    values = {"status": "in_progress", "reported_on": date(2026, 11, 1), "text": "Works **started**.",
              "spent": 1_000_00}
    values.update(overrides)
    return UpdateInput(**values)


def make_update(proposal: Proposal, council: Any, *, photo: bool = False, **overrides: Any) -> ProgressUpdate:
    """A committed progress update on ``proposal`` by ``council`` (with a PNG photo when ``photo``)."""
    with write_transaction():
        update = post_update(db.session.get(Proposal, proposal.id), council,
                             update_input(image=png_bytes() if photo else None, **overrides))
    return update
