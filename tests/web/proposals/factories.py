"""Plain factory functions for rounds and proposals, shared by the proposal tests and tests/web/routes.py.

Rounds are built straight from the rounds models (their state set directly), so a test can put a round in any
phase; proposals are built from the proposal models with the same bookkeeping ``submit_proposal`` does (a first
revision and a status history entry).
"""

from __future__ import annotations

import io
import itertools
from typing import Any

from pbvote.extensions import db
from pbvote.proposals import images
from pbvote.proposals.models import CostItem, Proposal, ProposalRevision, ProposalStatus, StatusChange
from pbvote.rounds.models import Budget, BudgetScope, Category, District, Round

_numbers = itertools.count(1)


def make_round(
    organisation: Any,
    *,
    state: str = "proposals",
    name: str | None = None,
    districts: tuple[str, ...] = ("North", "South"),
    categories: tuple[str, ...] = ("Parks", "Streets"),
    district_budgets: bool = True,
    citywide: bool = False,
    amount: int = 100_000_00,
    min_cost: int = 1_000_00,
    max_cost: int | None = 50_000_00,
    currency: str = "EUR",
) -> Round:
    """A committed round of ``organisation`` in ``state``: districts, categories, and one budget per district
    (and/or a citywide one), each from ``min_cost`` to ``max_cost`` (minor units)."""
    round_ = Round(
        organisation_id=organisation.id,
        name=name or f"Budget {next(_numbers)}",
        description="A participatory budget.",
        currency=currency,
        state=state,
    )
    for position, district in enumerate(districts):
        round_.districts.append(District(name=district, position=position))
    for position, category in enumerate(categories):
        round_.categories.append(Category(name=category, position=position))
    db.session.add(round_)
    db.session.flush()
    if district_budgets:
        for district in round_.districts:
            round_.budgets.append(
                Budget(
                    name=f"{district.name} budget", scope=BudgetScope.DISTRICT.value, district_id=district.id,
                    amount=amount, min_project_cost=min_cost, max_project_cost=max_cost,
                )
            )
    if citywide or not round_.districts:
        round_.budgets.append(
            Budget(name="Citywide", scope=BudgetScope.CITYWIDE.value, amount=amount, min_project_cost=min_cost,
                   max_project_cost=max_cost)
        )
    db.session.commit()
    return round_


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "green") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def make_proposal(
    round_: Round,
    author: Any,
    *,
    title: str | None = None,
    summary: str = "A short summary.",
    description: str = "",
    items: tuple[tuple[str, int], ...] = (("Benches", 2_000_00), ("Trees", 3_000_00)),
    district: str | None = "first",
    category: str | None = None,
    status: str = ProposalStatus.SUBMITTED.value,
    with_image: bool = False,
    commit: bool = True,
) -> Proposal:
    """A proposal in ``round_`` by ``author``; ``district="first"`` picks the round's first district."""
    district_id = None
    if district == "first" and round_.districts:
        district_id = round_.districts[0].id
    elif district and district != "first":
        district_id = next(d.id for d in round_.districts if d.name == district)
    category_id = next(c.id for c in round_.categories if c.name == category) if category else None
    title = title or f"Proposal {next(_numbers)}"
    proposal = Proposal(
        round_id=round_.id,
        author_id=author.id,
        title=title,
        summary=summary,
        description=description,
        total_cost=sum(amount for _, amount in items),
        district_id=district_id,
        category_id=category_id,
        location="",
        status=status,
        search_text=f"{title} {summary} {description}".casefold(),
    )
    proposal.cost_items = [CostItem(position=i, description=d, amount=a) for i, (d, a) in enumerate(items, 1)]
    proposal.status_changes = [StatusChange(to_status=ProposalStatus.SUBMITTED.value, actor_id=author.id)]
    if status != ProposalStatus.SUBMITTED.value:
        proposal.status_changes.append(
            StatusChange(from_status=ProposalStatus.SUBMITTED.value, to_status=status, reason="Set by the test.")
        )
        proposal.status_reason = "Set by the test."
    proposal.revisions = [ProposalRevision(number=1, kind="submitted", editor_id=author.id, changes={"title": [None, title]})]
    if with_image:
        proposal.image_filename = images.store_image(png_bytes()).filename
    db.session.add(proposal)
    if commit:
        db.session.commit()
    return proposal
