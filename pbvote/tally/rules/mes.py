"""The Method of Equal Shares (Peters & Skowron; equalshares.net), exact and fast.

**The rule.** The budget ``B`` is split equally: each of the ``n`` voters holds ``B/n``. Repeatedly, for each
project ``p`` not yet funded, find the smallest ``rho`` (price per unit of utility) such that its supporters,
each paying ``min(own budget, rho * u_i(p))``, cover its cost; fund the project with the smallest ``rho`` and
take the payments from its supporters. A project whose supporters together hold less than its cost is
dropped for good (budgets only shrink). Stop when no project is left. Ties between equal ``rho`` go to the
project first in the ``tie_breaking`` order. This is exactly pabutools' ``method_of_equal_shares``.

**Utilities** (``utility``):

- ``cost`` (default) — a supporter's utility is the project's cost, so every supporter pays the same price
  ``rho * cost``; ``1/rho`` is the project's "effective votes" as cities publish them;
- ``cardinality`` — each supported project is worth 1 to a supporter;
- ``points`` — a voter's points for the project (cumulative and scoring ballots). Ordinal ballots use the
  ``points`` column of the file when there is one (Kraków: 3, 2, 1); without one, or with
  ``points_scheme=borda``, a ranking of the longest ballot's length ``L`` gives ``L`` points to its first
  choice, ``L-1`` to the second, and so on. Approval ballots count one point per approved project.

For ``cost`` and ``cardinality`` a voter supports a project she approved, ranked or gave points to (> 0).

**Completion** (``completion``):

- ``none`` — plain MES (usually leaves money unspent);
- ``add1`` — equalshares.net's "Add1": run MES with a per-voter budget of ``floor(B/n)`` (``budget_start=
  floor``; ``exact`` starts at ``B/n`` as pabutools does), then raise the per-voter budget by
  ``budget_increment`` units at a time while the outcome still costs at most ``B``. Stop at the first
  per-voter budget whose outcome is *exhaustive* (no unfunded project with supporters fits the money left;
  that outcome is kept) or *over budget* (the previous outcome is kept). Every per-voter budget tried is in
  the trace. This is pabutools' ``method_of_equal_shares(voter_budget_increment=…)`` and reproduces Assen
  2024's official result;
- ``add1u`` — ``add1``, then utilitarian completion (equalshares.net's recommended "Add1" followed by greedy
  completion);
- ``utilitarian`` — plain MES, then fill the money left greedily: unfunded projects with supporters in order
  of total utility per unit of cost (for ``cost`` utility: by number of votes), highest first, each funded if
  it fits (pabutools' ``completion_by_rule_combination`` with ``greedy_utilitarian_welfare``).

**Comparison** (``comparison=greedy``; pabulib's ``…-comparison`` rules): also compute the ``greedy`` rule's
outcome and count, over voters, who prefers which. A voter *prefers* an outcome when her total utility from it
(the ``utility`` measure above, summed over its projects she supports) is strictly higher. The greedy
outcome replaces the MES outcome only when strictly more voters prefer it.

**Speed.** The rule works on the aggregated profile (identical ballots merged) and, beyond that, on *budget
classes*: voters who support the same funded projects (with the same utilities) always hold the same budget,
so the rule tracks one budget per class, not per voter. The class structure after a sequence of selections
does not depend on the per-voter budget, so the ``add1`` iterations reuse it: each run follows the previous
run's path of selections and only rebuilds classes from the first selection that differs. Rho is
recomputed lazily: it can only grow, so a project's last price is a lower bound, and only projects sharing
supporters with the one just funded need a new one. Everything is exact (integers and Fractions).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import Any

from ..model import Election, Outcome, Step
from . import Param, RuleError, compute, register
from .ties import tie_ranks

UTILITY_PARAM = Param(
    "utility", str, "cost", "what a funded project is worth to a supporter", ("cost", "cardinality", "points")
)
COMPLETION_PARAM = Param(
    "completion",
    str,
    "none",
    "how to spend what plain MES leaves: none, add1, add1u (add1 then utilitarian) or utilitarian",
    ("none", "add1", "add1u", "utilitarian"),
)
COMPARISON_PARAM = Param(
    "comparison",
    str,
    "none",
    "greedy: switch to the greedy outcome if more voters prefer it",
    ("none", "greedy"),
)
INCREMENT_PARAM = Param(
    "budget_increment", int, 1, "add1/add1u: how many money units each voter's budget grows per try"
)
START_PARAM = Param(
    "budget_start",
    str,
    "floor",
    "add1/add1u: first per-voter budget, floor(B/n) (equalshares.net) or exactly B/n (pabutools)",
    ("floor", "exact"),
)
POINTS_SCHEME_PARAM = Param(
    "points_scheme",
    str,
    "auto",
    "ordinal ballots with utility=points: file (the points column), borda (L, L-1, … for rank 1, 2, …) "
    "or auto (file when present, else borda)",
    ("auto", "file", "borda"),
)


@register(
    "mes",
    params=(
        UTILITY_PARAM,
        COMPLETION_PARAM,
        COMPARISON_PARAM,
        INCREMENT_PARAM,
        START_PARAM,
        POINTS_SCHEME_PARAM,
    ),
    description="Method of Equal Shares: budget split equally, projects bought by their supporters' shares.",
)
def mes(
    election: Election,
    *,
    tie_breaking: str,
    utility: str,
    completion: str,
    comparison: str,
    budget_increment: int,
    budget_start: str,
    points_scheme: str,
) -> Outcome:
    """Run the Method of Equal Shares (see the module docstring for every parameter)."""
    if budget_increment <= 0:
        raise RuleError("parameter 'budget_increment' must be a positive whole number")
    params: dict[str, Any] = {
        "utility": utility,
        "completion": completion,
        "comparison": comparison,
        "budget_increment": budget_increment,
        "budget_start": budget_start,
        "points_scheme": points_scheme,
    }
    voters = prepare(election, utility, points_scheme)
    ranks = tie_ranks(election, tie_breaking)
    engine = _Engine(voters, ranks)
    budget = election.budget
    n = voters.num_voters
    steps: list[Step] = []
    if n == 0:
        return Outcome(
            "mes", params, [], budget, 0, tie_breaking, [Step("stop", reason="there are no ballots")]
        )

    if completion in ("add1", "add1u"):
        per_voter: Fraction = Fraction(budget // n) if budget_start == "floor" else Fraction(budget, n)
        chosen = per_voter
        while True:
            selected, until, _ = engine.run(per_voter)
            spent = sum(voters.costs[p] for p in selected)
            chosen_set = set(selected)
            exhaustive = spent <= budget and not any(
                voters.costs[p] <= budget - spent for p in voters.candidates if p not in chosen_set
            )
            # Every decision of the run holds for per-voter budgets in [per_voter, until): the budgets up to
            # there give the same outcome, so the tries in between are settled without running them.
            if spent > budget or exhaustive:
                same_until = per_voter
            elif until is None:
                raise AssertionError("a non-exhaustive outcome cannot hold for every larger per-voter budget")
            else:
                tries = max(1, -((per_voter - until) // budget_increment))  # ceil((until - t0) / increment)
                same_until = per_voter + (tries - 1) * budget_increment
            steps.append(
                Step(
                    "budget",
                    cost=spent,
                    reason=(
                        "over budget: keep the previous per-voter budget"
                        if spent > budget
                        else "exhaustive: stop here"
                        if exhaustive
                        else "fits, money left: try a larger per-voter budget"
                    ),
                    details={
                        "per_voter_budget": per_voter,
                        "same_outcome_up_to": same_until,
                        "spent": spent,
                        "selected": len(selected),
                    },
                )
            )
            if spent > budget:
                break
            chosen = same_until  # the last per-voter budget add1 would try before the next run
            if exhaustive:
                break
            per_voter = same_until + budget_increment
        per_voter = chosen
    else:
        per_voter = Fraction(budget, n)

    selected, _, mes_steps = engine.run(per_voter, trace=True)
    steps.extend(mes_steps)
    if completion in ("add1u", "utilitarian"):
        selected = selected + utilitarian_fill(voters, ranks, selected, budget, steps)

    if comparison == "greedy":
        greedy_outcome = compute("greedy", election, tie_breaking=tie_breaking)
        greedy_selected = [election.index_of[pid] for pid in greedy_outcome.selected]
        prefer_mes, prefer_greedy = count_preferences(voters, selected, greedy_selected)
        switch = prefer_greedy > prefer_mes
        steps.append(
            Step(
                "compare",
                reason=(
                    "more voters prefer the greedy outcome: it replaces equal shares"
                    if switch
                    else "no more voters prefer the greedy outcome: equal shares stands"
                ),
                details={
                    "prefer_equal_shares": prefer_mes,
                    "prefer_greedy": prefer_greedy,
                    "greedy_selected": list(greedy_outcome.selected),
                },
            )
        )
        if switch:
            selected = greedy_selected

    ids = [election.projects[p].id for p in selected]
    spent = sum(election.projects[p].cost for p in selected)
    return Outcome("mes", params, ids, budget, spent, tie_breaking, steps)


# --------------------------------------------------------------------------------------------------------
# Preparation: per ballot group, the projects it supports and what each is worth to it.


@dataclass
class Voters:
    """The aggregated profile as MES sees it: ``items[g]`` = ((project, utility), …) of ballot group ``g``."""

    costs: list[int]
    weights: list[int]
    items: list[tuple[tuple[int, int], ...]]
    supporters: list[list[int]]  # project -> groups supporting it
    total_utility: list[int]  # project -> sum over supporters of weight * utility
    candidates: list[int]  # projects MES may fund: supported, positive cost
    free: list[int]  # supported projects costing nothing (funded first, as pabutools does)
    uniform: bool  # every supporter of a project draws the same utility from it (cost, cardinality)
    num_voters: int
    ids: list[str]
    utility: str

    def utility_of(self, g: int, p: int) -> int:
        """What project ``p`` is worth to ballot group ``g`` (0 if it does not support it)."""
        for q, u in self.items[g]:
            if q == p:
                return u
        return 0


def prepare(election: Election, utility: str, points_scheme: str = "auto") -> Voters:
    """Turn the election's profile into per-group utilities for ``utility`` (see the module docstring)."""
    profile = election.profile
    costs = [project.cost for project in election.projects]
    m = len(costs)
    points = _points(election, profile, points_scheme) if utility == "points" else None
    items: list[tuple[tuple[int, int], ...]] = []
    for g, ballot in enumerate(profile.ballots):
        if points is not None:
            pairs = [(p, u) for p, u in zip(ballot, points[g]) if u > 0]
        else:
            given = profile.points[g] if profile.points is not None else None
            supported = [p for k, p in enumerate(ballot) if given is None or given[k] > 0]
            pairs = [(p, costs[p] if utility == "cost" else 1) for p in supported]
        merged: dict[int, int] = {}
        for p, u in pairs:
            merged[p] = merged.get(p, 0) + u
        items.append(tuple(sorted(merged.items())))
    supporters: list[list[int]] = [[] for _ in range(m)]
    total = [0] * m
    for g, pairs in enumerate(items):
        w = profile.weights[g]
        for p, u in pairs:
            supporters[p].append(g)
            total[p] += w * u
    candidates = [p for p in range(m) if total[p] > 0 and costs[p] > 0]
    free = [p for p in range(m) if total[p] > 0 and costs[p] == 0]
    return Voters(
        costs,
        list(profile.weights),
        items,
        supporters,
        total,
        candidates,
        free,
        utility != "points",
        profile.num_voters,
        [project.id for project in election.projects],
        utility,
    )


