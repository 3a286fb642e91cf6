"""PB-EAR (Aziz & Lee 2021): quotas, expanding approvals and weight reduction, by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbvote.tally import pabulib
from pbvote.tally.rules import RuleError, compute
from tests.conftest import PABULIB_DIR as DATA
from tests.tally.test_mes import election


def test_quota_expanding_approvals_and_weight_reduction():
    # n = 4, budget 100; a, b, c cost 50 each, so each needs the quota 4 * 50 / 100 = 2 voters' weight.
    #   v1: a > b > c   v2: a > c > b   v3: b > a > c   v4: c > b > a
    # j = 1: a has v1 + v2 = 2 ≥ 2 → fund a; v1 and v2 spend all their weight (factor 1 - 2/2 = 0).
    #        b has 1 (v3), c has 1 (v4): none qualifies, widen.
    # j = 2: b is in the top 2 of v3 (weight 1) and v4 (1) → 2 ≥ 2 → fund b; c (v4 only now counts, v2 has 0)
    #        has 1 and no longer fits anyway (50 left after a, 0 after b).
    e = election(
        100,
        {"a": 50, "b": 50, "c": 50},
        [["a", "b", "c"], ["a", "c", "b"], ["b", "a", "c"], ["c", "b", "a"]],
        vote_type="ordinal",
    )
    outcome = compute("ear", e)
    assert outcome.selected == ["a", "b"]
    steps = [step for step in outcome.steps if step.action == "select"]
    assert [(s.details["j"], s.details["quota"], s.details["support"]) for s in steps] == [
        (1, 2, 2),
        (2, 2, 2),
    ]


def test_weights_shrink_in_proportion_and_leftover_weight_still_counts():
    # n = 3, budget 90; x costs 30 (quota 1), y costs 60 (quota 2).
    #   v1: x > y   v2: x > y   v3: y > x
    # j = 1: x has 2 ≥ 1, y has 1 < 2 → fund x; v1 and v2 keep 1 - 1/2 = 1/2 each.
    # j = 1 again: y has 1 < 2. j = 2: y has 1/2 + 1/2 + 1 = 2 ≥ 2 → fund y (60 fits the 60 left).
    e = election(90, {"x": 30, "y": 60}, [["x", "y"], ["x", "y"], ["y", "x"]], vote_type="ordinal")
    outcome = compute("ear", e)
    assert outcome.selected == ["x", "y"]
    y_step = [s for s in outcome.steps if s.action == "select"][1]
    assert y_step.details["support"] == Fraction(2)


def test_among_qualifying_projects_the_best_supported_per_cost_goes_first_then_tie_order():
    # n = 2, budget 100: p (50, quota 1) and q (50, quota 1) are each first for one voter: both qualify with
    # support 1; support/quota ties, so file order decides; tie_breaking=id-text puts "p" before "q" too.
    e = election(100, {"q": 50, "p": 50}, [["p"], ["q"]], vote_type="ordinal")
    assert compute("ear", e).selected == ["q", "p"]
    assert compute("ear", e, tie_breaking="id-text").selected == ["p", "q"]


def test_real_ranked_ballots_stay_within_budget():
    e = pabulib.load(DATA / "Poland_Krakow_2021_Stare_Miasto.pb")
    outcome = compute("ear", e)
    assert 0 < outcome.spent <= e.budget
    assert len(set(outcome.selected)) == len(outcome.selected)


def test_only_for_ranked_ballots():
    e = election(10, {"x": 1}, [["x"]])
    with pytest.raises(RuleError, match="does not apply to approval"):
        compute("ear", e)


@st.composite
def ranked_elections(draw):
    """Small elections with strict partial rankings: up to 6 projects, 8 voters (a voter ranks 1..all)."""
    m = draw(st.integers(2, 6))
    names = [f"p{k}" for k in range(m)]
    costs = {name: draw(st.integers(1, 60)) for name in names}
    budget = draw(st.integers(1, sum(costs.values())))
    ballots = [
        draw(st.permutations(names).flatmap(lambda order: st.integers(1, m).map(lambda k, o=order: o[:k])))
        for _ in range(draw(st.integers(1, 8)))
    ]
    return election(budget, costs, ballots, vote_type="ordinal")


@settings(max_examples=300, deadline=None)
@given(ranked_elections())
def test_the_outcome_satisfies_inclusion_psc(e):
    # Aziz & Lee's guarantee for PB-EAR (Inclusion PSC, restricted to projects the voters ranked): take any set
    # C' of projects and the voters N' whose top |C'| choices are exactly C' (they solidly support C'). N' owns
    # |N'| / n of the budget. For every project c of C' left unfunded, the funded part of C' plus c must cost
    # more than the share N' owns: else N' could afford one more of its common favourites.
    outcome = compute("ear", e)
    funded = set(outcome.selected)
    assert sum(e.projects[e.index_of[pid]].cost for pid in funded) <= e.budget
    profile = e.profile
    cost = {project.id: project.cost for project in e.projects}
    ballots = [[e.projects[p].id for p in ballot] for ballot in profile.ballots]
    for size in range(1, len(cost) + 1):
        for common in {frozenset(ballot[:size]) for ballot in ballots if len(ballot) >= size}:
            coalition = sum(
                w for ballot, w in zip(ballots, profile.weights) if frozenset(ballot[:size]) == common
            )
            share = Fraction(coalition * e.budget, profile.num_voters)
            funded_cost = sum(cost[pid] for pid in common & funded)
            for missing in common - funded:
                assert funded_cost + cost[missing] > share, (common, missing, outcome.selected)


def test_a_zero_budget_built_in_code_funds_nothing():
    e = election(0, {"a": 50, "b": 50}, [["a", "b"], ["b", "a"]], vote_type="ordinal")
    outcome = compute("ear", e)
    assert (outcome.selected, outcome.spent) == ([], 0)
