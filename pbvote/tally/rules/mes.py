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
  that outcome is kept) or *over budget* (the previous outcome is kept). The trace has one "budget" step per
  stretch of per-voter budgets with the same outcome (``per_voter_budget`` to ``same_outcome_up_to``). This
  is pabutools' ``method_of_equal_shares(voter_budget_increment=…)`` and reproduces Assen
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
so the rule tracks one budget per class, not per voter. The class structure depends only on the set of
projects funded so far, not on the per-voter budget nor on the order of purchase, so it is kept between the
``add1`` runs (keyed by that set), and runs for nearby budgets, which often differ by a swap of two purchases,
share it. Prices are recomputed lazily: a price can only grow during a run, so a project's last price is a
lower bound, and only projects sharing supporters with the one just funded need a new one. Money is exact:
integers over a common denominator that grows with each purchase; no float ever decides anything (the heap
compares correctly rounded floats first, which order unequal values correctly, and exact fractions on equal
floats). ``add1`` settles stretches of per-voter budgets with one run where it can prove that the whole
stretch gives the same outcome (see :func:`add1_budget`).
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain, repeat
from math import gcd, lcm
from operator import itemgetter
from typing import Any

from ..model import Election, Outcome, Step
from . import Param, RuleError, compute, register
from .ties import tie_ranks

# Class structures the engine keeps (each holds the class entries of every project its last purchase touched);
# the least recently used go first.
# (never fewer than the current run's purchases plus _SPARE_NODES: a run must find its own path, and a nearby
# one, again). With 64, MES + add1u on Warszawa 2026 peaks at about 200 MiB (128 saves 5% of its time for
# 310 MiB).
_MAX_NODES = 64
_SPARE_NODES = 16

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
        per_voter = add1_budget(engine, budget, budget_start, budget_increment, steps)
    else:
        per_voter = Fraction(budget, n)

    run = engine.run(per_voter, trace=True)
    selected = run.selected
    steps.extend(run.steps)
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


