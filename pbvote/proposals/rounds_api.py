"""What proposals need to know about rounds, in one place: loading, visibility, the lifecycle, districts,
categories, which budget a proposal belongs to, and money.

The rounds feature owns these rules; this module only asks it, so a change there shows up here once.
"""

from __future__ import annotations

from typing import Any

from ..accounts.models import Organisation
from ..extensions import db
from ..rounds import lifecycle, money
from ..rounds import operations as round_operations
from ..rounds.models import Budget, BudgetScope, Category, District, Round


def get_round(round_id: int) -> Round | None:
    """The round, after making its due scheduled transitions (so a phase that has ended is over for us too).

    Call it before a write transaction opens: the transitions commit on their own.
    """
    return round_operations.refresh_round(round_id)


def round_of(proposal: Any) -> Round:
    return db.session.get(Round, proposal.round_id)


def organisation_id(round_: Round) -> int:
    return round_.organisation_id


def organisation_name(round_: Round) -> str:
    return round_.organisation.name


def organisation(round_: Round) -> Organisation:
    """The round's organisation (mail about the round falls back to its default language)."""
    return round_.organisation


def round_name(round_: Round) -> str:
    return round_.name


def can_view_round(user: Any, round_: Round) -> bool:
    """Drafts are seen only inside the round's organisation (council, auditors); everything else is public."""
    return lifecycle.can_view_round(user, round_)


def allows(round_: Round, name: str) -> bool:
    """Whether the round's current state allows the lifecycle action ``name`` (e.g. "SUBMIT_PROPOSAL")."""
    return lifecycle.allows(round_, lifecycle.Action[name])


def require(round_: Round, name: str, error: type[Exception]) -> None:
    """Raise ``error`` with the lifecycle's message when the round's state refuses ``name``."""
    lifecycle.require_action(round_, lifecycle.Action[name], error)


def districts(round_: Round) -> list[District]:
    return list(round_.districts)


def categories(round_: Round) -> list[Category]:
    return list(round_.categories)


def names(round_: Round) -> dict[str, dict[int, str]]:
    """District and category names by id, for list and detail pages."""
    return {
        "district": {d.id: d.name for d in round_.districts},
        "category": {c.id: c.name for c in round_.categories},
    }


def requires_district(round_: Round) -> bool:
    """A proposal must name a district when the round's money is only in district budgets."""
    scopes = {budget.scope for budget in round_.budgets}
    return BudgetScope.DISTRICT.value in scopes and not scopes & {BudgetScope.CITYWIDE.value, BudgetScope.CATEGORY.value}


def budget_for(round_: Round, district_id: int | None, category_id: int | None) -> Budget | None:
    """The budget a proposal competes in: its district's, else its category's, else the citywide one."""
    return round_operations.budget_for(round_, district_id, category_id)


def budget_id(budget: Budget | None) -> int | None:
    return None if budget is None else budget.id


def cost_bounds(budget: Budget) -> tuple[int | None, int | None]:
    """(minimum, maximum) project cost in minor units; None when unbounded. Never above the budget."""
    high = budget.max_project_cost if budget.max_project_cost is not None else budget.amount
    return (budget.min_project_cost or None, high)


def currency(round_: Round) -> str:
    return round_.currency


MoneyError = money.MoneyError


def parse_amount(text: str, currency: str) -> int:
    """An amount a person typed, in minor units of ``currency``; :class:`MoneyError` when it is unclear."""
    return money.parse_money(text, currency)


def amount_text(minor: int, currency: str) -> str:
    """An amount as a person would type it back into a field ("1250.50")."""
    return money.minor_to_text(minor, currency)


def format_money(round_: Round, minor: int) -> str:
    """An amount in the round's currency ("€1,250.50")."""
    return money.format_money(minor, round_.currency)
