"""The Expanding Approvals Rule for participatory budgeting (PB-EAR; Aziz & Lee, "Proportionally
representative participatory budgeting with ordinal preferences", AAAI 2021), for ranked ballots.

Every voter starts with weight 1; there are ``n`` voters and a budget ``B``. A project ``c`` has the *quota*
``n * cost(c) / B`` — the weight a group of voters must spend to claim it (a group of ``k`` voters "owns"
``k/n`` of the budget). With ``j = 1, 2, …``, a voter *j-approves* the projects she ranked in her top ``j``
positions (a shorter ballot approves all it lists). Repeatedly:

1. among projects not funded that still fit the money left, find those whose j-approvers hold at least the
   quota in total weight;
2. if there are none, widen the approvals (``j + 1``); once ``j`` passes the longest ballot, stop;
3. else fund one of them and take the quota from its j-approvers, **proportionally to their weights** (each
   keeps the fraction ``1 - quota/support`` of hers), then look again at the same ``j``.

Choice among qualifying projects (the paper leaves it open; this is our deterministic, cost-aware variant):
the one whose support exceeds its quota by the largest factor (support / quota, i.e. support per unit of
cost), then the ``tie_breaking`` order. Positions are those of the ballot as cast (funded projects keep
their places). Exact Fractions throughout. (pabutools 1.2.3's ``pb_ear`` cannot serve as a reference: it
funds whichever qualifying project a set happens to yield first, compares supports rounded to 6 decimals, and
truncates both the quota and the supporters' total weight to whole numbers when it reduces weights.)
"""

from __future__ import annotations

from fractions import Fraction

from ..model import Election, Outcome, Step
from . import register
from .ties import tie_ranks


@register(
    "ear",
    vote_types=("ordinal",),
    description="Expanding Approvals Rule: proportional representation for ranked ballots.",
)
def ear(election: Election, *, tie_breaking: str) -> Outcome:
    """Run PB-EAR (see the module docstring)."""
    profile = election.profile
    projects = election.projects
    budget = election.budget
    ranks = tie_ranks(election, tie_breaking)
    n = profile.num_voters
    m = len(projects)
    weights = [Fraction(w) for w in profile.weights]  # group totals: multiplicity × per-voter weight
    ballots = profile.ballots
    longest = max((len(b) for b in ballots), default=0)
    if budget <= 0:  # no money (only an election built in code: files refuse it): nothing is funded
        return Outcome("ear", {}, [], budget, 0, tie_breaking, [Step("stop", reason="there is no money")])
    quota = [Fraction(n * p.cost, budget) for p in projects]
    funded: list[int] = []
    funded_set: set[int] = set()
    left = budget
    steps: list[Step] = []
    j = 1
    while j <= longest:
        support = [Fraction(0)] * m
        for g, ballot in enumerate(ballots):
            for p in ballot[:j]:
                support[p] += weights[g]
        while True:
            qualifying = [
                p
                for p in range(m)
                if p not in funded_set
                and projects[p].cost <= left
                and support[p] > 0
                and support[p] >= quota[p]
            ]
            if not qualifying:
                break
            c = min(
                qualifying, key=lambda p: (-(support[p] / quota[p]) if quota[p] else -support[p], ranks[p])
            )
            funded.append(c)
            funded_set.add(c)
            left -= projects[c].cost
            steps.append(
                Step(
                    "select",
                    project=projects[c].id,
                    cost=projects[c].cost,
                    support=support[c],
                    reason=f"voters ranking it in their top {j} hold at least its quota",
                    details={"j": j, "quota": quota[c], "support": support[c], "left": left},
                )
            )
            keep = 1 - quota[c] / support[c]
            for g, ballot in enumerate(ballots):
                if c in ballot[:j] and weights[g]:
                    new = weights[g] * keep
                    delta = new - weights[g]
                    weights[g] = new
                    for p in ballot[:j]:
                        support[p] += delta
        j += 1
    steps.append(Step("stop", reason="no project reaches its quota even with every ranked project approved"))
    return Outcome(
        "ear",
        {},
        [projects[p].id for p in funded],
        budget,
        sum(projects[p].cost for p in funded),
        tie_breaking,
        steps,
    )
