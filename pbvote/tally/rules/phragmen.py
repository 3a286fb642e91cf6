"""Sequential Phragmén for approval ballots (Phragmén; PB version as in pabutools' ``sequential_phragmen``).

Voters earn virtual money continuously, all at the same rate, starting from nothing. A project is bought as
soon as its supporters together hold its cost; buying it empties their purses. Equivalently, each voter
carries a *load* (money spent so far); funding project ``p`` next would raise every supporter's load to
``(sum of their loads + cost(p)) / (number of supporters)``, and the rule funds the project for which that new
load is smallest. Exact rationals throughout.

Budget: projects dearer than the whole budget are never considered. When the next project (any project
tied for the smallest new load) no longer fits the money left, the rule **stops** (``overrun=stop``, the
definition pabutools implements); ``overrun=skip`` instead passes over such projects and goes on.
Projects nobody approved are never funded. Ties go to the project first in the ``tie_breaking`` order
(``id-text`` reproduces pabutools' default).

Speed: voters who last paid for the same project carry the same load, so loads are kept per such class and a
project's supporters' total load is updated per class (integers for the head-counts, one Fraction per
class and project touched).
"""

from __future__ import annotations

from fractions import Fraction

from ..model import Election, Outcome, Step
from . import Param, register
from .ties import tie_ranks

OVERRUN_PARAM = Param(
    "overrun",
    str,
    "stop",
    "when the next project does not fit: stop (pabutools, standard) or skip it and go on",
    ("stop", "skip"),
)


@register(
    "phragmen",
    params=(OVERRUN_PARAM,),
    vote_types=("approval", "choose-1"),
    description="Sequential Phragmén: projects bought by supporters earning money at equal rates.",
)
def phragmen(election: Election, *, tie_breaking: str, overrun: str) -> Outcome:
    """Run sequential Phragmén (see the module docstring)."""
    profile = election.profile
    projects = election.projects
    budget = election.budget
    ranks = tie_ranks(election, tie_breaking)
    m = len(projects)
    supporters: list[list[int]] = [[] for _ in range(m)]
    score = [0] * m
    for g, ballot in enumerate(profile.ballots):
        for p in ballot:
            supporters[p].append(g)
            score[p] += profile.weights[g]
    steps: list[Step] = []
    for p in range(m):
        if score[p] == 0:
            steps.append(
                Step(
                    "skip",
                    project=projects[p].id,
                    cost=projects[p].cost,
                    support=0,
                    reason="nobody approved it",
                )
            )
        elif projects[p].cost > budget:
            steps.append(
                Step(
                    "skip",
                    project=projects[p].id,
                    cost=projects[p].cost,
                    support=score[p],
                    reason="it costs more than the whole budget",
                )
            )
    remaining = {p for p in range(m) if score[p] > 0 and projects[p].cost <= budget}

    # Load classes: class k is "last paid for the k-th funded project" (class -1: paid nothing, load 0).
    class_of = [-1] * len(profile.ballots)
    class_load: dict[int, Fraction] = {-1: Fraction(0)}
    load_sum = [Fraction(0)] * m  # project -> total load of its supporters
    selected: list[int] = []
    spent = 0
    while remaining:
        best: Fraction | None = None
        tied: list[int] = []
        for p in remaining:
            new_load = (load_sum[p] + projects[p].cost) / score[p]
            if best is None or new_load < best:
                best, tied = new_load, [p]
            elif new_load == best:
                tied.append(p)
        assert best is not None
        tied.sort(key=lambda p: ranks[p])
        too_dear = [p for p in tied if spent + projects[p].cost > budget]
        if too_dear:
            if overrun == "stop":
                p = too_dear[0]
                steps.append(
                    Step(
                        "stop",
                        project=projects[p].id,
                        cost=projects[p].cost,
                        support=score[p],
                        reason="the next project does not fit the money left",
                        details={"load": best, "left": budget - spent},
                    )
                )
                break
            for p in too_dear:
                remaining.discard(p)
                steps.append(
                    Step(
                        "skip",
                        project=projects[p].id,
                        cost=projects[p].cost,
                        support=score[p],
                        reason="next in line but does not fit the money left",
                        details={"load": best, "left": budget - spent},
                    )
                )
            continue
        p = tied[0]
        remaining.discard(p)
        selected.append(p)
        spent += projects[p].cost
        steps.append(
            Step(
                "select",
                project=projects[p].id,
                cost=projects[p].cost,
                support=score[p],
                reason="its supporters reach its cost first (smallest new load)",
                details={"load": best, "left": budget - spent},
            )
        )
        # Move every supporter of p to the new class with load `best`; adjust the other projects' sums.
        k = len(selected) - 1
        class_load[k] = best
        moved: dict[tuple[int, int], int] = {}
        for g in supporters[p]:
            old = class_of[g]
            class_of[g] = k
            w = profile.weights[g]
            for q in profile.ballots[g]:
                moved[(old, q)] = moved.get((old, q), 0) + w
        for (old, q), w in moved.items():
            if q in remaining:
                load_sum[q] += w * (best - class_load[old])
    return Outcome(
        "phragmen",
        {"overrun": overrun},
        [projects[p].id for p in selected],
        budget,
        spent,
        tie_breaking,
        steps,
    )