def _points(election: Election, profile, points_scheme: str) -> list[tuple[int, ...]]:
    """Per ballot group, the points each listed project gets (see ``points_scheme``)."""
    vote_type = election.vote_type
    if vote_type in ("approval", "choose-1"):
        return [tuple(1 for _ in ballot) for ballot in profile.ballots]
    if vote_type != "ordinal":
        if profile.points is None:
            raise RuleError(f"utility=points needs points on the {vote_type} ballots, and this file has none")
        return list(profile.points)
    if points_scheme == "file" and profile.points is None:
        raise RuleError("points_scheme=file needs a points column in the VOTES section")
    if points_scheme in ("auto", "file") and profile.points is not None:
        return list(profile.points)
    longest = max((len(ballot) for ballot in profile.ballots), default=0)
    return [tuple(longest - rank for rank in range(len(ballot))) for ballot in profile.ballots]


# --------------------------------------------------------------------------------------------------------
# The engine: budget classes, memoised along the last run's path of selections.


@dataclass
class _Node:
    """The class structure after funding ``path`` (a prefix of some run's selections).

    A *class* is keyed by the funded projects its voters support, with their utilities, as a tuple of
    ``(project, utility)`` in selection order. ``entries[p]`` maps ``(class, utility for p)`` to the number
    of voters in that class who support ``p``; ``splits`` (filled when the child for ``s`` is built) lists,
    for funded ``s``, each ``(old class, utility for s, new class)``.
    """

    path: tuple[int, ...]
    entries: list[dict[tuple[int, int], int]]
    child_project: int = -1
    splits: list[tuple[int, int, int]] = field(default_factory=list)


