"""MES runs in floating point whose every decision is proven by error bounds: add1's fast path.

add1 needs the Method of Equal Shares' outcome at every per-voter budget from ``floor(B/n)`` up (on Warszawa
2026, 185 of them). The exact engine (:mod:`.mes`), whose integers grow to hundreds of bits, takes 0.3 s a run
there. This screen runs the same rule on NumPy arrays of floats, one entry per ballot group, in about 5 ms,
and *proves* each decision it takes:

- every voter's float money ``m~`` is within ``E`` of her exact money (one bound for all, grown after each
  purchase by what the price's uncertainty and the rounding can move it);
- a price is computed in floats, then bracketed: ``lo <= rho <= hi``, from the facts that for *any* set ``S``
  of supporters, ``(C - money of S) / utility of the others`` is at most ``rho``, and that a price at which
  the supporters (each paying at most what she holds) cover the cost is at least ``rho``; every float
  operation in a bound is rounded outwards (IEEE operations are correctly rounded, and a dot product of
  ``n`` terms is within ``gamma(n)`` of its sum whatever the order of summation);
- a project is funded only if its ``hi`` is below every other project's ``lo``, dropped only if its
  supporters' money is surely below its cost.

Two prices that are exactly equal cannot be ordered by floats. When every supporter of both surely pays in
full, each price is exactly cost / total utility, and those fractions (then the tie-breaking order) decide.
When a decision cannot be proven otherwise (prices equal or within about 1e-12 of each other, supporters
holding exactly a project's cost), the screen gives up and the exact engine decides that budget: floats never
decide anything on their own.

A run can also cover a whole range of per-voter budgets: every voter starts at the middle of the range, with
the error bound set to half its width, and what it proves holds at every budget of the range (small elections
keep one outcome over long stretches of budgets).

Runs for nearby budgets help each other. Along the same order of purchases, a smaller per-voter budget leaves
every voter at most as much money at every step, so every price is at least what it was at the larger budget,
and a project its supporters could not afford there, they cannot afford here. So budgets are screened from
the top of a block down, each run taking the previous (larger) one's lower bounds and dropped projects while
its purchases follow the same order: a run then prices little more than the projects it funds.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from math import inf, nextafter

import numpy as np

_EPS = 2.0**-53  # unit roundoff of an IEEE double


def _up(x: float) -> float:
    return nextafter(x, inf)


def _down(x: float) -> float:
    return nextafter(x, -inf)


def _gamma(n: int) -> float:
    """A bound on the relative error of a float sum or dot product of ``n`` non-negative terms (2 n u)."""
    return _up((n + 2) * 2 * _EPS)


@dataclass
class ScreenRun:
    """A proven run: the projects funded, in order; and, for the next (smaller) budget's run, each
    project's lower bounds on its price per unit of utility (``bounds[p]``: (purchases made, bound), in
    the order found) and when each dropped project was known to be out (purchases made by then)."""

    selected: list[int]
    bounds: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    dropped: dict[int, int] = field(default_factory=dict)


class _Undecided(Exception):
    """A decision the float bounds cannot prove: the exact engine must decide this budget."""


class Screen:
    """Proven float MES runs on one prepared profile (see the module docstring).

    It works on the exact engine's profile (:class:`~.mes.Voters`), tie ranks, ``unit`` (which divides a price
    per supporter to a price per unit of utility: the cost for ``cost`` utility, else 1) and overlaps."""

    def __init__(self, engine):
        self.voters = voters = engine.voters
        self.ranks = engine.ranks
        self.unit = unit = engine.unit
        self.overlap = engine.overlap
        self.groups = len(voters.length)
        self.supporters = voters.supporters
        self.weights = voters.supporter_weights
        self.voters_of = [int(w.sum()) for w in self.weights]  # exact: small whole numbers
        if voters.supporter_utilities is None:
            self.utilities = None
            self.weighted = self.weights  # weight * utility, with every utility 1
            self.largest = [1.0] * len(unit)
        else:
            self.utilities = voters.supporter_utilities
            self.weighted = [w * u for w, u in zip(self.weights, self.utilities)]
            self.largest = [float(u.max()) if len(u) else 1.0 for u in self.utilities]
        self.total = [float(wu.sum()) for wu in self.weighted]  # exact: whole numbers below 2**53
        # cost / total utility: the price if every supporter can pay in full, a lower bound
        self.first = {p: _down(voters.costs[p] / voters.total_utility[p]) for p in voters.candidates}

    def run(
        self, low: Fraction, high: Fraction | None = None, seed: ScreenRun | None = None
    ) -> ScreenRun | None:
        """MES at per-voter budget ``low``, every decision proven, or None if one cannot be. With ``high``, the
        decisions are proven for every per-voter budget from ``low`` to ``high`` at once (the run starts
        every voter at the middle, off by at most half the width). ``seed``: a proven run at a per-voter
        budget at least ``high``, whose bounds hold here while the purchases follow its order."""
        low = Fraction(low)
        high = low if high is None else Fraction(high)
        start = float((low + high) / 2)
        # |exact money - float money| <= error, for every voter and every budget in the range
        error = _up(float(max(abs(Fraction(start) - low), abs(high - Fraction(start)))))
        try:
            return self._run(start, error, seed)
        except _Undecided:
            return None

    def _run(self, start: float, error: float, seed: ScreenRun | None) -> ScreenRun:
        voters, ranks = self.voters, self.ranks
        ceiling = _up(start + error)  # no voter ever holds more
        money = np.full(self.groups, start)
        result = ScreenRun(list(voters.free))
        bounds, dropped = result.bounds, result.dropped
        selected = result.selected
        done: set[int] = set(voters.free)
        # heap entries: (lower bound on the price per unit of utility, tie rank, version, project)
        heap = [(self.first[p], ranks[p], 0, p) for p in voters.candidates]
        heapq.heapify(heap)
        version = dict.fromkeys(voters.candidates, 0)
        # projects priced since their supporters last paid: their supporters' money then (still theirs), (rho~,
        # lo, hi) per supporter, hi per unit of utility, and whether every supporter surely pays in full (the
        # price is then exactly cost / total utility)
        fresh: dict[int, tuple[np.ndarray, float, float, float, float, bool]] = {}
        seeded: dict[int, int] = {}  # project -> purchases made when a seed bound was last applied to it
        following = seed is not None  # the purchases so far are the seed run's first ones
        made = len(selected)

        def lower(p: int, bound: float) -> None:
            version[p] += 1
            heapq.heappush(heap, (bound, ranks[p], version[p], p))
            bounds.setdefault(p, []).append((made, bound))

        def drop(p: int) -> None:
            done.add(p)
            dropped[p] = made

        def from_seed(p: int, key: float) -> bool:
            """Apply the seed run's knowledge of ``p`` at this point, if it says more than ``key``."""
            if dropped_there.get(p, made + 1) <= made:
                drop(p)
                return True
            if seeded.get(p) == made:
                return False
            best = key
            for at, bound in seed_bounds.get(p, ()):
                if at > made:
                    break
                best = max(best, bound)
            if best > key:
                seeded[p] = made
                lower(p, best)
                return True
            return False

        def learn(p: int, key: float) -> None:
            """Know more of ``p`` than its lower bound ``key``: what the seed run says of it, if that is more,
            else its price now (or that its supporters surely cannot afford it: it is dropped)."""
            if following and from_seed(p, key):
                return
            priced = self._price(p, money, error, key)
            if priced is None:
                drop(p)
                return
            held, lo, approximate, hi, in_full = priced
            unit = self.unit[p]
            fresh[p] = (held, approximate, lo, hi, _up(hi / unit), in_full)
            lower(p, max(key, _down(lo / unit)))

        if seed is not None:
            seed_bounds, dropped_there, seed_order = seed.bounds, seed.dropped, seed.selected
        while heap:
            key, _, ver, p = heapq.heappop(heap)
            if p in done or ver != version[p]:
                continue
            if p not in fresh:
                learn(p, key)
                continue
            # p has the lowest lower bound and is priced: it is funded if every other price is surely higher
            held, approximate, lo, hi, hi_key, exact = fresh[p]
            beaten = []  # priced projects whose bounds overlap p's, shown dearer by their exact prices
            while heap:
                other_key, _, other_version, q = heap[0]
                if q in done or other_version != version[q]:
                    heapq.heappop(heap)
                    continue
                if other_key > hi_key:
                    break
                if q in fresh:
                    if exact and fresh[q][5] and self._cheaper(p, q):
                        beaten.append(heapq.heappop(heap))
                        continue
                    raise _Undecided  # two priced projects whose prices may be equal or in either order
                heapq.heappop(heap)
                learn(q, other_key)
            for entry in beaten:
                heapq.heappush(heap, entry)
            error = self._pay(p, held, approximate, lo, hi, money, error, ceiling)
            done.add(p)
            selected.append(p)
            made += 1
            if following and (made > len(seed_order) or seed_order[made - 1] != p):
                following = False
            touched = self.overlap(p)  # their supporters paid: their prices may have changed
            fresh = {q: entry for q, entry in fresh.items() if q not in touched}
        return result

    def _cheaper(self, p: int, q: int) -> bool:
        """Whether p comes before q when both are paid in full by every supporter (exact prices, then ties)."""
        costs, total = self.voters.costs, self.voters.total_utility
        return (Fraction(costs[p], total[p]), self.ranks[p]) < (Fraction(costs[q], total[q]), self.ranks[q])

    def _price(
        self, p: int, money: np.ndarray, error: float, known: float
    ) -> tuple[np.ndarray, float, float, float, bool] | None:
        """(its supporters' money, lo, rho~, hi, paid in full): lo and hi bracket p's price per supporter (per
        unit of utility for ``points``), the last is true when every supporter surely pays in full; or None
        if its supporters surely cannot afford it. Raises _Undecided when neither can be proven. ``known`` is
        a lower bound on the price per unit of utility, where the search for the price starts."""
        cost = self.voters.costs[p]
        held = money[self.supporters[p]]
        weights = self.weights[p]
        n = len(held)
        gamma = _gamma(n)
        total_held = float(held @ weights)
        slack = _up(error * self.voters_of[p])  # how far the exact total may be from the float one's sum
        if _up(_up(total_held * (1 + gamma)) + slack) < cost:
            return None
        if _down(_down(total_held * (1 - gamma)) - slack) < cost:
            raise _Undecided
        utilities, weighted, total = self.utilities, self.weighted[p], self.total[p]
        # each supporter's money per unit of utility; the poorer ones pay all they hold: find them by raising
        # the price from a lower bound until no one is added (S, the rows below ``threshold``)
        share = held if utilities is None else held / utilities[p]
        rho = max(cost / total, _down(known * self.unit[p]))
        threshold = None
        count = 0
        poor_money = poor_voters = poor_utility = 0.0
        lowest = float(share.min())
        if lowest < rho:
            money_of = held * weights
            while True:
                below = share < rho
                found = int(np.count_nonzero(below))
                if found == count:
                    break
                if found < count:  # rounding made the price fall back: leave it to the exact engine
                    raise _Undecided
                count, threshold = found, rho
                poor_money = float(np.dot(money_of, below))
                poor_voters = float(np.dot(weights, below))  # exact: whole numbers below 2**53
                poor_utility = poor_voters if utilities is None else float(np.dot(weighted, below))
                if poor_utility >= total:
                    raise _Undecided
                rho = (cost - poor_money) / (total - poor_utility)
        # bounds with S: rho >= (C - exact money of S) / utility of the others, for any S; and rho <= r
        # whenever the supporters, each paying min(her lowest possible money, r*u), cover C
        rich_utility = total - poor_utility
        shift = _up(error * poor_voters)
        lo = _down(_down(cost - _up(_up(poor_money * (1 + gamma)) + shift)) / rich_utility)
        least = _down(_down(poor_money * (1 - gamma)) - shift)
        hi = max(_up(_up(cost - least) / rich_utility), _up(rho * (1 + 4 * _EPS)))
        # that sum is right for r = hi if everyone in S holds at most hi*u (true below the threshold), and
        # everyone else, with her lowest possible money, can pay hi*u (no one else lies below ``enough``)
        enough = _up(_up(hi + error) * (1 + 4 * _EPS))
        in_full = threshold is None
        if (threshold is not None and _up(threshold * (1 + 4 * _EPS)) > hi) or (
            (lowest < enough) if threshold is None else (int(np.count_nonzero(share < enough)) != count)
        ):
            # someone holds about the price: sum what each supporter would pay at a slightly higher one
            hi = _up(hi * (1 + 2.0**-40))
            charge = hi if utilities is None else hi * utilities[p]
            # each term is rounded down to at most u of itself, the sum to gamma
            paid = np.dot(np.minimum(np.maximum(held - error, 0.0), charge), weights)
            if _down(_down(float(paid) * (1 - gamma)) * (1 - 4 * _EPS)) < cost:
                raise _Undecided
            in_full = False
        return held, max(lo, 0.0), rho, hi, in_full

    def _pay(
        self,
        p: int,
        held: np.ndarray,
        rho: float,
        lo: float,
        hi: float,
        money: np.ndarray,
        error: float,
        ceiling: float,
    ) -> float:
        """Take p's price from its supporters' float money; return the new bound on every voter's error.

        A supporter's exact money becomes max(0, m - rho u), the float one max(0, m~ - rho~ u): they differ by
        at most the old error, plus |rho - rho~| u, plus the rounding of rho~ u and of the subtraction (each
        within u of the larger operand, and no money exceeds ``ceiling``)."""
        charge = rho if self.utilities is None else rho * self.utilities[p]
        held -= charge  # ``held``, p's supporters' money when it was priced, is still theirs and a copy
        money[self.supporters[p]] = np.maximum(held, 0.0, out=held)
        largest = self.largest[p]
        spread = _up(max(_up(hi - rho), _up(rho - lo)) * largest)
        rounding = _up(4 * _EPS * _up(max(ceiling, _up(rho * largest))))
        return _up(_up(error + spread) + rounding)
