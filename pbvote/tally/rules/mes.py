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

**Speed.** The rule works on the aggregated profile (identical ballots merged), held as NumPy arrays of ballot
groups. Money is exact without being stored per group in big integers: a group that has paid its full share of
every funded project it supports holds ``t`` less those shares, and one that once could not holds nothing, so
the money of any set of groups is ``t`` times its voters less each funded project's exact price times the
utility the set draws from it. The layout: each project's supporting groups in one array, built once
(``Voters.supporters``); during a run, one byte per group for every eight projects bought, whose bits say
which of them the group supports, so that the voters of a set of groups supporting each funded project come
from one 256-bin histogram per byte (for cost and cardinality utility; with points, every project the groups
support is counted from the flat ballot array). Floats of every group's money, within a proven error bound,
only sort a project's supporters into surely poor and surely rich at its price; the supporters in the band
between get their exact money one by one, and the exact price found is checked against the band: no float ever
decides anything. Prices are recomputed lazily: a price can only grow during a run, so a project's last price
is a lower bound, and only projects sharing supporters with the one just funded need a new one (the heap
compares correctly rounded floats first, which order unequal values correctly, and exact fractions on equal
floats). ``add1`` needs an outcome for each of many per-voter budgets: those come from float runs that prove
every decision they take by error bounds, with this exact engine deciding any budget they cannot, and only
those add1 reaches (:mod:`.mes_screen`, :func:`add1_budget`); the outcome kept, and its trace, come from this
exact engine.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from math import inf, lcm
from operator import itemgetter
from typing import Any

import numpy as np

from ..model import Election, Outcome, Step, rank_points
from . import Param, RuleError, compute, register
from .mes_screen import Screen
from .ties import tie_ranks

