"""The Method of Equal Shares: hand-computed examples, Assen's official result, add1's shortcut, the trace."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from pbvote.tally import pabulib
from pbvote.tally.model import Election, Profile, Project, jsonable
from pbvote.tally.rules import RuleError, compute
from pbvote.tally.rules import mes as mes_module
from pbvote.tally.rules.ties import tie_ranks
from tests.conftest import PABULIB_DIR as DATA


def election(
    budget: int,
    costs: dict[str, int],
    ballots: list[list[str]],
    vote_type: str = "approval",
    points: list[list[int]] | None = None,
) -> Election:
    """An election built by hand: one ballot per voter (not aggregated, to exercise the rules' merging)."""
    projects = [Project(pid, cost) for pid, cost in costs.items()]
    index = {pid: i for i, pid in enumerate(costs)}
    profile = Profile(
        [tuple(index[pid] for pid in ballot) for ballot in ballots],
        [1] * len(ballots),
        None if points is None else [tuple(p) for p in points],
    )
    meta = {"budget": str(budget), "vote_type": vote_type, "num_votes": str(len(ballots))}
    return Election(meta, projects, ["project_id", "cost"], ["voter_id", "vote"], [], _profile=profile)


def selects(steps):
    return [step for step in steps if step.action == "select"]


def test_cost_utility_buys_the_cheapest_per_effective_vote_first_and_skips_what_supporters_cannot_pay():
    # Four voters, budget 400: each holds 100.
    #   A (200) approved by v1 v2 v3: 200/3 each ≤ 100, so rho = (200/3)/200 = 1/3 (3 effective votes)
    #   B (150) approved by v4 alone: 150 > 100, unaffordable from the start
    #   C (100) approved by v1 v4:    50 each,            rho = 50/100 = 1/2
    # A is bought first; v1 v2 v3 keep 100/3. C next: an equal split (50) is more than v1's 100/3, so v1
    # pays all she has and v4 pays 100 - 100/3 = 200/3: rho = (200/3)/100 = 2/3. B stays unaffordable.
    e = election(400, {"A": 200, "B": 150, "C": 100}, [["A", "C"], ["A"], ["A"], ["B", "C"]])
    outcome = compute("mes", e)
    assert outcome.selected == ["A", "C"]
    assert outcome.spent == 300
    a, c = selects(outcome.steps)
    assert a.details["rho"] == Fraction(1, 3)
    assert a.details["price_per_voter"] == Fraction(200, 3)
    assert a.details["effective_votes"] == 3
    assert c.details["rho"] == Fraction(2, 3)
    assert c.details["price_per_voter"] == Fraction(200, 3)
    assert c.details["supporters_budget_before"] == Fraction(100, 3) + 100
    skipped = [step.project for step in outcome.steps if step.action == "skip"]
    assert skipped == ["B"]


def test_cardinality_utility_prices_per_supporter_and_so_prefers_the_cheap_project():
    # Same election, utility 1 per project: rho is the price per voter. C costs 50 each, A 200/3: C first.
    # Then A: v1 holds 50 < 200/3, pays 50; v2 and v3 pay (200 - 50)/2 = 75 ≤ 100: rho = 75.
    e = election(400, {"A": 200, "B": 150, "C": 100}, [["A", "C"], ["A"], ["A"], ["B", "C"]])
    outcome = compute("mes", e, utility="cardinality")
    assert outcome.selected == ["C", "A"]
    assert [step.details["rho"] for step in selects(outcome.steps)] == [50, 75]


def test_points_utility_makes_supporters_pay_in_proportion_to_their_points():
    # Two voters, budget 100 (50 each). X (60): v1 gives 2 points, v2 gives 1. Paying rho per point:
    # 2*rho + rho = 60 → rho = 20: v1 pays 40 ≤ 50, v2 pays 20 ≤ 50. Y (40) has only v2 (1 point) with 30 left.
    e = election(100, {"X": 60, "Y": 40}, [["X"], ["X", "Y"]], vote_type="cumulative", points=[[2], [1, 1]])
    outcome = compute("mes", e, utility="points")
    assert outcome.selected == ["X"]
    step = selects(outcome.steps)[0]
    assert step.details["rho"] == 20
    assert step.details["effective_points"] == 3
    assert [s.project for s in outcome.steps if s.action == "skip"] == ["Y"]


def test_ordinal_points_come_from_the_points_column_or_a_stated_borda_scheme():
    # Ranked ballots: P first for v1, Q first for v2. Borda over the longest ballot (2): 2 points for a first
    # place, 1 for a second.
    e = election(100, {"P": 50, "Q": 50}, [["P", "Q"], ["Q", "P"]], vote_type="ordinal")
    outcome = compute("mes", e, utility="points")
    assert sorted(outcome.selected) == ["P", "Q"]
    with pytest.raises(RuleError, match="points column"):
        compute("mes", e, utility="points", points_scheme="file")


def test_add1_raises_the_per_voter_budget_one_unit_at_a_time_until_the_money_is_used():
    # Budget 300, three voters: 100 each. Y (180) approved by v2 v3: 90 each, bought. X (120) approved by v1:
    # 100 < 120, skipped — 120 is left and X would fit, so the outcome is not exhaustive. add1 tries
    # 101, 102, … per voter; at 120 v1 affords X, the outcome {Y, X} costs 300 ≤ 300 and is exhaustive.
    e = election(300, {"X": 120, "Y": 180}, [["X"], ["Y"], ["Y"]])
    assert compute("mes", e).selected == ["Y"]
    outcome = compute("mes", e, completion="add1")
    assert sorted(outcome.selected) == ["X", "Y"]
    assert outcome.spent == 300
    tries = [step.details for step in outcome.steps if step.action == "budget"]
    assert tries[0]["per_voter_budget"] == 100
    # every per-voter budget from 100 to 119 gives {Y}: the trace says so without running each one
    assert tries[0]["same_outcome_up_to"] == 119
    assert tries[-1]["per_voter_budget"] == 120
    assert "exhaustive" in [step.reason for step in outcome.steps if step.action == "budget"][-1]


def test_add1_keeps_the_last_outcome_that_fits_when_the_next_overspends():
    # Budget 100, two voters (50 each). A (60) approved by both: 30 each. B (40) approved by v1 only and D (40)
    # by v2 only: after A each holds 20 < 40, so both are skipped while 40 is left (not exhaustive). Each
    # voter affords her project once her budget reaches 30 + 40 = 70 — both at once: 60 + 40 + 40 = 140 > 100.
    # So add1 keeps the outcome of per-voter budget 69: {A}.
    e = election(100, {"A": 60, "B": 40, "D": 40}, [["A", "B"], ["A", "D"]])
    outcome = compute("mes", e, completion="add1")
    assert outcome.selected == ["A"]
    tries = [step for step in outcome.steps if step.action == "budget"]
    assert [t.details["per_voter_budget"] for t in tries] == [50, 70]
    assert tries[0].details["same_outcome_up_to"] == 69
    assert tries[-1].reason.startswith("over budget")


def test_completions_fill_the_money_left_greedily_by_utility_per_cost():
    e = election(100, {"A": 60, "B": 50, "C": 40}, [["A", "B"], ["A"], ["C"]])
    plain = compute("mes", e)
    filled = compute("mes", e, completion="utilitarian")
    assert set(plain.selected) <= set(filled.selected)
    assert filled.spent <= 100
    assert compute("mes", e, completion="add1u").spent >= compute("mes", e, completion="add1").spent


def test_comparison_switches_to_greedy_only_when_more_voters_prefer_it():
    # Five voters, 20 each. Big (100) has 3 supporters holding 60: MES cannot buy it, and buys S1 and S2
    # (20 each, one supporter each). Greedy buys Big (3 votes) and nothing else fits. v1-v3 prefer greedy's
    # outcome (100 of utility against 0), v4 and v5 prefer MES's: 3 > 2, so greedy's outcome is taken.
    e = election(100, {"Big": 100, "S1": 20, "S2": 20}, [["Big"], ["Big"], ["Big"], ["S1"], ["S2"]])
    greedy = compute("greedy", e).selected
    assert greedy == ["Big"]
    mes = compute("mes", e)
    assert mes.selected == ["S1", "S2"]
    compared = compute("mes", e, comparison="greedy")
    step = next(s for s in compared.steps if s.action == "compare")
    assert step.details == {"prefer_equal_shares": 2, "prefer_greedy": 3, "greedy_selected": ["Big"]}
    assert compared.selected == ["Big"]


def test_assen_2024_official_equal_shares_add1_result_is_reproduced():
    e = pabulib.load(DATA / "Netherlands_Assen_2024.pb")
    official = {p.id for p in e.projects if p.fields.get("selected") == "1"}
    outcome = compute("mes", e, completion="add1")
    assert set(outcome.selected) == official
    assert outcome.spent == 76700
    tries = [step.details["per_voter_budget"] for step in outcome.steps if step.action == "budget"]
    assert tries[0] == 100000 // 84


def naive_add1(e: Election, utility: str, start: str, increment: int = 1) -> list[int]:
    """add1 by the book: run MES at every per-voter budget in turn (no shortcut)."""
    voters = mes_module.prepare(e, utility)
    engine = mes_module._Engine(voters, tie_ranks(e, "file-order"))
    n, budget = voters.num_voters, e.budget
    t = Fraction(budget // n) if start == "floor" else Fraction(budget, n)
    previous = None
    while True:
        selected = engine.run(t).selected
        spent = sum(voters.costs[p] for p in selected)
        if spent > budget:
            return previous
        left = budget - spent
        if not any(voters.costs[p] <= left for p in voters.candidates if p not in selected):
            return selected
        previous = selected
        t += increment


@pytest.mark.parametrize(
    "name, utility",
    [
        ("Netherlands_Assen_2024.pb", "cost"),
        ("Netherlands_Assen_2024.pb", "cardinality"),
        ("US_Stanford_Dataset_PB_Chicago_47th_Ward_2021_vote_knapsacks.pb", "cost"),
        ("Worldwide_Mechanical_Turk_Utilities_3.pb", "points"),
        ("Switzerland_Zurich_S5.pb", "cost"),
    ],
)
def test_add1_shortcut_gives_exactly_the_outcome_of_trying_every_per_voter_budget(name, utility):
    e = pabulib.load(DATA / name)
    expected = [e.projects[p].id for p in naive_add1(e, utility, "floor")]
    assert sorted(compute("mes", e, completion="add1", utility=utility).selected) == sorted(expected)


def test_trace_is_json_serialisable_and_names_projects_by_id():
    e = pabulib.load(DATA / "Netherlands_Assen_2024.pb")
    outcome = compute("mes", e, completion="add1u", comparison="greedy")
    text = json.dumps(jsonable(outcome))
    assert '"rho"' in text and '"per_voter_budget"' in text
    ids = {p.id for p in e.projects}
    assert all(step.project in ids for step in outcome.steps if step.project is not None)


def test_bad_parameters_are_refused_clearly():
    e = election(100, {"A": 60}, [["A"]])
    with pytest.raises(RuleError, match="completion"):
        compute("mes", e, completion="add2")
    with pytest.raises(RuleError, match="budget_increment"):
        compute("mes", e, completion="add1", budget_increment=0)


def test_a_price_computed_before_an_unrelated_purchase_still_charges_the_right_amount():
    # Four voters with 10 each plus v5 (10). X (10) is approved by v1 and v2 (1 point each): rho 5.
    # Y (18): v3 gives it 1 point, v4 5 points. At rho 3 v4 would pay 15 > 10, so she pays her 10 and v3 pays
    # the other 8: rho 8. Y's price is worked out before X is bought (its first estimate, 3, is lower), and X
    # shares no supporter with Y. After Y, v3 holds 10 - 8 = 2, so Z (17, v3 and v5) sees 2 + 10 = 12.
    e = election(
        50,
        {"X": 10, "Y": 18, "Z": 17},
        [["X"], ["X"], ["Y", "Z"], ["Y"], ["Z"]],
        vote_type="cumulative",
        points=[[1], [1], [1, 1], [5], [1]],
    )
    outcome = compute("mes", e, utility="points")
    assert outcome.selected == ["X", "Y"]
    assert [step.details["rho"] for step in selects(outcome.steps)] == [5, 8]
    skip = next(step for step in outcome.steps if step.action == "skip")
    assert skip.project == "Z"
    assert skip.details["supporters_budget"] == 12


def test_add1_trace_has_one_budget_step_per_stretch_of_equal_outcomes():
    # Every per-voter budget in a step's stretch funds what that step says; the next budget funds other projects.
    e = pabulib.load(DATA / "Netherlands_Assen_2024.pb")
    voters = mes_module.prepare(e, "cost")
    engine = mes_module._Engine(voters, tie_ranks(e, "file-order"))
    steps = [s.details for s in compute("mes", e, completion="add1").steps if s.action == "budget"]
    assert [(s["per_voter_budget"], s["same_outcome_up_to"]) for s in steps] == [
        (1190, 1312),
        (1313, 1718),
        (1719, 2033),
        (2034, 2034),
    ]
    for step in steps[:-1]:  # the last one is over budget: add1 stops there
        start, end = int(step["per_voter_budget"]), int(step["same_outcome_up_to"])
        outcomes = {frozenset(engine.run(Fraction(t)).selected) for t in range(start, end + 2)}
        assert len(outcomes) == 2  # one outcome over the stretch, another just after it
        assert {sum(voters.costs[p] for p in o) for o in outcomes} >= {step["spent"]}
