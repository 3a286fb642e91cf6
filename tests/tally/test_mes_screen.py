"""The proven float runs behind add1 (pbvote.tally.rules.mes_screen) against the exact engine.

A screened run either proves every decision it takes or gives up (None). What it proves must be what the exact
engine does: at its per-voter budget, at every budget of a range it was run over, and when seeded by a run at
a larger budget. Small elections with small numbers are full of exact ties, where the screen must give up.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbvote.tally import pabulib
from pbvote.tally.rules import compute
from pbvote.tally.rules import mes as mes_module
from pbvote.tally.rules.mes_screen import Screen
from pbvote.tally.rules.ties import tie_ranks
from tests.conftest import PABULIB_DIR as DATA
from tests.tally.test_fast_paths import approval_elections, points_elections
from tests.tally.test_mes import election as mes_election
from tests.tally.test_mes import naive_add1

ELECTIONS = st.one_of(
    st.tuples(approval_elections(), st.sampled_from(["cost", "cardinality"])),
    st.tuples(points_elections(), st.just("points")),
)


def engine_and_screen(election, utility: str):
    voters = mes_module.prepare(election, utility)
    engine = mes_module._Engine(voters, tie_ranks(election, "file-order"))
    return engine, Screen(engine)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ELECTIONS, st.integers(1, 60), st.integers(0, 8), st.sampled_from([1, 3, Fraction(1, 7)]))
def test_a_proven_range_gives_the_exact_outcome_at_every_budget_in_it(case, low, width, step):
    election, utility = case
    engine, screen = engine_and_screen(election, utility)
    low = Fraction(low) * step
    high = low + width * step
    run = screen.run(low, high)
    if run is not None:
        for k in range(width + 1):
            assert run.selected == engine.run(low + k * step).selected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ELECTIONS, st.lists(st.integers(1, 80), min_size=2, max_size=8, unique=True))
def test_runs_seeded_from_larger_budgets_give_the_exact_outcome(case, budgets):
    election, utility = case
    engine, screen = engine_and_screen(election, utility)
    seed = None
    for per_voter in sorted(budgets, reverse=True):
        run = screen.run(Fraction(per_voter), seed=seed)
        if run is not None:
            assert run.selected == engine.run(Fraction(per_voter)).selected
            seed = run


@pytest.mark.parametrize(
    "name, utility, budgets",
    [
        ("Netherlands_Assen_2024.pb", "cost", range(1190, 2040, 15)),
        ("Poland_Krakow_2021_Debniki.pb", "points", range(2000, 2600, 20)),
        ("Poland_Warszawa_2026_Mokotow.pb", "cost", range(400, 700, 10)),
        ("Worldwide_Mechanical_Turk_Utilities_3.pb", "points", range(6756, 9000, 100)),
    ],
)
def test_on_real_files_every_seeded_run_is_proven_and_exact(name, utility, budgets):
    election = pabulib.load(DATA / name)
    engine, screen = engine_and_screen(election, utility)
    seed = None
    for per_voter in reversed(budgets):
        run = screen.run(Fraction(per_voter), seed=seed)
        assert run is not None, per_voter  # real elections have no exact ties that need the exact engine
        assert run.selected == engine.run(Fraction(per_voter)).selected
        seed = run


@pytest.mark.parametrize(
    "name, utility, low, high",
    [
        ("Netherlands_Assen_2024.pb", "cost", 1190, 2040),
        ("Worldwide_Mechanical_Turk_Utilities_3.pb", "points", 6756, 9000),
    ],
)
def test_on_real_files_every_proven_range_is_exact(name, utility, low, high):
    # Thousands of overlapping ranges, of 2 to 32 budgets, each checked budget by budget against the exact
    # engine. (A screen whose error bound did not grow with each purchase proves a few wrong ranges here.)
    election = pabulib.load(DATA / name)
    engine, screen = engine_and_screen(election, utility)
    exact = {t: engine.run(Fraction(t)).selected for t in range(low, high + 32)}
    proven = 0
    for width in (1, 3, 7, 15, 31):
        for t in range(low, high, max(1, width // 2)):
            run = screen.run(Fraction(t), Fraction(t + width))
            if run is not None:
                proven += 1
                assert all(exact[b] == run.selected for b in range(t, t + width + 1)), (t, width)
    assert proven > 1000


def test_a_range_across_a_change_of_outcome_is_not_proven():
    # Assen's add1 outcome changes between per-voter budgets 2033 and 2034 (see test_mes): the 32 budgets up to
    # 2033 are proven in one run, and no run proves a range across the change
    election = pabulib.load(DATA / "Netherlands_Assen_2024.pb")
    engine, screen = engine_and_screen(election, "cost")
    before = engine.run(Fraction(2033)).selected
    assert engine.run(Fraction(2034)).selected != before
    assert screen.run(Fraction(2002), Fraction(2033)).selected == before
    for low, high in [(2002, 2034), (2030, 2037), (2033, 2034)]:
        assert screen.run(Fraction(low), Fraction(high)) is None


def test_exact_ties_are_left_to_the_exact_engine():
    # A and B cost the same and have two supporters each, who hold the same money: equal prices, which floats
    # cannot order. When every supporter pays in full, the prices are known exactly (cost / supporters), and
    # the tie-breaking order decides.
    election = mes_election(100, {"A": 30, "B": 30}, [["A"], ["A"], ["B"], ["B"]])
    engine, screen = engine_and_screen(election, "cost")
    assert screen.run(Fraction(25)).selected == engine.run(Fraction(25)).selected == [0, 1]
    # C (6) is bought first, 2 from each of its three supporters. With 15 each, B's two supporters hold exactly
    # its cost, 30; with 17 each, so do A's after paying for C: whether they can afford it is a question of
    # equality, and the screen gives up. Every other per-voter budget is proven.
    election = mes_election(100, {"A": 30, "B": 30, "C": 6}, [["A", "C"], ["A", "C"], ["B"], ["B"], ["C"]])
    engine, screen = engine_and_screen(election, "cost")
    undecided = []
    for per_voter in map(Fraction, range(10, 40)):
        run = screen.run(per_voter)
        if run is None:
            undecided.append(per_voter)
        else:
            assert run.selected == engine.run(per_voter).selected
    assert undecided == [15, 17]


def test_add1_without_any_proven_run_falls_back_to_the_exact_engine(monkeypatch):
    election = pabulib.load(DATA / "Netherlands_Assen_2024.pb")
    expected = {election.projects[p].id for p in naive_add1(election, "cost", "floor")}
    calls = []

    def give_up(self, low, high=None, seed=None):  # proves nothing: returns None
        calls.append((low, high))

    monkeypatch.setattr(Screen, "run", give_up)
    assert set(compute("mes", election, completion="add1").selected) == expected
    # the first budgets were asked of the screen, one by one, until it had failed _GIVE_UP in a row; the exact
    # engine decided those and the hundred-odd after them without asking it again
    singles = [low for low, high in calls if high is None]
    assert len(singles) == mes_module._GIVE_UP
    assert len(calls) < 10
