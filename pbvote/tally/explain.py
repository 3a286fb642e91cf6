"""Plain-language text for an :class:`~pbvote.tally.model.Outcome` and its trace.

One line per step, then the totals and the tie-breaking used. Steps with a known ``reason`` (the greedy
family's ``fits``, ``over-budget``, ``stop``, ``stopped``, ``below-threshold``, ``excluded``, and MES's / Phragmén's
own words) get a sentence; whatever else a step carries in ``details`` is listed after it as ``name value``
pairs, so rules added later render without changes here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

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
    count = len(outcome.selected)
    lines.append(
        f"Selected {count} project{'s' if count != 1 else ''}: {', '.join(outcome.selected) or 'none'}. "
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