class _Engine:
    def __init__(self, voters: Voters, ranks: list[int]):
        self.voters = voters
        self.ranks = ranks
        m = len(voters.costs)
        root_entries: list[dict[tuple[int, int], int]] = [{} for _ in range(m)]
        # Classes get integer ids: 0 is "supports no funded project"; (parent id, project, utility) -> id.
        self.class_of = [0] * len(voters.items)  # group -> class along the current path
        self.class_ids: dict[tuple[int, int, int], int] = {}
        self.class_parent: list[int] = [0]
        for g, pairs in enumerate(voters.items):
            w = voters.weights[g]
            for p, u in pairs:
                key = (0, u)
                root_entries[p][key] = root_entries[p].get(key, 0) + w
        # the last run's path of nodes (root first); class_of describes path[synced]
        self.path: list[_Node] = [_Node((), root_entries)]
        self.synced = 0
        # overlap[s]: projects sharing a supporter with s (their price may change when s is funded),
        # found by OR-ing each supporting ballot's bit mask of projects
        masks = [sum(1 << p for p, _ in pairs) for pairs in voters.items]
        self.overlap: list[set[int]] = []
        for s in range(m):
            touched = 0
            for g in voters.supporters[s]:
                touched |= masks[g]
            self.overlap.append({p for p in range(m) if touched >> p & 1})

    def _child(self, depth: int, s: int) -> _Node:
        """The node after ``path[depth]`` plus funding ``s``: the cached one if the last run did the same,
        else built from ``path[depth]`` (the cached path is cut there)."""
        node = self.path[depth]
        if node.child_project == s and depth + 1 < len(self.path):
            return self.path[depth + 1]
        self._sync(depth)
        del self.path[depth + 1 :]
        voters = self.voters
        entries = list(node.entries)
        copied: set[int] = set()
        splits: dict[tuple[int, int], int] = {}
        class_of = self.class_of
        uniform_u = (
            voters.costs[s] if voters.utility == "cost" else 1 if voters.utility == "cardinality" else None
        )
        # First aggregate the moves (class old -> new, for each project the movers support), then apply
        # them: early on all movers share a class, so this is one update per project, not per ballot.
        moved: dict[tuple[int, int, int, int], int] = {}
        funded = set(node.path)
        funded.add(s)
        for g in voters.supporters[s]:
            old = class_of[g]
            u_s = uniform_u if uniform_u is not None else voters.utility_of(g, s)
            new = self._class_id(old, s, u_s)
            splits[(old, u_s)] = new
            class_of[g] = new
            w = voters.weights[g]
            for p, u in voters.items[g]:
                key = (old, new, p, u)
                moved[key] = moved.get(key, 0) + w
        for (old, new, p, u), w in moved.items():
            if p in funded:
                continue  # a funded project's entries are never read again
            bucket = entries[p]
            if p not in copied:
                bucket = entries[p] = dict(bucket)
                copied.add(p)
            old_key = (old, u)
            left = bucket[old_key] - w
            if left:
                bucket[old_key] = left
            else:
                del bucket[old_key]
            new_key = (new, u)
            bucket[new_key] = bucket.get(new_key, 0) + w
        child = _Node(node.path + (s,), entries)
        node.child_project = s
        node.splits = [(old, u, new) for (old, u), new in splits.items()]
        self.path.append(child)
        self.synced = depth + 1
        return child

    def _class_id(self, parent: int, project: int, utility: int) -> int:
        """The id of the class of voters in class ``parent`` who also support funded ``project``."""
        key = (parent, project, utility)
        found = self.class_ids.get(key)
        if found is None:
            found = self.class_ids[key] = len(self.class_parent)
            self.class_parent.append(parent)
        return found

    def _sync(self, depth: int) -> None:
        """Make ``class_of`` describe ``path[depth]`` by walking the cached path back or forward."""
        voters = self.voters
        class_of = self.class_of
        while self.synced > depth:
            s = self.path[self.synced].path[-1]
            for g in voters.supporters[s]:
                class_of[g] = self.class_parent[class_of[g]]
            self.synced -= 1
        while self.synced < depth:
            s = self.path[self.synced].child_project
            for g in voters.supporters[s]:
                class_of[g] = self._class_id(class_of[g], s, voters.utility_of(g, s))
            self.synced += 1

    def run(self, t0: Fraction, trace: bool = False) -> tuple[list[int], Fraction | None, list[Step]]:
        """One MES run with per-voter budget ``t0``.

        Returns the funded projects, ``until`` and the trace steps. Every budget and price in the run is an
        affine function ``a + b*t`` of the per-voter budget ``t``, evaluated at ``t0`` for each decision;
        ``until`` is the first ``t > t0`` at which some decision of this run could go the other way (None if
        none can), so every per-voter budget in ``[t0, until)`` gives this same outcome.

        Money is kept as integers over one common denominator ``scale`` (budget = v/scale at t0, and
        (a + b*t)/scale as a function of t): each purchase multiplies ``scale`` by the rich supporters'
        total utility, so the new budgets stay whole numbers and the hot loops never build a Fraction.
        """
        voters = self.voters
        costs = voters.costs
        ranks = self.ranks
        steps: list[Step] = []
        t0 = Fraction(t0)
        bound = _Bound(t0)
        scale = t0.denominator
        # class -> (v, a, b): its budget is v/scale at t0 and (a + b*t)/scale in general
        budgets: dict[int, tuple[int, int, int]] = {0: (t0.numerator, 0, scale)}
        depth = 0
        node = self.path[0]
        selected: list[int] = list(voters.free)
        if trace:
            for p in voters.free:
                steps.append(
                    Step("select", project=voters.ids[p], cost=0, reason="costs nothing and has supporters")
                )
        heap: list[tuple[Fraction, int, int, int]] = []
        version = [0] * len(costs)
        # project -> its last price (a + b*t)/d as integers (a, b, d), d > 0: a lower bound for every t
        latest: dict[int, tuple[int, int, int]] = {}
        priced: dict[int, _Priced] = {}
        priced_at: dict[int, int] = {}  # project -> the depth (number of selections) it was priced at
        fresh: set[int] = set()
        for p in voters.candidates:
            # before any price is computed, cost/total utility (everybody rich) is a lower bound for all t
            r = Fraction(costs[p], voters.total_utility[p])
            latest[p] = (costs[p], 0, voters.total_utility[p])
            heapq.heappush(heap, (r, ranks[p], 0, p))
        done: set[int] = set()
        while heap:
            _, _, ver, p = heapq.heappop(heap)
            if p in done or ver != version[p]:
                continue
            if p not in fresh:
                result = _price(costs[p], node.entries[p], budgets, scale)
                version[p] += 1
                if isinstance(result, tuple):
                    # unaffordable: supporters hold (ta + tb*t)/scale < cost, decided at t0
                    held, ta, tb = result
                    bound.require(costs[p] * scale - ta, -tb, strict=True)
                    done.add(p)
                    if trace:
                        steps.append(
                            Step(
                                "skip",
                                project=voters.ids[p],
                                cost=costs[p],
                                reason="its supporters have less money left than it costs",
                                details={
                                    "supporters_budget": Fraction(held, scale),
                                    "after_selections": len(selected),
                                },
                            )
                        )
                    continue
                priced[p] = result
                priced_at[p] = depth
                latest[p] = (result.need_a, result.need_b, scale * result.rich)
                fresh.add(p)
                heapq.heappush(heap, (result.value, ranks[p], version[p], p))
                continue
            # p is priced on current budgets and no project is cheaper per unit of utility: fund it.
            done.add(p)
            if priced_at[p] != depth:
                # priced before a selection that shared none of its supporters: the same price, but its
                # numbers are on the old money scale (every budget was rescaled since), so compute it again
                price = priced[p] = _price(costs[p], node.entries[p], budgets, scale)  # type: ignore[assignment]
                latest[p] = (price.need_a, price.need_b, scale * price.rich)
            price = priced[p]
            price.constrain(bound)
            pa, pb, pd = latest[p]
            for q, (qa, qb, qd) in latest.items():
                if q in done:
                    continue
                # rho_p(t) must stay below q's lower bound (or equal, if p wins the tie): cross-multiplied,
                # (qa*pd - pa*qd) + (qb*pd - pb*qd)*t >= 0; only a falling difference can change sign
                slope = qb * pd - pb * qd
                if slope < 0:
                    bound.require(qa * pd - pa * qd, slope, strict=ranks[q] < ranks[p])
            if trace:
                steps.append(self._select_step(p, price, node, budgets, scale))
            child = self._child(depth, p)
            # rho = need/(scale*rich) with need = cost*scale - poor_a - poor_b*t: rescale every budget by `rich`
            rich, need, need_a, need_b = price.rich, price.need, price.need_a, price.need_b
            budgets = {key: (v * rich, a * rich, b * rich) for key, (v, a, b) in budgets.items()}
            for old, u, new in node.splits:
                v, a, b = budgets[old]
                pay_v, pay_a, pay_b = u * need, u * need_a, u * need_b
                if pay_v < v:
                    bound.require(a - pay_a, b - pay_b, strict=True)
                    budgets[new] = (v - pay_v, a - pay_a, b - pay_b)
                else:
                    bound.require(pay_a - a, pay_b - b, strict=False)
                    budgets[new] = (0, 0, 0)
            scale *= rich
            node, depth = child, depth + 1
            selected.append(p)
            fresh.difference_update(self.overlap[p])
        return selected, bound.until, steps

    def _select_step(self, p: int, price: _Priced, node: _Node, budgets: dict, scale: int) -> Step:
        cost = self.voters.costs[p]
        entries = node.entries[p]
        held = Fraction(sum(w * budgets[key][0] for (key, _), w in entries.items()), scale)
        supporters = sum(entries.values())
        rho = price.value
        details: dict[str, Any] = {
            "rho": rho,
            "supporters": supporters,
            "supporters_budget_before": held,
            "supporters_budget_after": held - cost,
        }
        if self.voters.uniform:
            u = next(iter(entries))[1]
            per_voter = rho * u
            details["price_per_voter"] = per_voter
            details["effective_votes"] = Fraction(cost) / per_voter
        else:
            details["effective_points"] = Fraction(cost) / rho
        return Step(
            "select",
            project=self.voters.ids[p],
            cost=cost,
            support=supporters,
            reason="lowest price per unit of utility among the projects its supporters can still afford",
            details=details,
        )


