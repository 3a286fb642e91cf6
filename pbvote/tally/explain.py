"""Plain-language text for an :class:`~pbvote.tally.model.Outcome` and its trace.

One line per step, then the totals and the tie-breaking used. Steps with a known ``reason`` (the greedy
family's ``fits``, ``over-budget``, ``stop``, ``stopped``, ``below-threshold``, ``excluded``, and MES's / Phragmén's
own words) get a sentence; whatever else a step carries in ``details`` is listed after it as ``name value``
pairs, so rules added later render without changes here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..text import counted
from .model import Election, Outcome, Step

TIE_BREAKING_WORDS = {
    "file-order": "equal candidates in the order the projects are listed",
    "cost-asc": "equal candidates cheaper first, then in list order",
    "cost-desc": "equal candidates dearer first, then in list order",
    "id": "equal candidates by project id",
    "id-text": "equal candidates by project id compared as text",
}

# Details already said in the sentence of a step, not repeated in its list of numbers.
_SAID = {"position", "remaining_before", "remaining_after", "excluded_by", "stopped_at", "threshold"}


def number(value: Any) -> str:
    """An amount for people: thousands separated, Fractions as exact fractions or two decimals."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return f"{value.numerator:,}"
        return f"{float(value):,.2f} ({value})" if value.denominator < 1000 else f"≈{float(value):,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(number(item) for item in value)
    return str(value)


def step_sentence(step: Step, name_of: dict[str, str]) -> str:
    """What happened at one step, in words."""
    details = step.details
    project = _project_label(step.project, name_of)
    left_before = details.get("remaining_before")
    sentences = {
        "fits": f"selected {project}",
        "over-budget": f"skipped {project}: it costs more than the {number(left_before)} left",
        "stop": f"stopped at {project}: it costs more than the {number(left_before)} left, "
        "and this rule funds nothing after the first project that does not fit",
        "stopped": f"not funded {project}: the tally had stopped at project {details.get('stopped_at')}",
        "below-threshold": f"skipped {project}: its score is below the threshold of "
        f"{number(details.get('threshold'))}",
        "excluded": f"skipped {project}: project {details.get('excluded_by')} of its exclusive group was funded",
    }
    if step.reason in sentences:
        text = sentences[step.reason]
    else:
        verb = {"select": "selected", "skip": "skipped"}.get(step.action, step.action)
        text = f"{verb} {project}" if step.project is not None else verb
        if step.reason:
            text += f": {step.reason}"
    facts = []
    if step.cost is not None:
        facts.append(f"cost {number(step.cost)}")
    if step.support is not None:
        facts.append(f"support {number(step.support)}")
    facts.extend(
        f"{key.replace('_', ' ')} {number(value)}"
        for key, value in details.items()
        # The greedy family's score is its votes or its points: say it once.
        if key not in _SAID and not (key in ("votes", "points") and value == step.support)
    )
    if "remaining_after" in details and step.action == "select":
        facts.append(f"{number(details['remaining_after'])} left")
    return f"{text} ({'; '.join(facts)})" if facts else text


def explain(outcome: Outcome, election: Election | None = None) -> str:
    """The whole outcome as text: a heading, one numbered line per step, then the totals."""
    name_of = {project.id: project.name for project in election.projects} if election is not None else {}
    params = ", ".join(f"{key}={value}" for key, value in outcome.params.items() if value not in (None, ""))
    lines = [f"Rule: {outcome.rule}" + (f" ({params})" if params else "")]
    lines.append(f"Budget: {number(outcome.budget)}")
    width = len(str(len(outcome.steps)))
    for position, step in enumerate(outcome.steps, start=1):
        lines.append(f"{position:>{width}}. {step_sentence(step, name_of)}")
    left = outcome.budget - outcome.spent
    lines.append(
        f"Selected {counted(len(outcome.selected), 'project')}: {', '.join(outcome.selected) or 'none'}. "
        f"Spent {number(outcome.spent)} of {number(outcome.budget)}; {number(left)} left unspent."
    )
    words = TIE_BREAKING_WORDS.get(outcome.tie_breaking, outcome.tie_breaking)
    lines.append(f"Ties: {outcome.tie_breaking} ({words}).")
    return "\n".join(lines)


def _project_label(project_id: str | None, name_of: dict[str, str]) -> str:
    if project_id is None:
        return ""
    name = name_of.get(project_id, "")
    return f"project {project_id} “{name}”" if name else f"project {project_id}"


RULE_NAMES = {
    "greedy": "Greedy (the most supported projects first, skipping any that no longer fit)",
    "greedy-no-skip": "Greedy (the most supported projects first, stopping at the first that does not fit)",
    "greedy-threshold": "Greedy over the projects whose score reaches a minimum",
    "greedy-exclusive": "Greedy, where funding one project of an exclusive group rules out the others",
    "mes": "Method of Equal Shares",
    "phragmen": "Sequential Phragmén",
    "ear": "Expanding Approvals Rule",
}

_COMPLETIONS = {
    "add1": "completed by raising each voter's budget {step} at a time",
    "add1u": "completed by raising each voter's budget {step} at a time, then by funding the most supported "
             "projects that still fit",
    "utilitarian": "completed by funding the most supported projects that still fit",
}
_UTILITIES = {"cardinality": "every funded project counts the same to its supporters",
              "points": "a funded project is worth the points its supporters gave it"}
_SCORES = {"votes": "ranked by votes", "points": "ranked by points", "file": "ranked by the score the file records"}
_OVERRUNS = {"stop": "stopping at the first project that does not fit",
             "skip": "skipping projects that do not fit and going on"}


def describe_rule(rule_id: str, params: dict[str, Any] | None = None) -> str:
    """A rule and its parameters in plain language, e.g. "Method of Equal Shares, completed by raising each
    voter's budget one unit at a time (mes, add1u)". Parameters at their defaults are not mentioned."""
    params = {name: value for name, value in (params or {}).items() if value not in (None, "")}
    clauses, ids = [], [rule_id]
    if rule_id == "mes":
        if (completion := params.get("completion", "none")) in _COMPLETIONS:
            increment = int(params.get("budget_increment", 1))
            step = "one unit" if increment == 1 else f"{increment:,} units"
            clauses.append(_COMPLETIONS[completion].format(step=step))
            ids.append(completion)
        if params.get("utility") in _UTILITIES:
            clauses.append(_UTILITIES[params["utility"]])
        if params.get("comparison") == "greedy":
            clauses.append("switching to the greedy outcome if more voters prefer it")
    if rule_id.startswith("greedy"):
        if params.get("score") in _SCORES:
            clauses.append(_SCORES[params["score"]])
        if "threshold" in params:
            clauses.append(f"the minimum being a score of {number(params['threshold'])}")
        if params.get("groups"):
            clauses.append(f"exclusive groups {params['groups'].replace(';', '; ')}")
    if rule_id == "phragmen" and params.get("overrun") in _OVERRUNS:
        clauses.append(_OVERRUNS[params["overrun"]])
    tie_breaking = params.get("tie_breaking")
    ties = (f"; ties: {TIE_BREAKING_WORDS.get(tie_breaking, tie_breaking)}"
            if tie_breaking and tie_breaking != "file-order" else "")
    name = RULE_NAMES.get(rule_id, rule_id)
    return ", ".join([name, *clauses]) + ties + ("" if name == rule_id else f" ({', '.join(ids)})")
