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

The score (``score=auto``) follows pabulib's definition: the sum of the points a project received when the
ballots carry points (cumulative and scoring ballots, ordinal ballots with a ``points`` column), the points per
rank for ranked ballots without one, and otherwise the number of voters who listed it. Points per rank
(``points_scheme``) are those of the ``points`` column (``file``); ``max-length``, the count cities such as
Kraków use: with ``L`` the META ``max_length`` (else the longest ballot), ``L`` points for a first choice,
``L - 1`` for a second, …; ``ballot-length``, the pabulib checker's count: a ballot ranking ``k`` projects
gives ``k`` points to its first choice, ``k - 1`` to its second, …; or ``borda``: with ``m`` projects,
``m - 1`` for a first choice, ``m - 2`` for a second, …. ``auto`` takes the points column when there is
one, else ``max-length``.

Scores are counted from the ballots; ``score=votes`` or ``score=points`` overrides the choice, and
``score=file`` orders by the file's own ``score`` column (else its ``votes`` column) as published, which
pabulib's greedy uses. :func:`published_differences` says where a file's ``score``/``votes`` columns differ
from its ballots. Equal scores are ordered by ``tie_breaking`` (default: the file's project order, which
reproduces the announced results).
"""

from __future__ import annotations

from ..model import Election, Outcome, Step, parse_money, rank_points
from . import Param, RuleError, register
from .ties import tie_ranks

SCORE_PARAM = Param(
    "score",
    str,
    "auto",
    "what orders projects: auto (points when the ballots carry points or ranks, else votes), votes, points, "
    "or file (the file's score column as published, else its votes column)",
    ("auto", "votes", "points", "file"),
)
POINTS_SCHEME_PARAM = Param(
    "points_scheme",
    str,
    "auto",
    "points of ranked ballots: file (the points column), max-length (L for a first choice, L-1 for a second, "
    "…; L = META max_length), ballot-length (the same with L = the ballot's own length: the pabulib checker's), "
    "borda (m-1, m-2, … with m projects) or auto (file when present, else max-length)",
    ("auto", "file", "max-length", "ballot-length", "borda"),
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


@register(
    "greedy",
    params=(SCORE_PARAM, POINTS_SCHEME_PARAM),
    description="Highest score first; skip what does not fit.",
)
def greedy(election: Election, *, tie_breaking: str, score: str, points_scheme: str) -> Outcome:
    """Fund projects from the highest score down, skipping any that no longer fit the budget."""
    return run_greedy(election, "greedy", tie_breaking=tie_breaking, score=score, points_scheme=points_scheme)


@register(
    "greedy-no-skip",
    params=(SCORE_PARAM, POINTS_SCHEME_PARAM),
    description="Highest score first; stop at the first that does not fit.",
)
def greedy_no_skip(election: Election, *, tie_breaking: str, score: str, points_scheme: str) -> Outcome:
    """Fund projects from the highest score down and stop at the first one that does not fit."""
    return run_greedy(
        election,
        "greedy-no-skip",
        tie_breaking=tie_breaking,
        score=score,
        points_scheme=points_scheme,
        no_skip=True,
    )


@register(
    "greedy-threshold",
    params=(SCORE_PARAM, POINTS_SCHEME_PARAM, THRESHOLD_PARAM),
    description="Greedy over the projects whose score reaches a minimum.",
)
def greedy_threshold(
    election: Election, *, tie_breaking: str, score: str, points_scheme: str, threshold: int | None
) -> Outcome:
    """Greedy over the projects whose score is at least ``threshold`` (default: META's)."""
    if threshold is None:
        text = election.meta.get("min_project_score_threshold", "0")
        try:
            threshold = int(text.strip())
        except ValueError:
            raise RuleError(f"META min_project_score_threshold {text!r} is not a whole number") from None
    return run_greedy(
        election,
        "greedy-threshold",
        tie_breaking=tie_breaking,
        score=score,
        points_scheme=points_scheme,
        threshold=threshold,
    )


@register(
    "greedy-exclusive",
    params=(SCORE_PARAM, POINTS_SCHEME_PARAM, GROUPS_PARAM),
    description="Greedy where funding one project of a group rules out the others.",
)
def greedy_exclusive(
    election: Election, *, tie_breaking: str, score: str, points_scheme: str, groups: str
) -> Outcome:
    """Greedy where funding one project of an exclusive group passes over the rest of that group."""
    return run_greedy(
        election,
        "greedy-exclusive",
        tie_breaking=tie_breaking,
        score=score,
        points_scheme=points_scheme,
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


def project_scores(
    election: Election, score: str, points_scheme: str = "auto"
) -> tuple[list[int], list[int], bool]:
    """(votes per project, score per project, whether the score is points) counted from the ballots (or, with
    ``score=file``, read from the file's score column)."""
    profile = election.profile
    count = len(election.projects)
    votes = profile.project_votes(count)
    if score == "file":
        return votes, published_scores(election), True
    ranked = election.vote_type == "ordinal"
    use_points = (profile.points is not None or ranked) if score == "auto" else score == "points"
    if not use_points:
        return votes, votes, False
    points_of = ballot_points(election, points_scheme)
    points = [0] * count
    for ballot, values, weight in zip(profile.ballots, points_of, profile.weights):
        for index, value in zip(ballot, values):
            points[index] += value * weight
    return votes, points, True


def ballot_points(election: Election, points_scheme: str) -> list[tuple[int, ...]]:
    """Each ballot group's points per project listed (see ``points_scheme`` in the module docstring)."""
    profile = election.profile
    if (
        election.vote_type != "ordinal"
        or points_scheme == "file"
        or (points_scheme == "auto" and profile.points is not None)
    ):
        if profile.points is None:
            raise RuleError("score=points needs ballots with points; these ballots have none")
        return profile.points
    if points_scheme == "ballot-length":
        return [tuple(range(len(ballot), 0, -1)) for ballot in profile.ballots]
    if points_scheme == "borda":
        top = len(election.projects) - 1
    else:
        length = parse_money(election.meta.get("max_length", ""))
        top = int(length) if length else max(map(len, profile.ballots), default=0)
    return rank_points(profile.ballots, top)


def published_scores(election: Election) -> list[int]:
    """The file's ``score`` column (else its ``votes`` column) per project, as published."""
    column = next((name for name in ("score", "votes") if name in election.project_columns), None)
    if column is None:
        raise RuleError("score=file needs a 'score' or 'votes' column in PROJECTS; this file has neither")
    values = []
    for project in election.projects:
        value = parse_money(project.fields.get(column, ""))
        if value is None:
            raise RuleError(f"project {project.id!r} has no number in its {column!r} column")
        values.append(value)
    return values


def published_differences(election: Election, points_scheme: str = "auto") -> list[tuple[str, str, int, int]]:
    """Where the file's ``votes`` and ``score`` columns differ from its ballots: (project id, column, published,
    counted), in file order. ``score`` is compared with the points the ballots give (``points_scheme`` for
    ranked ballots) when they carry points or ranks, else with the votes."""
    votes, scores, _ = project_scores(election, "auto", points_scheme)
    differences = []
    for column, counted in (("votes", votes), ("score", scores)):
        if column not in election.project_columns:
            continue
        for project, value in zip(election.projects, counted):
            published = parse_money(project.fields.get(column, ""))
            if published is not None and published != value:
                differences.append((project.id, column, published, value))
    return differences


def run_greedy(
    election: Election,
    rule: str,
    *,
    tie_breaking: str,
    score: str,
    points_scheme: str = "auto",
    no_skip: bool = False,
    threshold: int = 0,
    groups: list[list[int]] | None = None,
) -> Outcome:
    """The one greedy pass behind every variant; records a step for every project, in the order visited."""
    projects = election.projects
    votes, scores, by_points = project_scores(election, score, points_scheme)
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
    if by_points and election.vote_type == "ordinal":
        params["points_scheme"] = points_scheme
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
