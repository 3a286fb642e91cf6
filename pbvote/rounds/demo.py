"""The rounds part of ``pbvote demo``: a round of Riverside in each phase, Hillview's round open for proposals,
and Assen's past round imported (under Gemeente Assen) from the real pabulib file in ``pbvote/demo_data``.
Idempotent: a round that exists (by organisation and name) is kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from . import operations
from .importing import import_round
from .models import BudgetScope, Round, RoundState, utcnow

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo_data" / "Netherlands_Assen_2024.pb"
DISTRICTS = ["Old Town", "Riverside North", "Harbour"]
CATEGORIES = ["Parks and nature", "Streets and mobility", "Culture", "Youth and sport"]
HILLVIEW_DISTRICTS = ["North Block", "South Block"]
HILLVIEW_CATEGORIES = ["Courtyards and gardens", "Play and sport", "Shared rooms"]

#: (name, state to bring it to) — every phase a council meets before results.
DEMO_ROUNDS = (
    ("Riverside 2027 (draft)", RoundState.DRAFT),
    ("Green Riverside 2026", RoundState.PROPOSALS),
    ("Safer streets 2026", RoundState.REVIEW),
    ("Culture in the districts 2026", RoundState.DELIBERATION),
    ("Youth budget 2026", RoundState.VOTING),
)
ORDER = [RoundState.PROPOSALS, RoundState.REVIEW, RoundState.DELIBERATION, RoundState.VOTING]


def _existing(organisation_id: int, name: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.organisation_id == organisation_id, Round.name == name))


def _make_round(organisation, council, name: str, target: RoundState, districts: list[str] = DISTRICTS,
                categories: list[str] = CATEGORIES) -> None:
    round_ = operations.create_round(organisation, council, operations.RoundSettings(
        name=name,
        description=("Residents propose projects for their district; the council checks they are feasible; "
                     "everyone votes; the money goes where the votes say."),
        currency="EUR", timezone="Europe/London", districts=districts, categories=categories,
    ))
    for district in round_.districts:
        budget = operations.add_budget(round_, council, operations.BudgetInput(
            name=district.name, scope=BudgetScope.DISTRICT.value, district_id=district.id,
            amount=15_000_000, min_project_cost=100_000, max_project_cost=5_000_000,
        ))
        operations.update_ballot_settings(budget, council, operations.BallotSettings(
            ballot_type="approval", min_picks=1, max_picks=5, rule_id="mes",
            rule_params={"completion": "add1"},
            explanation=("Tick up to five projects you would like in your district. Money is shared fairly: "
                         "every voter gets an equal share of the budget to spend on the projects they tick."),
        ))
    # A schedule around today: earlier phases in the past, the target phase open for two more weeks, later
    # phases after it. The scheduler itself then brings the round to its phase (and on, while the demo runs).
    now = utcnow()
    current = ORDER.index(target) if target in ORDER else -1
    first_start = now - timedelta(days=1) - timedelta(days=14) * current if current >= 0 else now + timedelta(days=14)
    windows = {}
    for index, state in enumerate(ORDER):
        starts = first_start + timedelta(days=14) * index
        windows[state] = (starts, starts + timedelta(days=14))
    operations.set_schedule(round_, council, windows)
    operations.apply_due_transitions(round_, now)


def seed_rounds(data: Any) -> None:
    """Add the demo rounds to Riverside, Hillview and Gemeente Assen where they are missing."""
    riverside = data.organisations["riverside"]
    council = data.users["council@riverside.example"]
    with write_transaction():
        for name, target in DEMO_ROUNDS:
            if _existing(riverside.id, name) is None:
                _make_round(riverside, council, name, target)
        hillview = data.organisations["hillview"]
        if _existing(hillview.id, "Courtyards 2027") is None:
            _make_round(hillview, data.users["council@hillview.example"], "Courtyards 2027", RoundState.PROPOSALS,
                        HILLVIEW_DISTRICTS, HILLVIEW_CATEGORIES)
        assen = data.organisations["assen"]
        if _existing(assen.id, "Assen Top Idee 2024") is None:
            # Nobody of Assen has an account here: the import is the organisation's own record (actor None).
            import_round(assen, None, DEMO_FILE.read_bytes(), DEMO_FILE.name)