# add1 screens per-voter budgets in blocks of this many (see add1_budget), and leaves the rest to the exact
# engine once the float runs could not decide this many budgets in a row (large elections, where many prices
# lie within the floats' error bounds of each other: a failed float run costs about as much as an exact one)
_BLOCK = 16
_GIVE_UP = 3

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
    float runs of :mod:`.mes_screen`, from the top of the block down, each run seeded by the one above it;
    the exact engine decides any budget they cannot, in increasing order as add1 gets to it (none past the
    budget add1 stops at). While the budgets come in long stretches with one order
    of purchases (small elections), a block is first tried whole, in one run proven for all its budgets, and
    halved until its parts are proven; each whole success doubles the next block."""
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
    blocks = _Blocks(Screen(engine), increment)
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
        for k, (first, last, selected) in enumerate(outcomes):
            if selected is None:  # the float runs could not decide this budget: the exact engine does
                selected = engine.run(first).selected
                outcomes[k] = (first, last, selected)
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
        # try the next block whole, then by halves, if this one kept one order (while some such try succeeds,
        # or twice if none ever does)
        whole = halve = all(selected == outcomes[0][2] for _, _, selected in outcomes) and (
            proven or failed < 2
        )
        t = outcomes[-1][1] + increment


@dataclass
class _Blocks:
    """Outcomes of blocks of per-voter budgets, from proven float runs (None where they fail: the exact engine
    decides those budgets, and only those add1 gets to)."""

    floats: Any  # the Screen
    increment: int
    misses: int = (
        0  # budgets in a row the float runs could not decide (at _GIVE_UP, they are no longer tried)
    )

    def outcomes(
        self, low: Fraction, size: int, whole: bool, halve: bool
    ) -> list[tuple[Fraction, Fraction, list[int] | None]]:
        """(first budget, last budget, funded projects in order) for stretches covering the ``size`` budgets
        from ``low`` up: the block in one run if ``whole`` and that run proves it, else its halves the same
        way if ``halve``, else budget by budget, from the top down; (budget, budget, None) for a budget no
        float run could decide."""
        return self._screen(low, size, whole, halve, None)[0]

    def _screen(self, low, size, whole, halve, seed):
        """:meth:`outcomes`, and the proven run at the lowest budget, to seed the budgets below (None if none)."""
        high = low + (size - 1) * self.increment
        screening = self.misses < _GIVE_UP
        if size > 1 and whole and screening:
            found = self.floats.run(low, high, seed)
            if found is not None:
                return [(low, high, found.selected)], found
        if size > 1 and halve and screening:
            half = size // 2
            upper, seed = self._screen(low + half * self.increment, size - half, True, True, seed)
            lower, seed = self._screen(low, half, True, True, seed)
            return lower + upper, seed
        outcomes = []
        for k in reversed(range(size)):
            b = low + k * self.increment
            found = self.floats.run(b, seed=seed) if self.misses < _GIVE_UP else None
            if found is None:
                self.misses += 1
                selected = None
            else:
                self.misses = 0
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
    the ballot's order), and ``items[g]``, the same with what each is worth to it; and the same as NumPy
    arrays (whole numbers far below 2**53 in float64, hence exact): every group's supported projects in one
    ``flat`` array (``start[g]`` to ``start[g] + length[g]``) with the group's weight times its utility for
    each (``weighted``), and per project its supporting groups (ascending), their weights and utilities."""

    costs: list[int]
    weights: list[int]
    group_ballots: list[tuple[int, ...]] | None  # see ballots
    uniform: bool  # every supporter of a project draws the same utility from it (cost, cardinality)
    length: np.ndarray
    start: np.ndarray
    flat: np.ndarray
    weighted: np.ndarray
    supporters: list[np.ndarray]  # project -> groups supporting it
    supporter_weights: list[np.ndarray]  # project -> each supporting group's weight
    supporter_utilities: list[np.ndarray] | None  # project -> each supporting group's utility (None: uniform)
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
    def ballots(self) -> list[tuple[int, ...]]:
        """``ballots[g]`` = the projects ballot group ``g`` supports (built from ``flat`` on first use when the
        profile came as arrays)."""
        if self.group_ballots is None:
            flat = self.flat.tolist()
            self.group_ballots = [
                tuple(flat[s : s + n]) for s, n in zip(self.start.tolist(), self.length.tolist())
            ]
        return self.group_ballots

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
    pairs: list[tuple[tuple[int, int], ...]] | None = None
    ballots: list[tuple[int, ...]] | None = None
    if utility == "points":
        pairs = [
            tuple(zip(ballot, given) if min(given, default=1) > 0 else filter(_positive, zip(ballot, given)))
            for ballot, given in zip(profile.ballots, _points(election, profile, points_scheme))
        ]
        ballots = [tuple(map(_project, group)) for group in pairs]
    elif profile.points is not None:  # a project given 0 points is not supported
        ballots = [
            tuple(p for p, given in zip(ballot, given_points) if given > 0)
            for ballot, given_points in zip(profile.ballots, profile.points)
        ]
    if ballots is None:  # every listed project is supported: the profile's own arrays
        items, length, group_weights = profile.arrays()
        flat, length = items.astype(np.int64), length.astype(np.int64)
        group_weights = group_weights.astype(np.float64)
        groups = len(length)
    else:
        groups = len(ballots)
        length = np.fromiter(map(len, ballots), np.int64, groups)
        flat = np.fromiter(chain.from_iterable(ballots), np.int64, int(length.sum()))
        group_weights = np.asarray(profile.weights, np.float64)
    weights = profile.weights
    start = np.zeros(groups, np.int64)
    np.cumsum(length[:-1], out=start[1:])
    size = len(flat)
    weighted = np.repeat(group_weights, length)
    backers = [int(n) for n in np.bincount(flat, weights=weighted, minlength=m).tolist()]
    utilities = None
    if pairs is not None:
        utilities = np.fromiter(map(itemgetter(1), chain.from_iterable(pairs)), np.float64, size)
        weighted = weighted * utilities
        total = [int(n) for n in np.bincount(flat, weights=weighted, minlength=m).tolist()]
    else:  # every supporter draws the same utility: the cost, or 1
        total = [n * cost for n, cost in zip(backers, costs)] if utility == "cost" else list(backers)
    # a stable sort of 16-bit keys is a radix sort, several times faster than sorting the wider items
    order = np.argsort(flat.astype(np.uint16) if m <= 1 << 16 else flat, kind="stable")
    bounds = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(flat, minlength=m), out=bounds[1:])
    group_of = np.repeat(np.arange(groups, dtype=np.int64), length)[order]
    supporters = [group_of[bounds[p] : bounds[p + 1]] for p in range(m)]
    supporter_utilities = None
    if utilities is not None:
        by_project = utilities[order]
        supporter_utilities = [by_project[bounds[p] : bounds[p + 1]] for p in range(m)]
    candidates = [p for p in range(m) if total[p] > 0 and costs[p] > 0]
    free = [p for p in range(m) if total[p] > 0 and costs[p] == 0]
    return Voters(
        costs,
        list(weights),
        ballots,
        pairs is None,
        length,
        start,
        flat,
        weighted,
        supporters,
        [group_weights[members] for members in supporters],
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
# The engine: NumPy arrays of ballot groups, exact money by formula.
#
# A group that has so far paid its share rho_j * u of every funded project j it supports holds exactly t less
# those shares; a group that once could not pay its share paid all it had and holds 0 for the rest of the run.
# So the exact money of any set of groups is t times their voters less, for each funded project, its exact
# price times the (whole) utility those groups draw from it: a few big-integer products, whatever the number of
# groups (the utilities drawn come from the run's codes, see _State.add_price). Floats (each group's money, within a proven ``error`` of the exact one) only sort a project's
# supporters into surely poor and surely rich at its price; the few in between get their exact money one by
# one, and the exact price found is checked against the floats of both sides. No float decides anything.

_EPS = 2.0**-53  # unit roundoff of an IEEE double
# _BIT_TABLE[v, k] is bit k of the byte v (1.0 or 0.0): a histogram of bytes times it counts each bit's holders
_BIT_TABLE = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)


