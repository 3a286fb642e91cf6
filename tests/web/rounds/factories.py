"""Factories for rounds, shared by the rounds stories and the route table (tests/web/routes.py).

Rounds are made through the real operations (so their event log starts properly); a round can then be put in
any state directly, for tests that are about what a state allows rather than how it was reached.
"""

from __future__ import annotations

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.models import BudgetScope, Round, RoundState


def make_round(
    organisation,
    *,
    state: str | RoundState = RoundState.DRAFT,
    name: str = "Green streets 2027",
    districts: tuple[str, ...] = ("North", "South"),
    categories: tuple[str, ...] = ("Parks", "Streets"),
    currency: str = "EUR",
    timezone: str = "Europe/Amsterdam",
    district_budgets: bool = True,
    actor=None,
    imported: bool = False,
) -> Round:
    """A committed round of ``organisation`` with a budget of €50,000 per district (or one citywide)."""
    round_ = operations.create_round(
        organisation,
        actor,
        operations.RoundSettings(
            name=name,
            description="Ideas for greener streets.",
            currency=currency,
            timezone=timezone,
            districts=list(districts),
            categories=list(categories),
        ),
    )
    if district_budgets and round_.districts:
        for district in round_.districts:
            operations.add_budget(
                round_,
                actor,
                operations.BudgetInput(
                    name=district.name,
                    scope=BudgetScope.DISTRICT.value,
                    district_id=district.id,
                    amount=5_000_000,
                    min_project_cost=10_000,
                    max_project_cost=2_500_000,
                ),
            )
    else:
        operations.add_budget(round_, actor, operations.BudgetInput(name="Citywide", amount=10_000_000))
    round_.state = RoundState(state).value
    round_.imported = imported
    db.session.commit()
    return round_
