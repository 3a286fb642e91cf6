"""Plain-language text for an :class:`~pbvote.tally.model.Outcome` and its trace.

One line per step, then the totals and the tie-breaking used. Steps with a known ``reason`` (the greedy
family's ``fits``, ``over-budget``, ``stop``, ``stopped``, ``below-threshold``, ``excluded``, and MES's / Phragmén's
own words) get a sentence; whatever else a step carries in ``details`` is listed after it as ``name value``
pairs, so rules added later render without changes here.

The text is English unless a translator is installed with :func:`use_translations` (the web app installs
Flask-Babel's catalogue for the request's language; the command line and the tally itself never import Flask).
Every sentence is a ``_()`` / ``_n()`` call on a literal, so ``pybabel extract`` finds it; the stored outcome and
its trace stay English data, translated only when said.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .model import Election, Outcome, Step

#: Where the words come from: a function returning a ``gettext.NullTranslations``-like catalogue (English).
_translations: Callable[[], gettext.NullTranslations] = gettext.NullTranslations


def use_translations(translations: Callable[[], gettext.NullTranslations]) -> None:
    """Say explanations with the catalogue ``translations()`` returns when asked (e.g. the request's)."""
    global _translations
    _translations = translations


def _(message: str, **values: Any) -> str:
    text = _translations().gettext(message)
    return text % values if values else text


def _n(singular: str, plural: str, num: int, **values: Any) -> str:
    return _translations().ngettext(singular, plural, num) % {"num": f"{num:,}", **values}


def _l(message: str) -> str:
    """Marks text kept in a table for translation; it is said with ``_()`` where it is used."""
    return message


TIE_BREAKING_WORDS = {
    "file-order": _l("equal candidates in the order the projects are listed"),
    "cost-asc": _l("equal candidates cheaper first, then in list order"),
    "cost-desc": _l("equal candidates dearer first, then in list order"),
    "id": _l("equal candidates by project id"),
    "id-text": _l("equal candidates by project id compared as text"),
}

#: The greedy family's reason codes, and the rules' own reasons (stored in English in each step), in words.
REASON_WORDS = {
    "fits": _l("it fits the money left"),
    "over-budget": _l("it costs more than the money left"),
    "stop": _l("it costs more than the money left, and this rule funds nothing after the first project that "
               "does not fit"),
    "stopped": _l("the tally had stopped"),
    "below-threshold": _l("its score is below the threshold"),
    "excluded": _l("a project of its exclusive group was funded"),
    **{reason: reason for reason in (
        _l("there are no ballots"),
        _l("there is no money"),
        _l("more voters prefer the greedy outcome: it replaces equal shares"),
        _l("no more voters prefer the greedy outcome: equal shares stands"),
        _l("exactly B/n: fits"),
        _l("over budget: keep the previous per-voter budget"),
        _l("every supported project funded: stop here"),
        _l("fits: try more"),
        _l("exhaustive: stop here"),
        _l("fits, money left: try a larger per-voter budget"),
        _l("costs nothing and has supporters"),
        _l("its supporters have less money left than it costs"),
        _l("lowest price per unit of utility among the projects its supporters can still afford"),
        _l("utilitarian completion: highest utility per cost among those that fit"),
        _l("utilitarian completion: does not fit the money left"),
        _l("no project reaches its quota even with every ranked project approved"),
        _l("nobody approved it"),
        _l("it costs more than the whole budget"),
        _l("its supporters reach its cost first (smallest new load)"),
        _l("the next project does not fit the money left"),
        _l("next in line but does not fit the money left"),
    )},
}


def reason_in_words(reason: str) -> str:
    """A step's stored reason said in the current language (a reason this table does not know, as it is)."""
    return _(REASON_WORDS[reason]) if reason in REASON_WORDS else reason


# Details already said in the sentence of a step, not repeated in its list of numbers.
_SAID = {"position", "remaining_before", "remaining_after", "excluded_by", "stopped_at", "threshold"}


def number(value: Any) -> str:
    """An amount for people: thousands separated, Fractions as exact fractions or two decimals."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
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
    left = number(details.get("remaining_before"))
    if step.reason == "fits":
        text = _("selected %(project)s", project=project)
    elif step.reason == "over-budget":
        text = _("skipped %(project)s: it costs more than the %(left)s left", project=project, left=left)
    elif step.reason == "stop":
        text = _("stopped at %(project)s: it costs more than the %(left)s left, and this rule funds nothing after "
                 "the first project that does not fit", project=project, left=left)
    elif step.reason == "stopped":
        text = _("not funded %(project)s: the tally had stopped at project %(stopped_at)s", project=project,
                 stopped_at=details.get("stopped_at"))
    elif step.reason == "below-threshold":
        text = _("skipped %(project)s: its score is below the threshold of %(threshold)s", project=project,
                 threshold=number(details.get("threshold")))
    elif step.reason == "excluded":
        text = _("skipped %(project)s: project %(excluded_by)s of its exclusive group was funded", project=project,
                 excluded_by=details.get("excluded_by"))
    else:
        if step.action == "select":
            text = _("selected %(project)s", project=project) if step.project is not None else _("selected")
        elif step.action == "skip":
            text = _("skipped %(project)s", project=project) if step.project is not None else _("skipped")
        else:
            text = f"{step.action} {project}" if step.project is not None else step.action
        if step.reason:
            text += f": {reason_in_words(step.reason)}"
    facts = []
    if step.cost is not None:
        facts.append(_("cost %(amount)s", amount=number(step.cost)))
    if step.support is not None:
        facts.append(_("support %(amount)s", amount=number(step.support)))
    facts.extend(
        f"{key.replace('_', ' ')} {number(value)}"
        for key, value in details.items()
        # The greedy family's score is its votes or its points: say it once.
        if key not in _SAID and not (key in ("votes", "points") and value == step.support)
    )
    if "remaining_after" in details and step.action == "select":
        facts.append(_("%(amount)s left", amount=number(details["remaining_after"])))
    return f"{text} ({'; '.join(facts)})" if facts else text


def explain(outcome: Outcome, election: Election | None = None) -> str:
    """The whole outcome as text: a heading, one numbered line per step, then the totals."""
    name_of = {project.id: project.name for project in election.projects} if election is not None else {}
    params = ", ".join(f"{key}={value}" for key, value in outcome.params.items() if value not in (None, ""))
    lines = [_("Rule: %(rule)s", rule=outcome.rule) + (f" ({params})" if params else "")]
    lines.append(_("Budget: %(amount)s", amount=number(outcome.budget)))
    width = len(str(len(outcome.steps)))
    for position, step in enumerate(outcome.steps, start=1):
        lines.append(f"{position:>{width}}. {step_sentence(step, name_of)}")
    left = outcome.budget - outcome.spent
    selected = _n("Selected %(num)s project: %(projects)s.", "Selected %(num)s projects: %(projects)s.",
                  len(outcome.selected), projects=", ".join(outcome.selected) or _("none"))
    spent = _("Spent %(spent)s of %(budget)s; %(left)s left unspent.", spent=number(outcome.spent),
              budget=number(outcome.budget), left=number(left))
    lines.append(f"{selected} {spent}")
    words = _(TIE_BREAKING_WORDS[outcome.tie_breaking]) if outcome.tie_breaking in TIE_BREAKING_WORDS \
        else outcome.tie_breaking
    lines.append(_("Ties: %(rule)s (%(words)s).", rule=outcome.tie_breaking, words=words))
    return "\n".join(lines)


def _project_label(project_id: str | None, name_of: dict[str, str]) -> str:
    if project_id is None:
        return ""
    name = name_of.get(project_id, "")
    return _("project %(id)s “%(name)s”", id=project_id, name=name) if name else _("project %(id)s", id=project_id)


RULE_NAMES = {
    "greedy": _l("Greedy (the most supported projects first, skipping any that no longer fit)"),
    "greedy-no-skip": _l("Greedy (the most supported projects first, stopping at the first that does not fit)"),
    "greedy-threshold": _l("Greedy over the projects whose score reaches a minimum"),
    "greedy-exclusive": _l("Greedy, where funding one project of an exclusive group rules out the others"),
    "mes": _l("Method of Equal Shares"),
    "phragmen": _l("Sequential Phragmén"),
    "ear": _l("Expanding Approvals Rule"),
}

_COMPLETIONS = {
    "add1": _l("completed by raising each voter's budget %(step)s at a time"),
    "add1u": _l("completed by raising each voter's budget %(step)s at a time, then by funding the most "
                "supported projects that still fit"),
    "utilitarian": _l("completed by funding the most supported projects that still fit"),
}
_UTILITIES = {"cardinality": _l("every funded project counts the same to its supporters"),
              "points": _l("a funded project is worth the points its supporters gave it")}
_SCORES = {"votes": _l("ranked by votes"), "points": _l("ranked by points"),
           "file": _l("ranked by the score the file records")}
_OVERRUNS = {"stop": _l("stopping at the first project that does not fit"),
             "skip": _l("skipping projects that do not fit and going on")}


def describe_rule(rule_id: str, params: dict[str, Any] | None = None) -> str:
    """A rule and its parameters in plain language, e.g. "Method of Equal Shares, completed by raising each
    voter's budget one unit at a time (mes, add1u)". Parameters at their defaults are not mentioned."""
    params = {name: value for name, value in (params or {}).items() if value not in (None, "")}
    clauses, ids = [], [rule_id]
    if rule_id == "mes":
        if (completion := params.get("completion", "none")) in _COMPLETIONS:
            increment = int(params.get("budget_increment", 1))
            step = _("one unit") if increment == 1 else _n("%(num)s unit", "%(num)s units", increment)
            clauses.append(_(_COMPLETIONS[completion], step=step))
            ids.append(completion)
        if params.get("utility") in _UTILITIES:
            clauses.append(_(_UTILITIES[params["utility"]]))
        if params.get("comparison") == "greedy":
            clauses.append(_("switching to the greedy outcome if more voters prefer it"))
    if rule_id.startswith("greedy"):
        if params.get("score") in _SCORES:
            clauses.append(_(_SCORES[params["score"]]))
        if "threshold" in params:
            clauses.append(_("the minimum being a score of %(threshold)s", threshold=number(params["threshold"])))
        if params.get("groups"):
            clauses.append(_("exclusive groups %(groups)s", groups=params["groups"].replace(";", "; ")))
    if rule_id == "phragmen" and params.get("overrun") in _OVERRUNS:
        clauses.append(_(_OVERRUNS[params["overrun"]]))
    tie_breaking = params.get("tie_breaking")
    ties = ""
    if tie_breaking and tie_breaking != "file-order":
        words = _(TIE_BREAKING_WORDS[tie_breaking]) if tie_breaking in TIE_BREAKING_WORDS else tie_breaking
        ties = "; " + _("ties: %(words)s", words=words)
    name = _(RULE_NAMES[rule_id]) if rule_id in RULE_NAMES else rule_id
    return ", ".join([name, *clauses]) + ties + ("" if rule_id not in RULE_NAMES else f" ({', '.join(ids)})")