@dataclass
class _Run:
    """One run's result: the funded projects in order (free ones first) and the trace steps when asked for."""

    selected: list[int]
    steps: list[Step]


@dataclass
class _State:
    """A run's money. Group ``g`` holds exactly 0 if not ``alive[g]``, else ``t`` less ``price[j] * u`` for each
    funded project ``j`` it supports with utility ``u``, where ``price[j] = numerators[j] / scale`` (one common
    denominator). ``floats[g]`` is within ``error`` of group ``g``'s exact money."""

    t: Fraction
    floats: np.ndarray
    alive: np.ndarray
    error: float
    scale: int
    numerators: dict[int, int] = field(default_factory=dict)
    funded: list[int] = field(default_factory=list)  # the projects bought so far, in order
    codes: list[np.ndarray] = field(default_factory=list)  # see add_price

    def t_scaled(self) -> int:
        return self.t.numerator * (self.scale // self.t.denominator)

    def add_price(self, p: int, price: Fraction, supporters: np.ndarray) -> None:
        """Record the price per unit of utility that ``p``'s ``supporters`` able to pay it paid, and which
        groups support ``p``: bit ``k % 8`` of ``codes[k // 8][g]`` says whether group ``g`` supports the
        ``k``-th project bought (``funded[k]``), so that the money of a set of groups takes one histogram of
        their codes per eight projects bought (see ``_Engine._money``)."""
        scale = lcm(self.scale, price.denominator)
        if scale != self.scale:
            grow = scale // self.scale
            self.numerators = {j: value * grow for j, value in self.numerators.items()}
            self.scale = scale
        self.numerators[p] = price.numerator * (scale // price.denominator)
        k = len(self.funded)
        if k % 8 == 0:
            self.codes.append(np.zeros(len(self.alive), np.uint8))
        self.codes[-1][supporters] |= np.uint8(1 << (k % 8))
        self.funded.append(p)


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
        self.unit = list(voters.costs) if voters.uniform and voters.utility == "cost" else [1] * m
        self.length, self.start, self.flat, self.weighted = (
            voters.length,
            voters.start,
            voters.flat,
            voters.weighted,
        )
        self.weights = np.asarray(voters.weights, np.float64)
        self.supporters = voters.supporters
        self.supporter_weights = voters.supporter_weights
        self.supporter_utilities = voters.supporter_utilities
        self._overlap: dict[int, set[int]] = {}
        self.supported = np.flatnonzero(np.asarray(voters.backers) > 0)  # projects with supporters
        # the price if every supporter can pay in full, cost / total utility: a lower bound on the price
        self.first_price: dict[int, tuple[float, Fraction]] = {}
        for p in voters.candidates:
            rho = Fraction(voters.costs[p], voters.total_utility[p])
            self.first_price[p] = (float(rho), rho)

    def _entries(self, groups: np.ndarray) -> np.ndarray:
        """The positions in ``flat`` of every project the ``groups`` support."""
        lengths = self.length[groups]
        offsets = np.repeat(self.start[groups] - (np.cumsum(lengths) - lengths), lengths)
        return offsets + np.arange(len(offsets), dtype=np.int64)

    def overlap(self, s: int) -> set[int]:
        """Projects sharing a supporter with ``s`` (their prices may change when ``s`` is funded).

        ``s``'s supporting groups are read in growing slices, and only until every supported project has
        turned up (in a large election the first few thousand ballots usually name them all)."""
        found = self._overlap.get(s)
        if found is None:
            groups = self.supporters[s]
            present = np.zeros(len(self.unit), dtype=bool)
            done, size = 0, 1024
            while done < len(groups) and not present[self.supported].all():
                present[self.flat[self._entries(groups[done : done + size])]] = True
                done, size = done + size, size * 4
            found = self._overlap[s] = set(np.flatnonzero(present).tolist())
        return found

    def _money(self, state: _State, groups: np.ndarray, among: np.ndarray | None = None) -> int:
        """The exact money of ``groups`` (each weighted by its voters; only those the mask ``among`` over them
        selects, if given), times ``state.scale``: ``t`` times the voters of those still holding money less,
        for each project bought, its price times the utility they draw from it.

        With one utility for every supporter of a project (``uniform``), the voters of the groups supporting
        each project bought come from a histogram of their codes (``_State.add_price``), eight projects at a
        time; with points, from every project the groups support (their entries in ``flat``)."""
        holding = state.alive[groups]
        if among is not None:
            holding &= among
        groups = groups[holding]
        if not len(groups):
            return 0
        weights = self.weights[groups]
        numerators = state.numerators
        if self.voters.uniform:
            paid = 0
            for c, code in enumerate(state.codes):
                histogram = np.bincount(code[groups], weights=weights, minlength=256)
                drawn = (histogram @ _BIT_TABLE).tolist()  # whole numbers below 2**53: exact
                for j, voters in zip(state.funded[8 * c : 8 * c + 8], drawn):
                    paid += numerators[j] * int(voters)
        else:
            entries = self._entries(groups)
            drawn = np.bincount(self.flat[entries], weights=self.weighted[entries], minlength=len(self.unit))
            paid = sum(value * int(drawn[j]) for j, value in numerators.items())
        return state.t_scaled() * int(weights.sum()) - paid

    def _group_money(self, state: _State, g: int) -> int:
        """The exact money of one voter of group ``g``, times ``state.scale``."""
        if not state.alive[g]:
            return 0
        numerators = state.numerators
        if self.voters.uniform:
            start = int(self.start[g])
            paid = sum(numerators.get(j, 0) for j in self.flat[start : start + int(self.length[g])].tolist())
        else:
            paid = sum(numerators.get(j, 0) * u for j, u in self.voters.items[g])
        return state.t_scaled() - paid

    def run(self, t: Fraction, trace: bool = False) -> _Run:
        """One MES run with per-voter budget ``t``: at each step the cheapest affordable project is funded.

        Prices are lazy: a project's last price is a lower bound for the rest of the run (budgets only
        shrink), so only a project whose lower bound is the smallest is priced again, and only if a purchase
        since touched its supporters."""
        t = Fraction(t)
        voters, costs, ranks, unit = self.voters, self.voters.costs, self.ranks, self.unit
        steps: list[Step] = []
        start = float(t)
        groups = len(voters.length)
        state = _State(
            t,
            np.full(groups, start),
            np.ones(groups, dtype=bool),
            abs(float(Fraction(start) - t)),
            t.denominator,
        )
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
        priced: dict[int, tuple[Fraction, np.ndarray]] = {}  # project -> its last price, who pays all at it
        fresh: set[int] = set()  # projects whose last price still holds
        done: set[int] = set()

        def drop(p: int, held: Fraction | None) -> None:
            """p's supporters hold ``held`` (None: not yet counted), less than it costs: dropped for good."""
            done.add(p)
            if trace:
                if held is None:
                    held = Fraction(self._money(state, self.supporters[p]), state.scale)
                steps.append(
                    Step(
                        "skip",
                        project=voters.ids[p],
                        cost=costs[p],
                        reason="its supporters have less money left than it costs",
                        details={"supporters_budget": held, "after_selections": len(selected)},
                    )
                )

        for p in voters.candidates:
            held = voters.backers[p] * t
            if held < costs[p]:
                drop(p, held)  # even all its supporters' money does not cover it
            else:
                heapq.heappush(heap, (*self.first_price[p], ranks[p], 0, p))

        while heap:
            # the cheapest project whose price is up to date is funded
            _, _, _, ver, p = heapq.heappop(heap)
            if p in done or ver != version[p]:
                continue
            if p not in fresh:
                version[p] += 1
                found = self._price(p, state)
                if found is None:
                    drop(p, None)
                    continue
                priced[p] = found
                fresh.add(p)
                rho = found[0] / unit[p]
                heapq.heappush(heap, (float(rho), rho, ranks[p], version[p], p))
                continue
            done.add(p)
            price, pays_all = priced[p]
            if trace:
                steps.append(self._select_step(p, price, state))
            self._buy(p, price, pays_all, state)
            selected.append(p)
            fresh.difference_update(self.overlap(p))
        return _Run(selected, steps)

    def _price(self, p: int, state: _State) -> tuple[Fraction, np.ndarray] | None:
        """Project p's exact price per unit of utility on the current money, with which of its supporters (a
        mask over ``supporters[p]``) pay all they hold at it; None if they cannot afford it together."""
        cost = self.voters.costs[p]
        groups, weights = self.supporters[p], self.supporter_weights[p]
        utilities = None if self.supporter_utilities is None else self.supporter_utilities[p]
        money = state.floats[groups]
        held = float(money @ weights)
        # the float total is within a dot product's rounding of the floats' sum, each float within ``error``
        slack = 1.01 * (state.error * self.voters.backers[p] + (len(groups) + 2) * 2 * _EPS * held)
        if held - slack < cost and (held + slack < cost or self._money(state, groups) < cost * state.scale):
            return None
        share = money if utilities is None else money / utilities
        weighted = weights if utilities is None else weights * utilities
        # an approximate price: from the lower bound cost / total utility, the price at which the supporters
        # poorer than the last one pay all they hold (those left with nothing, nothing) and the others cover the
        # rest, until no more supporters are poorer than it (the rounds converge like Newton's method: few)
        total = float(self.voters.backers[p] if utilities is None else self.voters.total_utility[p])
        money_of = money * weights
        rho = cost / total
        poor = -1
        while True:
            below = share < rho
            count = int(np.count_nonzero(below))
            if count <= poor:
                break
            poor = count
            drawn = float(np.dot(weighted, below))
            if drawn >= total:  # (rounding: everyone is poorer than the price)
                rho = inf
                break
            rho = (cost - float(np.dot(money_of, below))) / (total - drawn)
        # every float share is within ``bound`` of the exact one; those within ``width`` of the approximate
        # price are decided exactly, and the exact price found must agree with the floats of all the others
        bound = 1.01 * (state.error + 4 * _EPS * float(state.t))
        width = 1e-9 * abs(rho) + 4 * bound
        for _ in range(3 if 0 < rho < inf else 0):  # (rounding may leave no usable approximation)
            priced = self._exact_price(p, state, share, rho, width, bound)
            if priced is not None:
                return priced
            width *= 1000
        priced = self._exact_price(p, state, share, rho, inf, bound)
        assert priced is not None, "every supporter decided exactly: nothing to contradict"
        return priced

    def _exact_price(
        self, p: int, state: _State, share: np.ndarray, rho: float, width: float, bound: float
    ) -> tuple[Fraction, np.ndarray] | None:
        """:meth:`_price`, deciding exactly the supporters whose float share is within ``width`` of ``rho``;
        None if the price found contradicts the floats of the others (a wider band is needed)."""
        groups, weights = self.supporters[p], self.supporter_weights[p]
        utilities = None if self.supporter_utilities is None else self.supporter_utilities[p]
        weighted = weights if utilities is None else weights * utilities
        low, high = rho - width, rho + width
        if width == inf:  # every supporter decided exactly (whatever ``rho``, even NaN)
            poor, close = np.zeros(len(share), dtype=bool), np.arange(len(share))
        else:
            poor = share < low
            close = np.flatnonzero((share >= low) & (share <= high))
        scale = state.scale
        need = self.voters.costs[p] * scale - self._money(state, groups, poor)  # what the others pay, * scale
        able = int(self.voters.total_utility[p] if utilities is not None else self.voters.backers[p])
        able -= int(np.dot(weighted, poor))  # the utility of those paying the price (whole numbers: exact)
        rows = []
        for k in close.tolist():
            u = 1 if utilities is None else int(utilities[k])
            held = self._group_money(state, int(groups[k]))
            rows.append((Fraction(held, u), held, u, int(weights[k]), k))
        rows.sort()
        pays_all = poor.copy()
        for _, held, u, w, k in rows:
            if need * u <= held * able:  # this row, and every richer one, can pay the price
                break
            need -= w * held
            able -= w * u
            pays_all[k] = True
        if able <= 0:
            return None
        price = Fraction(need, scale * able)
        # the floats of the others lie below ``low`` or above ``high``, their exact shares within ``bound``
        if width != inf and not Fraction(low) + Fraction(bound) <= price <= Fraction(high) - Fraction(bound):
            return None
        return price, pays_all

    def _buy(self, p: int, price: Fraction, pays_all: np.ndarray, state: _State) -> None:
        """Take ``p``'s price from its supporters: those in ``pays_all`` pay all they hold, the others their
        share."""
        groups = self.supporters[p]
        charge = float(price)
        if self.supporter_utilities is not None:
            charge = charge * self.supporter_utilities[p]
        # a share is at most the money of its payer, at most t: the rounding of the share and of the subtraction
        # each move a float by at most 2u t (the clamp at 0 only brings it nearer the exact money, never below 0)
        money = state.floats[groups]
        money -= charge
        np.maximum(money, 0.0, out=money)
        money[pays_all] = 0.0
        state.floats[groups] = money
        state.alive[groups] &= ~pays_all
        state.error = 1.01 * (state.error + 4 * _EPS * float(state.t))
        state.add_price(p, price, groups)

    def _select_step(self, p: int, price: Fraction, state: _State) -> Step:
        cost = self.voters.costs[p]
        held = Fraction(self._money(state, self.supporters[p]), state.scale)
        rho = price / self.unit[p]
        supporters = self.voters.backers[p]
        details: dict[str, Any] = {
            "rho": rho,
            "supporters": supporters,
            "supporters_budget_before": held,
            "supporters_budget_after": held - cost,
        }
        if self.voters.uniform:
            details["price_per_voter"] = price
            details["effective_votes"] = Fraction(cost) / price
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