class _Bound:
    """The first per-voter budget ``t > t0`` at which a recorded decision could change (``until``).

    Kept as a pair (numerator, denominator) and compared by cross-multiplication (no Fractions)."""

    def __init__(self, t0: Fraction):
        self.t0 = t0
        self._num: int | None = None
        self._den = 1

    @property
    def until(self) -> Fraction | None:
        return None if self._num is None else Fraction(self._num, self._den)

    def require(self, a: int, b: int, strict: bool) -> None:
        """Record a decision that relied on ``a + b*t0 > 0`` (strict) or ``>= 0`` (integers, any positive
        common factor); it holds while ``a + b*t`` keeps its sign: for every ``t`` when ``b >= 0``, else up
        to the root ``a/(-b)``. A root at or before t0 (a tie) means the next per-voter budget must be run."""
        if b >= 0:
            return
        num, den = a, -b
        t0 = self.t0
        if num * t0.denominator <= t0.numerator * den:
            num, den = t0.numerator, t0.denominator
        if self._num is None or num * self._den < self._num * den:
            self._num, self._den = num, den

    def require_fraction(self, a: Fraction, b: Fraction, strict: bool) -> None:
        """:meth:`require` for Fraction coefficients."""
        if b >= 0:
            return
        self.require(a.numerator * b.denominator, b.numerator * a.denominator, strict)


