"""Sequential Phragmén for approval ballots (Phragmén; PB version as in pabutools' ``sequential_phragmen``).

Voters earn virtual money continuously, all at the same rate, starting from nothing. A project is bought as
soon as its supporters together hold its cost; buying it empties their purses. Equivalently, each voter
carries a *load* (money spent so far); funding project ``p`` next would raise every supporter's load to
``(sum of their loads + cost(p)) / (number of supporters)``, and the rule funds the project for which that new
load is smallest. Exact rationals throughout.

Budget: projects dearer than the whole budget are never considered. When the next project (any project
tied for the smallest new load) no longer fits the money left, the rule **stops** (``overrun=stop``, the
definition pabutools implements); ``overrun=skip`` instead passes over such projects and goes on.
Projects nobody approved are never funded (pabutools' ``sequential_phragmen`` funds them, at load 0,
when money is left: pbvote deliberately does not, no voter asked for them). Ties go to the project first in the ``tie_breaking`` order
(``id-text`` reproduces pabutools' default).

Speed: voters who last paid for the same project carry the same load, so loads are kept per such class and,
when a project is bought, its supporters' moves are first counted per (old class, project) in small integers
and only then applied to the projects' load sums. The counting is vectorised with NumPy over the ballot
groups of the project's supporters (the ballots as one flat array of project indices, each group's slice of
it found by offsets), so a step costs a few array passes over those supporters' ballots, not a Python loop
per listed project; the counts are sums of whole voter counts below 2**53, exact in the ``float64`` that
``numpy.bincount`` adds in. Loads are whole numbers over one common denominator ``D`` (the least common
multiple of the loads' denominators so far), kept as Python integers, so the hot loops never build a Fraction:
project ``p``'s new load is ``(S_p + cost_p * D) / (D * supporters_p)`` with ``S_p`` its supporters' total
load times ``D``, and two such loads are compared by cross-multiplication. The trace's loads are the same
exact Fractions.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd

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
    from .ballot_arrays import SupporterMoves  # here: NumPy is imported only by the rules that need it

    groups = SupporterMoves(profile, m)
    score = groups.votes
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

    costs = [project.cost for project in projects]
    # Load classes: class k is "last paid for the k-th funded project" (class 0: paid nothing, load 0; the
    # class of each ballot group is kept by `groups`). Class loads are class_load[k] / scale and project p's
    # supporters hold load_sum[p] / scale in total.
    scale = 1
    class_load = [0]
    load_sum = [0] * m
    selected: list[int] = []
    spent = 0
    while remaining:
        # The smallest new load (load_sum[p] + cost * scale) / (scale * score[p]), as the pair (top, score).
        best_top, best_score = 0, 0
        tied: list[int] = []
        for p in remaining:
            top = load_sum[p] + costs[p] * scale
            if not tied or top * best_score < best_top * score[p]:
                best_top, best_score, tied = top, score[p], [p]
            elif top * best_score == best_top * score[p]:
                tied.append(p)
        best = Fraction(best_top, scale * best_score)
        tied.sort(key=lambda p: ranks[p])
        too_dear = [p for p in tied if spent + costs[p] > budget]
        if too_dear:
            details = {"load": best, "left": budget - spent}
            if overrun == "stop":
                p = too_dear[0]
                steps.append(
                    Step(
                        "stop",
                        projects[p].id,
                        projects[p].cost,
                        score[p],
                        "the next project does not fit the money left",
                        details,
                    )
                )
                break
            for p in too_dear:
                remaining.discard(p)
                steps.append(
                    Step(
                        "skip",
                        projects[p].id,
                        projects[p].cost,
                        score[p],
                        "next in line but does not fit the money left",
                        dict(details),
                    )
                )
            continue
        p = tied[0]
        remaining.discard(p)
        selected.append(p)
        spent += costs[p]
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
        # Bring every load to a common denominator with `best`: multiply them all by `factor`.
        factor = best.denominator // gcd(scale, best.denominator)
        if factor > 1:
            scale *= factor
            class_load = [load * factor for load in class_load]
            for q in remaining:
                load_sum[q] *= factor
        new_load = best.numerator * (scale // best.denominator)
        k = len(class_load)
        class_load.append(new_load)
        # Move every supporter of p to the new class k, counting per old class how many voters each project
        # loses from it, then raise the projects' load sums once per (old class, project).
        for old, counts in groups.move(p, k):
            raise_by = new_load - class_load[old]
            for q in remaining:
                if counts[q]:
                    load_sum[q] += counts[q] * raise_by
    return Outcome(
        "phragmen",
        {"overrun": overrun},
        [projects[p].id for p in selected],
        budget,
        spent,
        tie_breaking,
        steps,
    )
