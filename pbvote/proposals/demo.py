"""The proposals part of ``pbvote demo``: proposals in Riverside's demo rounds, each round showing what its phase
looks like (submitted ideas with a co-author; review decisions, a merged duplicate and an exclusion group;
feasible proposals ready for the ballot). Idempotent: a round that already has proposals is left alone.

Rows are made directly with the proposal models, because the operations rightly refuse submissions outside the
proposals phase; the bookkeeping (status history, first revision) is the same the operations write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..database import write_transaction
from ..extensions import db
from ..rounds.models import Round, RoundState, utcnow
from .models import (
    Coauthor,
    CoauthorStatus,
    CostItem,
    ExclusionGroup,
    ExclusionMember,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    RevisionKind,
    StatusChange,
)

# (title, summary, description, district index, category index, cost lines in minor units)
IDEAS = (
    ("Fruit trees along the river path", "Twenty apple and pear trees that anyone may pick from.",
     ("## Why\n\nThe river path has **no shade** in summer, and fresh fruit is expensive.\n\n"
     "- 20 trees of old local varieties\n- watering bags for the first two summers\n- a small sign explaining who may pick"),
     1, 0, (("Trees and planting", 600_000), ("Watering for two years", 150_000))),
    ("Safe crossing at Mill Street school", "A raised zebra crossing and lights at the primary school gate.",
     ("Children cross four lanes every morning. A raised crossing slows cars down; "
     "[the traffic count](https://example.org/traffic) shows 900 cars an hour at 8:30."),
     0, 1, (("Raised crossing", 2_800_000), ("Lights", 900_000))),
    ("Open-air cinema nights", "Six free film evenings on Harbour Square next summer.",
     "A screen, chairs and films chosen by residents in a vote on the notice board.",
     2, 2, (("Screen and sound hire", 480_000), ("Film licences", 120_000), ("Chairs", 60_000))),
    ("Skate ramp at Old Town park", "A small concrete ramp for beginners next to the playground.", "",
     0, 3, (("Concrete ramp", 3_500_000),)),
    ("Benches for the market square", "Ten benches so older residents can rest on market days.",
     "Wooden benches with armrests, placed in the shade.", 0, 0, (("Ten benches", 450_000), ("Fitting", 80_000))),
    ("Bike repair station", "A free pump and tools at Riverside North station.", "",
     1, 1, (("Repair stand", 250_000),)),
)

#: Which statuses the ideas get, by the phase of their round.
STATUS_PLAN = {
    "proposals": ("submitted",) * 6,
    "review": ("feasible", "submitted", "not_feasible", "feasible", "submitted", "merged"),
    "deliberation": ("feasible", "feasible", "feasible", "not_feasible", "feasible", "feasible"),
    "voting": ("feasible", "feasible", "feasible", "feasible", "not_feasible", "feasible"),
}
REASONS = {
    "feasible": "The council's engineers checked the site and the cost.",
    "not_feasible": "The land belongs to the regional water board, which does not allow building there.",
    "merged": "Describes the same project as another proposal; the ideas are combined there.",
}


def seed_proposals(data: Any) -> None:
    """Add demo proposals to Riverside's demo rounds that have none yet."""
    riverside = data.organisations["riverside"]
    authors = [data.users["resident@riverside.example"], data.users["moderator@riverside.example"]]
    council = data.users["council@riverside.example"]
    with write_transaction():
        rounds = db.session.scalars(
            select(Round).where(Round.organisation_id == riverside.id, Round.imported.is_(False),
                                Round.state.in_(tuple(STATUS_PLAN)))
        ).all()
        for round_ in rounds:
            has_any = db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.round_id == round_.id))
            if not has_any and round_.districts and round_.categories:
                _seed_round(round_, authors, council)


def _moment_in(round_: Round, state: RoundState, fraction: float) -> datetime:
    """A time ``fraction`` of the way through the round's ``state`` phase, never later than now (the phase may
    still be open); now when the round has no start for that phase."""
    now = utcnow()
    phase = round_.phase_for(state)
    if phase is None or phase.starts_at_utc is None or phase.starts_at_utc > now:
        return now
    end = min(phase.ends_at_utc or now, now)
    return phase.starts_at_utc + (end - phase.starts_at_utc) * fraction


def place_in_phases(round_: Round, proposals: Sequence[Proposal]) -> None:
    """Date seeded proposals as if they had happened on the round's schedule: each submitted (its first status
    and revision) during the proposals phase, one after another, and any later status decided in the review
    phase. Demo modules call this once the round's schedule is set."""
    for number, proposal in enumerate(proposals):
        fraction = (number + 1) / (len(proposals) + 1)
        submitted = _moment_in(round_, RoundState.PROPOSALS, fraction)
        decided = max(_moment_in(round_, RoundState.REVIEW, fraction), submitted)
        first, *later = proposal.status_changes
        proposal.created_at = first.created_at = submitted
        for revision in proposal.revisions:
            revision.created_at = submitted
        for change in later:
            change.created_at = decided
        proposal.updated_at = decided if later else submitted


def _seed_round(round_: Round, authors: list, council: Any) -> None:
    plan = STATUS_PLAN[round_.state]
    made: list[Proposal] = []
    for number, (idea, status) in enumerate(zip(IDEAS, plan, strict=True)):
        title, summary, description, district, category, lines = idea
        author = authors[number % len(authors)]
        proposal = Proposal(
            round_id=round_.id, author_id=author.id, title=title, summary=summary, description=description,
            total_cost=sum(amount for _, amount in lines),
            district_id=round_.districts[district % len(round_.districts)].id,
            category_id=round_.categories[category % len(round_.categories)].id,
            location="", status=ProposalStatus.SUBMITTED.value,
            search_text=f"{title} {summary} {description}".casefold(),
        )
        proposal.cost_items = [CostItem(position=i, description=d, amount=a) for i, (d, a) in enumerate(lines, 1)]
        proposal.status_changes = [StatusChange(to_status=ProposalStatus.SUBMITTED.value, actor_id=author.id)]
        proposal.revisions = [ProposalRevision(number=1, kind=RevisionKind.SUBMITTED.value, editor_id=author.id,
                                               changes={"title": [None, title], "total_cost": [None, proposal.total_cost]})]
        if number == 0:
            other = authors[1 % len(authors)]
            proposal.coauthors = [Coauthor(email=other.email, user_id=other.id, invited_by_id=author.id,
                                           status=CoauthorStatus.ACCEPTED.value)]
        db.session.add(proposal)
        made.append(proposal)
    db.session.flush()
    for proposal, status in zip(made, plan, strict=True):
        if status == ProposalStatus.SUBMITTED.value:
            continue
        proposal.status_changes.append(StatusChange(from_status=proposal.status, to_status=status,
                                                    reason=REASONS[status], actor_id=council.id))
        proposal.status = status
        proposal.status_reason = REASONS[status]
        if status == ProposalStatus.MERGED.value:
            proposal.merged_into_id = made[0].id
    place_in_phases(round_, made)
    if round_.state == "review":
        # Two ideas for the same corner of Old Town park: at most one can be built.
        group = ExclusionGroup(round_id=round_.id, name="Old Town park, north corner", created_by_id=council.id)
        group.members = [ExclusionMember(proposal_id=made[3].id), ExclusionMember(proposal_id=made[4].id)]
        db.session.add(group)
    db.session.flush()