def add1_budget(engine: _Engine, budget: int, start: str, increment: int, steps: list[Step]) -> Fraction:
    """The per-voter budget add1 ends with (see the module docstring), adding a "budget" step to ``steps`` for
    each stretch of per-voter budgets with one outcome.

    add1 tries every per-voter budget in turn; here one run settles a whole stretch of them when
    :meth:`_Engine.certify` proves that they all give its outcome. Stretches are found by doubling the jump
    while the proof holds, then halving it: each try costs about one MES run, so a jump of one is never
    tried, the next budget is simply run. On big elections the proof rarely holds (some pair of projects is
    always within a fraction of a percent of each other), so after a failed first try the next stretches are
    not tried at all, for twice as many stretches each time (reset by a success): few wasted tries there,
    and long stretches settled at once on small elections."""
    voters = engine.voters
    costs = voters.costs
    n = voters.num_voters
    t = Fraction(budget // n) if start == "floor" else Fraction(budget, n)
    chosen = t
    stretch: Step | None = None
    stretch_outcome: set[int] = set()  # the projects the current stretch funds (in whichever order)
    pause = backoff = 0  # stretches left without a try; the next pause after a failed first try
    while True:
        run = engine.run(t)
        spent = sum(costs[p] for p in run.selected)
        if spent > budget:
            reason = "over budget: keep the previous per-voter budget"
            steps.append(_budget_step(reason, t, t, spent, run.selected))
            return chosen
        funded = set(run.selected)
        exhaustive = not any(costs[p] <= budget - spent for p in voters.candidates if p not in funded)
        last = t
        if pause:
            pause -= 1
        elif not exhaustive:
            last = _stretch(engine, run, t, increment)
            backoff = 0 if last > t else max(1, 2 * backoff)
            pause = backoff
        if stretch is not None and funded == stretch_outcome:
            stretch.details["same_outcome_up_to"] = last
        else:
            reason = (
                "exhaustive: stop here" if exhaustive else "fits, money left: try a larger per-voter budget"
            )
            stretch, stretch_outcome = _budget_step(reason, t, last, spent, run.selected), funded
            steps.append(stretch)
        chosen = last
        if exhaustive:
            return chosen
        t = last + increment


def _stretch(engine: _Engine, run: _Run, t: Fraction, increment: int) -> Fraction:
    """The largest per-voter budget ``t + k*increment`` proven to give ``run``'s outcome (``t`` if none)."""
    last, prices, jump, growing = t, run.prices, 2, True
    while jump >= 2:
        probe = last + jump * increment
        certified = engine.certify(probe, run.selected, prices)
        if certified is None:
            growing = False
            jump //= 2
        else:
            last, prices = probe, certified
            jump = jump * 2 if growing else jump // 2
    return last


def _budget_step(reason: str, t: Fraction, last: Fraction, spent: int, selected: list[int]) -> Step:
    details = {"per_voter_budget": t, "same_outcome_up_to": last, "spent": spent, "selected": len(selected)}
    return Step("budget", cost=spent, reason=reason, details=details)


# --------------------------------------------------------------------------------------------------------
# Preparation: per ballot group, the projects it supports and what each is worth to it.


@dataclass
class Voters:
    """The aggregated profile as MES sees it: ``ballots[g]``, the projects ballot group ``g`` supports (in
    the ballot's order), and ``items[g]``, the same with what each is worth to it."""

    costs: list[int]
    weights: list[int]
    ballots: list[tuple[int, ...]]
    uniform: bool  # every supporter of a project draws the same utility from it (cost, cardinality)
    supporters: list[list[int]]  # project -> groups supporting it
    supporter_utilities: list[list[int]] | None  # project -> each supporting group's utility (None: uniform)
    total_utility: list[int]  # project -> sum over supporters of weight * utility
    backers: list[int]  # project -> number of voters supporting it
    candidates: list[int]  # projects MES may fund: supported, positive cost
    free: list[int]  # supported projects costing nothing (funded first, as pabutools does)
    num_voters: int
    ids: list[str]
    utility: str
    pairs: list[tuple[tuple[int, int], ...]] | None = field(default=None, repr=False)  # see items

    @property
    def items(self) -> list[tuple[tuple[int, int], ...]]:
        """``items[g]`` = ((project, utility), …) of ballot group ``g`` (built on first use when uniform)."""
        if self.pairs is None:
            values = self.costs if self.utility == "cost" else [1] * len(self.costs)
            self.pairs = [tuple(zip(ballot, map(values.__getitem__, ballot))) for ballot in self.ballots]
        return self.pairs


def prepare(election: Election, utility: str, points_scheme: str = "auto") -> Voters:
    """Turn the election's profile into per-group utilities for ``utility`` (see the module docstring)."""
    profile = election.profile
    costs = [project.cost for project in election.projects]
    m = len(costs)
    weights = profile.weights
    pairs: list[tuple[tuple[int, int], ...]] | None = None
    if utility == "points":
        pairs = [
            tuple(zip(ballot, given) if min(given, default=1) > 0 else filter(_positive, zip(ballot, given)))
            for ballot, given in zip(profile.ballots, _points(election, profile, points_scheme))
        ]
        ballots = [tuple(map(_project, group)) for group in pairs]
    else:
        ballots = profile.ballots
        if profile.points is not None:  # a project given 0 points is not supported
            ballots = [
                tuple(p for p, given in zip(ballot, given_points) if given > 0)
                for ballot, given_points in zip(ballots, profile.points)
            ]
    supporters: list[list[int]] = [[] for _ in range(m)]
    add_supporter = [group.append for group in supporters]
    for g, ballot in enumerate(ballots):
        for p in ballot:
            add_supporter[p](g)
    backers = [sum(map(weights.__getitem__, groups)) for groups in supporters]
    supporter_utilities: list[list[int]] | None = None
    if pairs is not None:  # in the order of ``supporters``: by group
        supporter_utilities = [[] for _ in range(m)]
        add_utility = [group.append for group in supporter_utilities]
        total = [0] * m
        for group, w in zip(pairs, weights):
            for p, u in group:
                add_utility[p](u)
                total[p] += w * u
    else:  # every supporter draws the same utility: the cost, or 1
        total = [n * cost for n, cost in zip(backers, costs)] if utility == "cost" else list(backers)
    candidates = [p for p in range(m) if total[p] > 0 and costs[p] > 0]
    free = [p for p in range(m) if total[p] > 0 and costs[p] == 0]
    return Voters(
        costs,
        list(weights),
        ballots,
        pairs is None,
        supporters,
        supporter_utilities,
        total,
        backers,
        candidates,
        free,
        profile.num_voters,
        [project.id for project in election.projects],
        utility,
        pairs,
    )


def _positive(pair: tuple[int, int]) -> bool:
    return pair[1] > 0


_project = itemgetter(0)  # of a (project, utility) pair


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
# The engine: budget classes, memoised by the set of funded projects.


class _Node:
    """The class structure once the projects ``funded`` are bought (in whatever order).

    A *class* is the set of ``(project, utility)`` of the funded projects its voters support: voters of one
    class always hold the same money. ``entries[p]`` maps ``(class, utility for p)`` (the bare class when
    every utility is 1) to the number of voters in that class who support ``p``; ``splits[s]`` (filled when ``s`` is bought from here) lists each ``(old
    class, utility for s, new class)``; ``class_of[g]`` is the class of ballot group ``g``. Nearby per-voter
    budgets often buy the same projects in a slightly different order; keyed by the set, those runs share
    their nodes.
    """

    __slots__ = ("class_of", "entries", "funded", "splits")

    def __init__(self, funded: frozenset[int], entries: list[dict[tuple[int, int], int]], class_of: array):
        self.funded = funded
        self.entries = entries
        self.class_of = class_of
        self.splits: dict[int, list[tuple[int, int, int]]] = {}


@dataclass
class _Run:
    """One run's result: the funded projects in order (free ones first), the price (rho, per unit of
    utility) each non-free one was bought at, and the trace steps when asked for."""

    selected: list[int]
    prices: list[Fraction]
    steps: list[Step]


class _Engine:
    """Runs MES for any per-voter budget on one prepared profile, reusing the class structure between runs.

    Utilities inside the engine: with ``cost`` or ``cardinality`` utility every supporter of a project draws
    the same utility from it, so the engine gives each supporter utility 1 (rho is then the payment of each
    supporter who can afford it) and divides by ``unit[p]`` (the cost, resp. 1) to compare projects by price
    per unit of utility. With ``points`` the engine uses the points themselves.
    """

    def __init__(self, voters: Voters, ranks: list[int]):
        self.voters = voters
        self.ranks = ranks
        m = len(voters.costs)
        # each group's projects (with utility 1) or (project, utility) pairs, repeated once per voter who cast
        # it: Counter counts voters from these
        self._cast = [
            group * w for group, w in zip(voters.ballots if voters.uniform else voters.items, voters.weights)
        ]
        # before any purchase every voter is in class 0
        root_entries: list[dict[Any, int]]
        if voters.uniform:
            self.unit = list(voters.costs) if voters.utility == "cost" else [1] * m
            root_entries = [{0: n} if n else {} for n in voters.backers]
        else:
            self.unit = [1] * m
            root_entries = [{} for _ in range(m)]
            for (p, u), w in Counter(chain.from_iterable(self._cast)).items():
                root_entries[p][(0, u)] = w
            # rows are sorted by budget/utility; with L a common multiple of all utilities, budget*(L//u)
            # orders them the same way in integers
            utilities = {u for entries in root_entries for _, u in entries}
            common = lcm(*utilities)
            self.sort_factor: dict[int, int] = {u: common // u for u in utilities}
        # Classes get integer ids: 0 is "supports no funded project"
        self.class_key: list[frozenset[tuple[int, int]]] = [frozenset()]
        self.class_index: dict[frozenset[tuple[int, int]], int] = {frozenset(): 0}
        self.grown: dict[tuple[int, int, int], int] = {}  # (class, project, utility) -> class plus it
        # a run's money per class: money[c] / scale_k with k = made[c], the number of purchases when the class
        # came about (each class that a run reads got its money earlier in that run)
        self.money = [0]
        self.made = [0]
        root = _Node(frozenset(), root_entries, array("i", [0]) * len(voters.ballots))
        self.nodes: dict[frozenset[int], _Node] = {root.funded: root}
        self.root = root
        self._overlap: dict[int, set[int]] = {}
        self._support: dict[int, tuple[list[int], list[int] | None]] = {}
        # the price if every supporter can pay in full, cost / total utility: a lower bound on the price
        self.first_price: dict[int, tuple[float, Fraction]] = {}
        for p in voters.candidates:
            rho = Fraction(voters.costs[p], voters.total_utility[p])
            self.first_price[p] = (float(rho), rho)

    def overlap(self, s: int) -> set[int]:
        """Projects sharing a supporter with ``s`` (their prices may change when ``s`` is funded)."""
        found = self._overlap.get(s)
        if found is None:
            found = self._overlap[s] = set(
                chain.from_iterable(map(self.voters.ballots.__getitem__, self.voters.supporters[s]))
            )
        return found

    def _supporters(self, s: int) -> tuple[list[int], list[int] | None]:
        """The groups supporting ``s`` and their engine utilities for ``s`` (None when every one is 1)."""
        found = self._support.get(s)
        if found is None:
            voters = self.voters
            groups = voters.supporters[s]
            utilities = voters.supporter_utilities[s] if voters.supporter_utilities is not None else None
            found = self._support[s] = (groups, utilities)
        return found

    def _child(self, node: _Node, s: int) -> _Node:
        """The node after ``node`` plus buying ``s``, with ``node.splits[s]`` filled in."""
        funded = node.funded | {s}
        child = self.nodes.pop(funded, None)
        if child is not None:
            self.nodes[funded] = child  # most recently used last
            if s in node.splits:
                return child
        while len(self.nodes) >= max(_MAX_NODES, len(funded) + _SPARE_NODES):
            del self.nodes[next(iter(self.nodes))]  # the least recently used: keeps memory bounded
        before = node.class_of
        groups, utilities = self._supporters(s)
        # a mover's split key: its class, with its utility for s unless that is always 1
        olds = [before[g] for g in groups]
        keys = olds if utilities is None else list(zip(olds, utilities))
        if child is not None:  # reached before from another set: only the splits from this one are new
            after = child.class_of
            splits = dict(zip(keys, [after[g] for g in groups]))
        else:
            splits = {key: self._grow(s, *self._split_key(key)) for key in dict.fromkeys(keys)}
        node.splits[s] = [(*self._split_key(key), new) for key, new in splits.items()]
        if child is not None:
            return child
        class_of = before[:]
        news = list(map(splits.__getitem__, keys))
        for g, new in zip(groups, news):
            class_of[g] = new
        # Move the rows of every project the movers support from their old class to the new one, one move
        # (old class -> new class) at a time: early on all movers share a class, so this is one update per
        # project, not per ballot. A move's ballots are counted by Counter, in C, each project (or (project,
        # utility) pair) as many times as voters cast the ballot; a move of one ballot is read as it stands.
        if len(splits) == 1:
            by_move = {next(iter(splits.items())): groups}
        else:
            by_move = {}
            for g, key, new in zip(groups, keys, news):
                by_move.setdefault((key, new), []).append(g)
        weights, cast = self.voters.weights, self._cast
        uniform = utilities is None
        groups_of = self.voters.ballots if uniform else self.voters.items
        # every project sharing a supporter with s gets new rows: its entries are copied once, up front; a new
        # class (old class plus s) has no rows yet, and each move adds one per project (and utility)
        entries = list(node.entries)
        for p in self.overlap(s) - funded:
            entries[p] = dict(entries[p])
        for (key, new), members in by_move.items():
            if len(members) == 1:
                counts: Any = zip(groups_of[members[0]], repeat(weights[members[0]]))
            else:
                counts = Counter(chain.from_iterable(map(cast.__getitem__, members))).items()
            if uniform:  # an item is a project, a row key a class
                for p, w in counts:
                    if p not in funded:
                        bucket = entries[p]
                        left = bucket[key] - w
                        if left:
                            bucket[key] = left
                        else:
                            del bucket[key]
                        bucket[new] = w
            else:  # an item is a (project, utility) pair, a row key a (class, utility) pair
                old = key[0]
                for (p, u), w in counts:
                    if p not in funded:
                        bucket = entries[p]
                        old_key = (old, u)
                        left = bucket[old_key] - w
                        if left:
                            bucket[old_key] = left
                        else:
                            del bucket[old_key]
                        bucket[(new, u)] = w
        child = self.nodes[funded] = _Node(funded, entries, class_of)
        return child

    def _split_key(self, key: Any) -> tuple[int, int]:
        """(class, utility for the project bought) of a split key (a bare class when utilities are all 1)."""
        return (key, 1) if self.voters.uniform else key

    def _class(self, key: frozenset[tuple[int, int]]) -> int:
        found = self.class_index.get(key)
        if found is None:
            found = self.class_index[key] = len(self.class_key)
            self.class_key.append(key)
            self.money.append(0)
            self.made.append(0)
        return found

    def _grow(self, s: int, c: int, u: int) -> int:
        """The class of voters in class ``c`` who also support funded ``s`` (with utility ``u``)."""
        found = self.grown.get((c, s, u))
        if found is None:
            found = self.grown[(c, s, u)] = self._class(self.class_key[c] | {(s, u)})
        return found

    def run(self, t: Fraction, trace: bool = False) -> _Run:
        """One MES run with per-voter budget ``t``: at each step the cheapest affordable project is funded."""
        return self._walk(Fraction(t), None, None, trace)  # type: ignore[return-value]

    def certify(self, t: Fraction, selected: list[int], prices: list[Fraction]) -> list[Fraction] | None:
        """Whether MES funds ``selected`` (bought at ``prices``, per unit of utility, with a smaller per-voter
        budget) for every per-voter budget from that one up to ``t``: if so, the prices at ``t`` along the same
        order (to certify the next stretch); else None.

        Along a fixed order of purchases, a larger per-voter budget leaves every voter at least as much money
        at every step (a rich payer pays a lower price, a poor one never ends below zero), so every price is
        at most what it was. So if at each step the project funded there, at its price for the *smaller*
        budget, is still cheaper than every other project at its price for the *larger* one (ties as the
        tie-breaking order decides them), and at the end nothing else is affordable even with the larger
        budget, every per-voter budget in between makes the same choices."""
        return self._walk(Fraction(t), selected[len(self.voters.free) :], prices, False)  # type: ignore[return-value]

    def _walk(self, t: Fraction, order: list[int] | None, bounds: list[Fraction] | None, trace: bool):
        """MES at per-voter budget ``t`` (``order`` None), or the replay of ``order`` for :meth:`certify`.

        Money is exact: class budgets are integers over a common denominator ``scale`` that grows at each
        purchase. A class's budget is stored once, when the class comes about after ``k`` purchases, as
        ``money[c] / scale_k``; ``lift[k] = scale / scale_k`` brings it to the current scale. Prices are lazy: a
        project's last price is a lower bound for the rest of the run (budgets only shrink), so only a project
        whose lower bound is the smallest is priced again, and only if a purchase since touched its supporters.
        """
        voters, costs, ranks, unit = self.voters, self.voters.costs, self.ranks, self.unit
        steps: list[Step] = []
        scale = t.denominator
        money, made = self.money, self.made
        money[0], made[0] = t.numerator, 0
        lift = [1]
        depth = 0
        node = self.root
        selected: list[int] = list(voters.free)
        prices: list[Fraction] = []
        if trace:
            for p in voters.free:
                steps.append(
                    Step("select", project=voters.ids[p], cost=0, reason="costs nothing and has supporters")
                )
        # heap entries: (approximate price, exact price, tie rank, version, project). float() of a Fraction is
        # correctly rounded, hence monotone: different floats order the exact prices correctly, and equal
        # floats fall through to the exact comparison.
        heap: list[tuple[float, Fraction, int, int, int]] = []
        version = [0] * len(costs)
        priced: dict[int, tuple[int, int, int]] = {}  # project -> (need, rich, depth) of its last price
        fresh: set[int] = set()  # projects whose last price still holds
        done: set[int] = set()

        def drop(p: int, held: int) -> None:
            """p's supporters hold ``held`` (on the current scale), less than it costs: dropped for good."""
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

        for p in voters.candidates:
            held = voters.backers[p] * t.numerator  # on the scale t.denominator
            if held < costs[p] * scale:
                drop(p, held)  # even all its supporters' money does not cover it
            else:
                heapq.heappush(heap, (*self.first_price[p], ranks[p], 0, p))

        def price_of(p: int) -> Fraction | None:
            """Price p on the current budgets (None if its supporters cannot afford it: p is dropped)."""
            result = self._price(costs[p] * scale, node.entries[p], lift)
            version[p] += 1
            if isinstance(result, int):
                drop(p, result)
                return None
            need, rich = result
            common = gcd(need, rich)  # the scale then grows by rich/common only at its purchase
            need, rich = need // common, rich // common
            priced[p] = (need, rich, depth)
            fresh.add(p)
            rho = Fraction(need, scale * rich * unit[p])
            heapq.heappush(heap, (float(rho), rho, ranks[p], version[p], p))
            return rho

        position = 0
        while True:
            if order is None:
                # MES: the cheapest project whose price is up to date is funded
                if not heap:
                    break
                _, _, _, ver, p = heapq.heappop(heap)
                if p in done or ver != version[p]:
                    continue
                if p not in fresh:
                    price_of(p)
                    continue
            else:
                # replay: the next project of the order must beat every other project's price at t
                target = order[position] if position < len(order) else None
                limit = None
                if target is not None:
                    bound = bounds[position]  # type: ignore[index]
                    limit = (float(bound), bound, ranks[target])
                while heap:
                    approximate, rho, rank, ver, q = heap[0]
                    if q in done or ver != version[q] or q == target:
                        heapq.heappop(heap)
                        continue
                    if limit is not None and (approximate, rho, rank) > limit:
                        break  # every other project costs more
                    if q in fresh:
                        return None  # q is affordable and as cheap: a budget in between may choose it
                    heapq.heappop(heap)
                    price_of(q)
                if target is None:
                    break
                p = target
                if p not in fresh and price_of(p) is None:
                    return None  # cannot happen (more money than at the smaller budget), but never guess
                position += 1
            done.add(p)
            need, rich, at = priced[p]
            need *= lift[at]  # a price from before an unrelated purchase: the same price on today's scale
            prices.append(Fraction(need, scale * rich * unit[p]))
            if trace:
                steps.append(self._select_step(p, need, rich, node, lift, scale))
            child = self._child(node, p)
            # rho*u = need*u/(scale*rich): on the scale scale*rich, a class paying it keeps b*rich - u*need
            lifted = [factor * rich for factor in lift]
            now = depth + 1
            for old, u, new in node.splits[p]:
                left = money[old] * lifted[made[old]] - u * need
                money[new] = left if left > 0 else 0  # noqa: FURB136 (hot loop: cheaper than max())
                made[new] = now
            lifted.append(1)
            lift = lifted
            scale *= rich
            node, depth = child, depth + 1
            selected.append(p)
            fresh.difference_update(self.overlap(p))
        if order is not None:
            return prices
        return _Run(selected, prices, steps)

    def _price(self, cost_scaled: int, entries: dict, lift: list[int]) -> tuple[int, int] | int:
        """The price of a project costing ``cost_scaled`` (on the current scale) to its supporter rows
        ``entries``: ``(need, rich)`` with rho*u = u*need/(scale*rich) for each supporter able to pay it, the
        others paying all they have; or, if they cannot afford it together, the money they hold."""
        if self.voters.uniform:
            return self._price_uniform(cost_scaled, entries, lift)
        money, made = self.money, self.made
        live = [(money[c] * lift[made[c]], u, w) for (c, u), w in entries.items() if money[c]]
        held = sum([b * w for b, _, w in live])
        if held < cost_scaled:
            return held
        rich = sum([u * w for _, u, w in live])
        need = cost_scaled
        # rows by budget per unit of utility, poorest first (b*factor[u] orders them so, in integers)
        factor = self.sort_factor
        rows = [(b * factor[u], b, u, w) for b, u, w in live]
        first = min(rows)
        if need * first[2] <= first[1] * rich:  # the poorest row can pay rho*u: so can everybody
            return need, rich
        rows.sort()
        for _, b, u, w in rows:
            if need * u <= b * rich:
                return need, rich
            need -= w * b
            rich -= w * u
        raise AssertionError("unreachable: the supporters' total covers the cost, so the last row can pay")

    def _price_uniform(
        self, cost_scaled: int, entries: dict[int, int], lift: list[int]
    ) -> tuple[int, int] | int:
        """:meth:`_price` when every supporter's utility is 1: rows are (budget, voters), keyed by class."""
        money, made = self.money, self.made
        rows = [(money[c] * lift[made[c]], w) for c, w in entries.items() if money[c]]
        held = sum([b * w for b, w in rows])
        if held < cost_scaled:
            return held
        rich = sum([w for _, w in rows])
        need = cost_scaled
        if need <= min(rows)[0] * rich:  # the poorest row can pay the price: so can everybody
            return need, rich
        rows.sort()
        for b, w in rows:
            if need <= b * rich:
                return need, rich
            need -= w * b
            rich -= w
        raise AssertionError("unreachable: the supporters' total covers the cost, so the last row can pay")

    def _select_step(self, p: int, need: int, rich: int, node: _Node, lift: list[int], scale: int) -> Step:
        cost = self.voters.costs[p]
        entries = node.entries[p]
        rows = entries.items() if self.voters.uniform else (((c, w) for (c, _), w in entries.items()))
        held = sum(w * self.money[c] * lift[self.made[c]] for c, w in rows)
        held = Fraction(held, scale)
        payment = Fraction(need, scale * rich)  # per unit of the engine's utility
        rho = payment / self.unit[p]
        details: dict[str, Any] = {
            "rho": rho,
            "supporters": sum(entries.values()),
            "supporters_budget_before": held,
            "supporters_budget_after": held - cost,
        }
        if self.voters.uniform:
            details["price_per_voter"] = payment
            details["effective_votes"] = Fraction(cost) / payment
        else:
            details["effective_points"] = Fraction(cost) / rho
        return Step(
            "select",
            project=self.voters.ids[p],
            cost=cost,
            support=details["supporters"],
            reason="lowest price per unit of utility among the projects its supporters can still afford",
            details=details,
        )


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
