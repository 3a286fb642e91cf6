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
- ``add1_variant=checker`` — add1 as the pabulib checker (and pabulib's ``equalshares/add1`` label) defines
  it: the outcome at exactly ``B/n`` first, then per-voter budgets ``floor(B/n) + 1``, ``+ 2``, … (in whole
  currency units, ``budget_increment`` at a time), each outcome that still costs at most ``B`` replacing the
  last, until the first that overspends: it does not stop at an exhaustive outcome (only once every
  supported project is funded, where the checker would loop for ever). A file's META ``equalshares/add1`` and
  ``equalshares/add1-comparison`` select it; ``pabutools`` (the default) is the variant above;
- ``add1u`` — ``add1``, then utilitarian completion (equalshares.net's recommended "Add1" followed by greedy
  completion);
- ``utilitarian`` — plain MES, then fill the money left greedily: unfunded projects with supporters in order
  of total utility per unit of cost (for ``cost`` utility: by number of votes), highest first, each funded if
  it fits (pabutools' ``completion_by_rule_combination`` with ``greedy_utilitarian_welfare``).

**Comparison** (``comparison=greedy``; pabulib's ``…-comparison`` rules): also compute the ``greedy`` rule's
outcome and count, over voters, who prefers which. A voter *prefers* an outcome when her total from it is
strictly higher, measured by ``comparison_measure``: ``utility`` (the default: the ``utility`` measure above,
summed over its projects she supports), ``count`` (how many of them: pabulib's and equalshares.net's
definition, which a file's META ``…-comparison`` rule selects) or ``cost`` (their total cost). The greedy
outcome replaces the MES outcome only when strictly more voters prefer it.

Completion never funds a project nobody supports (``utilitarian`` fills only with supported projects), while
pabutools' ``completion_by_rule_combination`` with ``greedy_utilitarian_welfare`` may add such a project
when money is left; pbvote deliberately does not (no voter asked for it).

**Money.** The budget may be a decimal (``Fraction``): per-voter budgets are exact fractions of it. Decimal
costs are turned into whole minor units (the least common denominator of the costs) for the engine, and the
trace is given back in currency units; add1's steps are whole currency units either way.

**Speed.** The rule works on the aggregated profile (identical ballots merged) and, beyond that, on *budget
classes*: voters who support the same funded projects (with the same utilities) always hold the same budget,
so the rule tracks one budget per class, not per voter. Prices are recomputed lazily: a price can only grow
during a run, so a project's last price is a lower bound, and only projects sharing supporters with the one
just funded need a new one. Money is exact: integers over a common denominator that grows with each
purchase; no float ever decides anything (the heap compares correctly rounded floats first, which order
unequal values correctly, and exact fractions on equal floats). ``add1`` needs an outcome for each of many
per-voter budgets: those come from float runs that prove every decision they take by error bounds, with
this exact engine deciding any budget they cannot (:mod:`.mes_screen`, :func:`add1_budget`); the outcome
kept, and its trace, come from this exact engine.
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

from ..model import Election, Outcome, Step, rank_points
from . import Param, RuleError, compute, register
from .ties import tie_ranks

# add1 screens per-voter budgets in blocks of this many (see add1_budget)
_BLOCK = 16

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
ADD1_VARIANT_PARAM = Param(
    "add1_variant",
    str,
    "pabutools",
    "add1/add1u: pabutools (stop at the first exhaustive outcome) or checker (pabulib's: take every outcome "
    "that fits until the first overspends)",
    ("pabutools", "checker"),
)
COMPARISON_MEASURE_PARAM = Param(
    "comparison_measure",
    str,
    "utility",
    "comparison=greedy: a voter prefers the outcome giving her more utility, more funded projects (count, "
    "pabulib's) or more cost of funded projects",
    ("utility", "count", "cost"),
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
        ADD1_VARIANT_PARAM,
        COMPARISON_MEASURE_PARAM,
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
    add1_variant: str,
    comparison_measure: str,
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
        "add1_variant": add1_variant,
        "comparison_measure": comparison_measure,
    }
    voters = prepare(election, utility, points_scheme)
    ranks = tie_ranks(election, tie_breaking)
    engine = _Engine(voters, ranks)
    unit = voters.money_unit
    budget = election.budget * unit  # in the engine's money (see Voters.money_unit)
    n = voters.num_voters
    steps: list[Step] = []
    if n == 0:
        return Outcome(
            "mes", params, [], election.budget, 0, tie_breaking, [Step("stop", reason="there are no ballots")]
        )

    if completion in ("add1", "add1u"):
        per_voter = add1_budget(engine, budget, budget_start, budget_increment, steps, add1_variant)
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
        prefer_mes, prefer_greedy = count_preferences(voters, selected, greedy_selected, comparison_measure)
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
    if unit != 1:
        steps = [_in_currency(step, unit, utility) for step in steps]
    return Outcome("mes", params, ids, election.budget, spent, tie_breaking, steps)


# trace details that are sums of money (the engine's minor units on a file with decimal costs)
_MONEY_DETAILS = (
    "price_per_voter",
    "supporters_budget",
    "supporters_budget_before",
    "supporters_budget_after",
    "per_voter_budget",
    "same_outcome_up_to",
    "spent",
    "left",
)


def _in_currency(step: Step, unit: int, utility: str) -> Step:
    """``step`` with its money in currency units, from the engine's minor units (``unit`` to a currency unit)."""
    details = dict(step.details)
    for key in _MONEY_DETAILS:
        if key in details:
            details[key] = Fraction(details[key], unit)
    if "rho" in details and utility != "cost":  # with cost utility rho is money per money: no unit
        details["rho"] = Fraction(details["rho"], unit)
    cost = None if step.cost is None else Fraction(step.cost, unit)
    return Step(step.action, step.project, cost, step.support, step.reason, details)


def add1_budget(
    engine: _Engine, budget: Any, start: str, increment: int, steps: list[Step], variant: str = "pabutools"
) -> Fraction:
    """The per-voter budget add1 ends with (see the module docstring), adding a "budget" step to ``steps`` for
    each stretch of per-voter budgets with one outcome. ``budget`` is in the engine's money; the start and the
    increment are whole currency units (``Voters.money_unit`` of the engine's money each).

    add1 needs the outcome at every per-voter budget in turn. They come a block at a time from the proven
    float runs of :mod:`.mes_screen` (the exact engine decides any budget they cannot), from the top of the
    block down, each run seeded by the one above it. While the budgets come in long stretches with one order
    of purchases (small elections), a block is first tried whole, in one run proven for all its budgets, and
    halved until its parts are proven; each whole success doubles the next block."""
    from .mes_screen import Screen  # here: NumPy is imported only by the rules that need it

    voters = engine.voters
    costs = voters.costs
    n = voters.num_voters
    unit = voters.money_unit
    floor = Fraction(budget // (n * unit) * unit)
    increment *= unit
    checker = variant == "checker"
    everything = set(voters.candidates)
    if checker:  # the outcome at exactly B/n first (it always fits), then floor(B/n) + 1 unit and up
        chosen = Fraction(budget, n)
        selected = engine.run(chosen).selected
        spent = sum(costs[p] for p in selected)
        steps.append(_budget_step("exactly B/n: fits", chosen, chosen, spent, selected))
        if everything <= set(selected):
            return chosen
        t = floor + increment
    else:
        t = floor if start == "floor" else Fraction(budget, n)
        chosen = t
    blocks = _Blocks(engine, Screen(engine), increment)
    stretch: Step | None = None
    stretch_outcome: set[int] = set()  # the projects the current stretch funds (in whichever order)
    size, whole, halve = _BLOCK, True, False
    proven = failed = 0  # blocks tried whole: with some part proven in one run, with none
    while True:
        outcomes = blocks.outcomes(t, size, whole, halve)
        ranged = any(first != last for first, last, _ in outcomes)
        if whole:
            proven, failed = proven + ranged, failed + (not ranged)
        size = size * 2 if len(outcomes) == 1 else _BLOCK
        # try the next block whole, then by halves, if this one kept one order (while some such try succeeds,
        # or twice if none ever does)
        whole = halve = all(selected == outcomes[0][2] for _, _, selected in outcomes) and (
            proven or failed < 2
        )
        for first, last, selected in outcomes:
            spent = sum(costs[p] for p in selected)
            if spent > budget:
                reason = "over budget: keep the previous per-voter budget"
                steps.append(_budget_step(reason, first, first, spent, selected))
                return chosen
            funded = set(selected)
            # the checker's add1 goes past an exhaustive outcome, and stops only once nothing is left to fund
            exhaustive = (
                everything <= funded
                if checker
                else not any(costs[p] <= budget - spent for p in voters.candidates if p not in funded)
            )
            if exhaustive:
                last = first  # add1 stops at the first exhaustive outcome
            if stretch is not None and funded == stretch_outcome:
                stretch.details["same_outcome_up_to"] = last
            else:
                if checker:
                    reason = "every supported project funded: stop here" if exhaustive else "fits: try more"
                else:
                    reason = (
                        "exhaustive: stop here"
                        if exhaustive
                        else "fits, money left: try a larger per-voter budget"
                    )
                stretch, stretch_outcome = _budget_step(reason, first, last, spent, selected), funded
                steps.append(stretch)
            chosen = last
            if exhaustive:
                return chosen
        t = outcomes[-1][1] + increment


@dataclass
class _Blocks:
    """Outcomes of blocks of per-voter budgets: proven float runs, the exact engine where they fail."""

    engine: _Engine
    floats: Any  # the Screen (its module imports NumPy)
    increment: int

    def outcomes(
        self, low: Fraction, size: int, whole: bool, halve: bool
    ) -> list[tuple[Fraction, Fraction, list[int]]]:
        """(first budget, last budget, funded projects in order) for stretches covering the ``size`` budgets
        from ``low`` up: the block in one run if ``whole`` and that run proves it, else its halves the same
        way if ``halve``, else budget by budget, from the top down."""
        return self._screen(low, size, whole, halve, None)[0]

    def _screen(self, low, size, whole, halve, seed):
        """:meth:`outcomes`, and the proven run at the lowest budget, to seed the budgets below (None if none)."""
        high = low + (size - 1) * self.increment
        if size > 1 and whole:
            found = self.floats.run(low, high, seed)
            if found is not None:
                return [(low, high, found.selected)], found
        if size > 1 and halve:
            half = size // 2
            upper, seed = self._screen(low + half * self.increment, size - half, True, True, seed)
            lower, seed = self._screen(low, half, True, True, seed)
            return lower + upper, seed
        outcomes = []
        for k in reversed(range(size)):
            b = low + k * self.increment
            found = self.floats.run(b, seed=seed)
            if found is None:
                selected = self.engine.run(b).selected
            else:
                selected, seed = found.selected, found
            outcomes.append((b, b, selected))
        outcomes.reverse()
        return outcomes, seed


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
    # the engine's money units per currency unit: 1, or the least common denominator of decimal costs
    # (``costs`` are then in those minor units, so that the engine's money stays in integers)
    money_unit: int = 1

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
    money_unit = lcm(*(Fraction(cost).denominator for cost in costs)) if costs else 1
    if money_unit != 1:
        costs = [int(cost * money_unit) for cost in costs]
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
        money_unit,
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
    return rank_points(profile.ballots, max((len(ballot) for ballot in profile.ballots), default=0))


# --------------------------------------------------------------------------------------------------------
# The engine: budget classes.
#
# A *class* is the set of ``(project, utility)`` of the funded projects its voters support: voters of one class
# always hold the same money. During a run, ``entries[p]`` maps ``(class, utility for p)`` (the bare class when
# every utility is 1) to the number of voters in that class who support ``p``, and ``class_of[g]`` is the class
# of ballot group ``g``.


@dataclass
class _Run:
    """One run's result: the funded projects in order (free ones first) and the trace steps when asked for."""

    selected: list[int]
    steps: list[Step]


class _Engine:
    """Runs MES for any per-voter budget on one prepared profile.

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
        # the current run's money per class: money[c] / scale_k with k = made[c], the number of purchases when
        # the class came about (see run)
        self.money: list[int] = []
        self.made: list[int] = []
        self.root_entries = root_entries
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

    def _buy(self, s: int, entries: list[dict], class_of: array, done: set[int], first: int) -> list[Any]:
        """Move the supporters of ``s``, just bought, to new classes numbered from ``first`` (one per old class
        and utility for ``s``: within a run, a class is reached by one sequence of purchases only), updating
        in place the rows of the projects not ``done``. Return each new class's (old class, utility for s)
        (the bare old class when every utility is 1), in the order of their numbers."""
        groups, utilities = self._supporters(s)
        # a mover's split key: its class, with its utility for s unless that is always 1
        keys = [class_of[g] for g in groups]
        if utilities is not None:
            keys = list(zip(keys, utilities))
        splits = {key: new for new, key in enumerate(dict.fromkeys(keys), first)}
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
        # a new class (old class plus s) has no rows yet: each move adds one per project (and utility)
        for (key, new), members in by_move.items():
            if len(members) == 1:
                counts: Any = zip(groups_of[members[0]], repeat(weights[members[0]]))
            else:
                counts = Counter(chain.from_iterable(map(cast.__getitem__, members))).items()
            if uniform:  # an item is a project, a row key a class
                for p, w in counts:
                    if p not in done:
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
                    if p not in done:
                        bucket = entries[p]
                        old_key = (old, u)
                        left = bucket[old_key] - w
                        if left:
                            bucket[old_key] = left
                        else:
                            del bucket[old_key]
                        bucket[(new, u)] = w
        return list(splits)

    def run(self, t: Fraction, trace: bool = False) -> _Run:
        """One MES run with per-voter budget ``t``: at each step the cheapest affordable project is funded.

        Money is exact: class budgets are integers over a common denominator ``scale`` that grows at each
        purchase. A class's budget is stored once, when the class comes about after ``k`` purchases, as
        ``money[c] / scale_k``; ``lift[k] = scale / scale_k`` brings it to the current scale. Prices are lazy: a
        project's last price is a lower bound for the rest of the run (budgets only shrink), so only a project
        whose lower bound is the smallest is priced again, and only if a purchase since touched its supporters.
        """
        t = Fraction(t)
        voters, costs, ranks, unit = self.voters, self.voters.costs, self.ranks, self.unit
        steps: list[Step] = []
        scale = t.denominator
        # class 0: voters who support no funded project
        self.money = money = [t.numerator]
        self.made = made = [0]
        lift = [1]
        depth = 0
        entries = [dict(rows) for rows in self.root_entries]
        class_of = array("i", [0]) * len(voters.ballots)
        selected: list[int] = list(voters.free)
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

        def price_of(p: int) -> None:
            """Price p on the current budgets (if its supporters cannot afford it, p is dropped)."""
            result = self._price(costs[p] * scale, entries[p], lift)
            version[p] += 1
            if isinstance(result, int):
                drop(p, result)
                return
            need, rich = result
            common = gcd(need, rich)  # the scale then grows by rich/common only at its purchase
            need, rich = need // common, rich // common
            priced[p] = (need, rich, depth)
            fresh.add(p)
            rho = Fraction(need, scale * rich * unit[p])
            heapq.heappush(heap, (float(rho), rho, ranks[p], version[p], p))

        while heap:
            # the cheapest project whose price is up to date is funded
            _, _, _, ver, p = heapq.heappop(heap)
            if p in done or ver != version[p]:
                continue
            if p not in fresh:
                price_of(p)
                continue
            done.add(p)
            need, rich, at = priced[p]
            need *= lift[at]  # a price from before an unrelated purchase: the same price on today's scale
            if trace:
                steps.append(self._select_step(p, need, rich, entries[p], lift, scale))
            # rho*u = need*u/(scale*rich): on the scale scale*rich, a class paying it keeps b*rich - u*need
            lifted = [factor * rich for factor in lift]
            now = depth + 1
            splits = self._buy(p, entries, class_of, done, len(money))
            for old, u in zip(splits, repeat(1)) if voters.uniform else splits:
                left = money[old] * lifted[made[old]] - u * need
                money.append(left if left > 0 else 0)  # noqa: FURB136 (hot loop: cheaper than max())
            made.extend(repeat(now, len(splits)))
            lifted.append(1)
            lift = lifted
            scale *= rich
            depth += 1
            selected.append(p)
            fresh.difference_update(self.overlap(p))
        return _Run(selected, steps)

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

    def _select_step(self, p: int, need: int, rich: int, entries: dict, lift: list[int], scale: int) -> Step:
        cost = self.voters.costs[p]
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


def count_preferences(
    voters: Voters, first: list[int], second: list[int], measure: str = "utility"
) -> tuple[int, int]:
    """How many voters get strictly more from ``first`` than from ``second``, and vice versa: more utility,
    more funded projects they support (``count``) or more cost of them (``cost``)."""
    in_first, in_second = set(first), set(second)
    prefer_first = prefer_second = 0
    if measure == "utility":
        groups = voters.items
    else:
        worth = voters.costs if measure == "cost" else [1] * len(voters.costs)
        groups = [[(p, worth[p]) for p in ballot] for ballot in voters.ballots]
    for g, pairs in enumerate(groups):
        a = sum(u for p, u in pairs if p in in_first)
        b = sum(u for p, u in pairs if p in in_second)
        if a > b:
            prefer_first += voters.weights[g]
        elif b > a:
            prefer_second += voters.weights[g]
    return prefer_first, prefer_second
