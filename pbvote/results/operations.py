"""Tallying a round's budgets with their stored rules, through the adapter, and storing the outcomes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from .. import __version__
from ..extensions import db
from ..rounds.events import EventKind, append_event
from ..rounds.models import Budget, Round
from ..tally import compute, jsonable
from .adapter import election_for_budget, rule_params_for_budget
from .models import TallyResult


def tally_budget(budget: Budget) -> TallyResult:
    """Run the budget's rule on its counted ballots and store the outcome (replacing an earlier tally)."""
    election = election_for_budget(budget)
    params = rule_params_for_budget(budget)
    outcome = compute(budget.rule_id, election, **params)
    db.session.execute(delete(TallyResult).where(TallyResult.budget_id == budget.id))
    result = TallyResult(
        budget_id=budget.id,
        rule_id=outcome.rule,
        rule_params=jsonable(outcome.params),
        tie_breaking=outcome.tie_breaking,
        ballots_counted=election.num_voters,
        selected=[int(project_id) for project_id in outcome.selected],
        outcome=jsonable(outcome),
        pbvote_version=__version__,
    )
    db.session.add(result)
    db.session.flush()
    return result


def tally_round(round_: Round, actor: Any = None) -> list[TallyResult]:
    """Tally every budget of the round and log what each rule funded."""
    results = [tally_budget(budget) for budget in round_.budgets]
    append_event(round_, EventKind.TALLIED, actor, {
        "budgets": [
            {"budget_id": r.budget_id, "rule": r.rule_id, "params": r.rule_params, "tie_breaking": r.tie_breaking,
             "ballots": r.ballots_counted, "selected": r.selected, "spent": r.outcome.get("spent")}
            for r in results
        ],
        "pbvote_version": __version__,
    })
    return results


def result_for(budget: Budget) -> TallyResult | None:
    return db.session.scalar(select(TallyResult).where(TallyResult.budget_id == budget.id))
