"""What proposals need to know about rounds, in one place: loading, visibility, the lifecycle, districts,
categories, which budget a proposal belongs to, and money.

The rounds feature owns these rules; this module only asks it, so a change there shows up here once.
"""

from __future__ import annotations

from typing import Any

from flask_login import AnonymousUserMixin

from ..accounts.models import Role
from ..extensions import db
from ..rounds import money
from ..rounds.models import Budget, BudgetScope, Category, District, Round, RoundState

def get_round(round_id: int) -> Round | None:
    """The round with due scheduled transitions applied (the lifecycle does that lazily on load)."""
    round_ = db.session.get(Round, round_id)
    if round_ is not None:
        _apply_due_transitions(round_)
    return round_


def _apply_due_transitions(round_: Round) -> None:
    from ..rounds import lifecycle

    apply = getattr(lifecycle, "apply_due_transitions", None)
    if apply is not None:
        apply(round_)


def round_of(proposal: Any) -> Round:
    return db.session.get(Round, proposal.round_id)


def organisation_id(round_: Round) -> int:
    return round_.organisation_id


def round_name(round_: Round) -> str:
    return round_.name


def can_view_round(user: Any, round_: Round) -> bool:
    """Drafts are seen only inside the round's organisation (council, auditors); everything else is public."""
    from ..rounds import lifecycle

    check = getattr(lifecycle, "can_view_round", None)
    if check is not None:
        return bool(check(user, round_))
    if round_.state != RoundState.DRAFT.value:
        return True
    if user is None or isinstance(user, AnonymousUserMixin) or not user.is_authenticated:
        return False
    return user.has_role(Role.COUNCIL, round_.organisation_id) or user.has_role(Role.AUDITOR, round_.organisation_id)


def allows(round_: Round, name: str) -> bool:
    """Whether the round's current state allows the lifecycle action ``name`` (e.g. "SUBMIT_PROPOSAL")."""
    from ..rounds.lifecycle import Action
    from ..rounds.lifecycle import allows as lifecycle_allows

    return lifecycle_allows(round_, Action[name])


def require(round_: Round, name: str, error: type[Exception]) -> None:
    """Raise ``error`` with the lifecycle's message when the round's state refuses ``name``."""
    from ..rounds.lifecycle import Action, require_action

    require_action(round_, Action[name], error)


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
    budgets = list(round_.budgets)
    if district_id is not None:
        match = next((b for b in budgets if b.scope == BudgetScope.DISTRICT.value and b.district_id == district_id), None)
        if match is not None:
            return match
    if category_id is not None:
        match = next((b for b in budgets if b.scope == BudgetScope.CATEGORY.value and b.category_id == category_id), None)
        if match is not None:
            return match
    return next((b for b in budgets if b.scope == BudgetScope.CITYWIDE.value), None)


def budget_id(budget: Budget | None) -> int | None:
    return None if budget is None else budget.id


def cost_bounds(budget: Budget) -> tuple[int | None, int | None]:
    """(minimum, maximum) project cost in minor units; None when unbounded. Never above the budget."""
    high = budget.max_project_cost if budget.max_project_cost is not None else budget.amount
    return (budget.min_project_cost or None, high)


def currency(round_: Round) -> str:
    return round_.currency


def currency_exponent(round_: Round) -> int:
    """How many decimals the round's currency has (2 for EUR/PLN/USD, 0 for JPY …)."""
    return money.exponent(round_.currency)


def format_money(round_: Round, minor: int) -> str:
    """An amount in the round's currency ("€1,250.50")."""
    return money.format_money(minor, round_.currency)
