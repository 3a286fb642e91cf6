"""The greedy family, as pabulib defines it (pabulib.org/format; the ``pabulib-checker`` package checks it).

All four walk the projects from the highest score down, in one pass, funding each project that fits the
money left:

- ``greedy`` skips a project that does not fit and goes on to cheaper ones;
- ``greedy-no-skip`` stops at the first project that does not fit (Wrocław);
- ``greedy-threshold`` first sets aside projects whose score is below a minimum (META
  ``min_project_score_threshold``; a project *at* the threshold stays in, as in the checker);
- ``greedy-exclusive`` takes groups of mutually exclusive projects (``groups="773,153;5,7"``); once one
  project of a group is funded the others are passed over (Warszawa, two projects for one site). Without
  groups it is ``greedy``.

The score is the number of voters who listed the project, or, when the ballots carry points (cumulative and
scoring ballots, and ordinal ballots with a ``points`` column such as Kraków's 3,2,1), the sum of the points it
received. Scores are counted from the ballots; a file's ``votes``/``score`` columns are never trusted.
``score=votes`` or ``score=points`` overrides the choice. Equal scores are ordered by ``tie_breaking``
(default: the file's project order, which reproduces the announced results).
"""

from __future__ import annotations

from ..model import Election, Outcome, Step
from . import Param, RuleError, register
from .ties import tie_ranks

SCORE_PARAM = Param(
    "score",
    str,
    "auto",
    "what orders projects: auto (points when the ballots carry points, else votes), votes or points",
    ("auto", "votes", "points"),
)
THRESHOLD_PARAM = Param(
    "threshold",
    int,
    None,
    "minimum score a project needs (default: META min_project_score_threshold, else 0)",
)
GROUPS_PARAM = Param(
    "groups",
    str,
    "",
    "groups of mutually exclusive project ids: ids separated by ',', groups by ';' (e.g. '1,2;5,7')",
)


@register("greedy", params=(SCORE_PARAM,), description="Highest score first; skip what does not fit.")
def greedy(election: Election, *, tie_breaking: str, score: str) -> Outcome:
    """Fund projects from the highest score down, skipping any that no longer fit the budget."""
    return run_greedy(election, "greedy", tie_breaking=tie_breaking, score=score)


@register(
    "greedy-no-skip",
    params=(SCORE_PARAM,),
    description="Highest score first; stop at the first that does not fit.",
)
def greedy_no_skip(election: Election, *, tie_breaking: str, score: str) -> Outcome:
    """Fund projects from the highest score down and stop at the first one that does not fit."""
    return run_greedy(election, "greedy-no-skip", tie_breaking=tie_breaking, score=score, no_skip=True)


@register(
    "greedy-threshold",
    params=(SCORE_PARAM, THRESHOLD_PARAM),
    description="Greedy over the projects whose score reaches a minimum.",
)
def greedy_threshold(election: Election, *, tie_breaking: str, score: str, threshold: int | None) -> Outcome:
    """Greedy over the projects whose score is at least ``threshold`` (default: META's)."""
    if threshold is None:
        text = election.meta.get("min_project_score_threshold", "0")
        try:
            threshold = int(text.strip())
        except ValueError:
            raise RuleError(f"META min_project_score_threshold {text!r} is not a whole number") from None
    return run_greedy(
        election, "greedy-threshold", tie_breaking=tie_breaking, score=score, threshold=threshold
    )


@register(
    "greedy-exclusive",
    params=(SCORE_PARAM, GROUPS_PARAM),
    description="Greedy where funding one project of a group rules out the others.",
)
def greedy_exclusive(election: Election, *, tie_breaking: str, score: str, groups: str) -> Outcome:
    """Greedy where funding one project of an exclusive group passes over the rest of that group."""
    return run_greedy(
        election,
        "greedy-exclusive",
        tie_breaking=tie_breaking,
        score=score,
        groups=parse_groups(election, groups),
    )


def parse_groups(election: Election, text: str) -> list[list[int]]:
    """``"1,2;5,7"`` → project indices per group; unknown ids and one-project groups are refused."""
    groups = []
    for part in text.split(";"):
        if not part.strip():
            continue
        ids = [item.strip() for item in part.split(",") if item.strip()]
        unknown = [item for item in ids if item not in election.index_of]
        if unknown:
            raise RuleError(f"exclusive group {part.strip()!r} names unknown project {unknown[0]!r}")
        if len(set(ids)) < 2:
            raise RuleError(f"exclusive group {part.strip()!r} needs at least two different projects")
        groups.append([election.index_of[item] for item in dict.fromkeys(ids)])
    return groups


def project_scores(election: Election, score: str) -> tuple[list[int], list[int], bool]:
    """(votes per project, score per project, whether the score is points) counted from the ballots."""
    profile = election.profile
    count = len(election.projects)
    votes = [0] * count
    for ballot, weight in zip(profile.ballots, profile.weights):
        for index in ballot:
            votes[index] += weight
    use_points = profile.points is not None if score == "auto" else score == "points"
    if not use_points:
        return votes, votes, False
    if profile.points is None:
        raise RuleError("score=points needs ballots with points; these ballots have none")
    points = [0] * count
    for ballot, values, weight in zip(profile.ballots, profile.points, profile.weights):
        for index, value in zip(ballot, values):
            points[index] += value * weight
    return votes, points, True


def run_greedy(
    election: Election,
    rule: str,
    *,
    tie_breaking: str,
    score: str,
    no_skip: bool = False,
    threshold: int = 0,
    groups: list[list[int]] | None = None,
) -> Outcome:
    """The one greedy pass behind every variant; records a step for every project, in the order visited."""
    projects = election.projects
    votes, scores, by_points = project_scores(election, score)
    ranks = tie_ranks(election, tie_breaking)
    order = sorted(range(len(projects)), key=lambda i: (-scores[i], ranks[i]))
    group_mates: dict[int, set[int]] = {}
    for group in groups or []:
        for index in group:
            group_mates.setdefault(index, set()).update(other for other in group if other != index)

    budget = election.budget
    remaining = budget
    selected: list[str] = []
    excluded_by: dict[int, str] = {}
    stopped_at: str | None = None
    steps: list[Step] = []
    for position, index in enumerate(order, start=1):
        project = projects[index]
        details: dict[str, object] = {
            "position": position,
            "votes": votes[index],
            "remaining_before": remaining,
        }
        if by_points:
            details["points"] = scores[index]
        if stopped_at is not None:
            action, reason = "skip", "stopped"
            details["stopped_at"] = stopped_at
        elif scores[index] < threshold:
            action, reason = "skip", "below-threshold"
            details["threshold"] = threshold
        elif index in excluded_by:
            action, reason = "skip", "excluded"
            details["excluded_by"] = excluded_by[index]
        elif project.cost > remaining:
            action, reason = "skip", "over-budget"
            if no_skip:
                reason, stopped_at = "stop", project.id
        else:
            action, reason = "select", "fits"
            remaining -= project.cost
            selected.append(project.id)
            for mate in group_mates.get(index, ()):
                excluded_by.setdefault(mate, project.id)
        details["remaining_after"] = remaining
        steps.append(Step(action, project.id, project.cost, scores[index], reason, details))

    params: dict[str, object] = {"score": score}
    if rule == "greedy-threshold":
        params["threshold"] = threshold
    if rule == "greedy-exclusive":
        params["groups"] = ";".join(",".join(projects[i].id for i in group) for group in groups or [])
    return Outcome(
        rule=rule,
        params=params,
        selected=selected,
        budget=budget,
        spent=budget - remaining,
        tie_breaking=tie_breaking,
        steps=steps,
    )