@dataclass
class _Priced:
    """A project's price: rho = need/(scale*rich) at t0, and ``a + b*t`` in general; ``rows[:poor]`` are the
    supporter classes that pay all they have, the rest pay rho*u (rows: (sort key, v, a, b, u, weight))."""

    value: Fraction
    a: Fraction
    b: Fraction
    need: int  # cost*scale - poor supporters' money (v), so rho*u*scale*rich = u*need
    need_a: int
    need_b: int
    rich: int  # total utility of the rich supporters
    rows: list
    poor: int

    def constrain(self, bound: _Bound) -> None:
        """Who is poor and who is rich must not change: b_c(t) < rho(t)*u, resp. b_c(t) >= rho(t)*u
        (both sides multiplied by scale*rich: u*need(t) against rich*(a + b*t))."""
        rich, need_a, need_b = self.rich, self.need_a, self.need_b
        for k, (_, _, a, b, u, _) in enumerate(self.rows):
            if k < self.poor:
                bound.require(u * need_a - rich * a, u * need_b - rich * b, strict=True)
            else:
                bound.require(rich * a - u * need_a, rich * b - u * need_b, strict=False)


def _price(cost: int, entries: dict[tuple[int, int], int], budgets: dict, scale: int) -> _Priced | tuple:
    """The smallest rho with sum(min(budget, rho*u)) over supporters == cost, as a :class:`_Priced`; or, if
    the supporters cannot afford the project, ``(v, a, b)`` of their total ``(a + b*t)/scale``."""
    rows = []
    total = 0
    rich_utility = 0
    uniform = True
    first_u = None
    for (key, u), w in entries.items():
        v, a, b = budgets[key]
        # a class with nothing left at t0 matters only if it has more for larger t (e.g. t0 = 0)
        if v > 0 or b:
            rows.append((v, v, a, b, u, w))
            total += w * v
            rich_utility += w * u
            if first_u is None:
                first_u = u
            elif u != first_u:
                uniform = False
    cost_scaled = cost * scale
    if total < cost_scaled:
        return (total, sum(row[5] * row[2] for row in rows), sum(row[5] * row[3] for row in rows))
    if uniform:
        rows.sort(key=lambda row: row[1])  # equal utilities: order by budget
    else:
        # order by v/u: with L a common multiple of the utilities, v*(L//u) is v/u scaled by L, an integer
        common = 1
        for u in {row[4] for row in rows}:
            common = common * u // gcd(common, u)
        rows = [(v * (common // u), v, a, b, u, w) for _, v, a, b, u, w in rows]
        rows.sort(key=lambda row: row[0])
    poor_v = 0
    for k, (_, v, _, _, u, w) in enumerate(rows):
        # every supporter still "rich" pays rho*u; this row can if rho*u <= its budget (cross-multiplied)
        need = cost_scaled - poor_v
        if need * u <= v * rich_utility:
            poor_a = sum(row[5] * row[2] for row in rows[:k])
            poor_b = sum(row[5] * row[3] for row in rows[:k])
            denominator = scale * rich_utility
            return _Priced(
                Fraction(need, denominator),
                Fraction(cost_scaled - poor_a, denominator),
                Fraction(-poor_b, denominator),
                need,
                cost_scaled - poor_a,
                -poor_b,
                rich_utility,
                rows,
                k,
            )
        poor_v += w * v
        rich_utility -= w * u
    raise AssertionError("unreachable: the supporters' total covers the cost, so the last row can pay")


def utilitarian_fill(
    voters: Voters, ranks: list[int], selected: list[int], budget: int, steps: list[Step]
) -> list[int]:
    """Utilitarian completion: unfunded supported projects by total utility per cost, funded if they fit."""
    chosen = set(selected)
    left = budget - sum(voters.costs[p] for p in selected)
    order = sorted(
        (p for p in voters.candidates if p not in chosen),
        key=lambda p: (-Fraction(voters.total_utility[p], voters.costs[p]), ranks[p]),
    )
    added = []
    for p in order:
        cost = voters.costs[p]
        if cost <= left:
            left -= cost
            added.append(p)
            steps.append(
                Step(
                    "select",
                    project=voters.ids[p],
                    cost=cost,
                    support=voters.total_utility[p],
                    reason="utilitarian completion: highest utility per cost among those that fit",
                    details={"completion": "utilitarian", "left": left},
                )
            )
        else:
            steps.append(
                Step(
                    "skip",
                    project=voters.ids[p],
                    cost=cost,
                    reason="utilitarian completion: does not fit the money left",
                    details={"completion": "utilitarian", "left": left},
                )
            )
    return added


def count_preferences(voters: Voters, first: list[int], second: list[int]) -> tuple[int, int]:
    """How many voters draw strictly more utility from ``first`` than ``second``, and vice versa."""
    in_first, in_second = set(first), set(second)
    prefer_first = prefer_second = 0
    for g, pairs in enumerate(voters.items):
        a = sum(u for p, u in pairs if p in in_first)
        b = sum(u for p, u in pairs if p in in_second)
        if a > b:
            prefer_first += voters.weights[g]
        elif b > a:
            prefer_second += voters.weights[g]
    return prefer_first, prefer_second
