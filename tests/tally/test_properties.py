"""Properties every tally must have, checked by Hypothesis on random small elections.

- no rule ever spends more than the budget;
- shuffling the ballots (and so the voter ids) never changes an outcome;
- MES with add1 spends at least as much as plain MES;
- greedy is monotone: one more supporter for a funded project keeps it funded;
- add1's shortcut (skipping per-voter budgets proved to give the same outcome) equals trying each one, with
  approval and with points ballots.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbvote.tally.model import Election, Profile, Project
from pbvote.tally.rules import compute
from tests.tally.test_mes import naive_add1

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, vote_type: str = "approval"):
    """A random election: 1–6 projects, 1–12 voters, approval sets / rankings / cumulative points."""
    m = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(1, 60), min_size=m, max_size=m))
    budget = draw(st.integers(1, 150))
    n = draw(st.integers(1, 12))
    ballots, points = [], []
    for _ in range(n):
        if vote_type == "ordinal":
            ballot = draw(st.permutations(range(m)))[: draw(st.integers(1, m))]
        else:
            ballot = sorted(draw(st.sets(st.integers(0, m - 1), min_size=1, max_size=m)))
        ballots.append(tuple(ballot))
        points.append(tuple(draw(st.integers(1, 5)) for _ in ballot))
    return build(budget, costs, ballots, points if vote_type == "cumulative" else None, vote_type)


def build(budget, costs, ballots, points, vote_type, ids=None) -> Election:
    ids = ids or [f"p{i}" for i in range(len(costs))]
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs)]
    meta = {"budget": str(budget), "vote_type": vote_type}
    profile = Profile(list(ballots), [1] * len(ballots), points)
    return Election(meta, projects, ["project_id", "cost"], ["voter_id", "vote"], [], _profile=profile)


def shuffled(election: Election, order: list[int]) -> Election:
    profile = election.profile
    ballots = [profile.ballots[i] for i in order]
    points = None if profile.points is None else [profile.points[i] for i in order]
    costs = [p.cost for p in election.projects]
    return build(
        election.budget, costs, ballots, points, election.vote_type, [p.id for p in election.projects]
    )


APPROVAL_RULES = [
    ("greedy", {}),
    ("phragmen", {}),
    ("mes", {}),
    ("mes", {"utility": "cardinality", "completion": "add1"}),
    ("mes", {"completion": "add1u"}),
    ("mes", {"completion": "utilitarian", "comparison": "greedy"}),
]


@SETTINGS
@given(elections(), st.randoms())
def test_approval_rules_stay_within_budget_and_ignore_ballot_order(election, random):
    order = list(range(len(election.profile.ballots)))
    random.shuffle(order)
    other = shuffled(election, order)
    for rule, params in APPROVAL_RULES:
        outcome = compute(rule, election, **params)
        assert outcome.spent <= election.budget
        assert outcome.spent == sum(p.cost for p in election.projects if p.id in outcome.selected)
        assert compute(rule, other, **params).selected == outcome.selected


@SETTINGS
@given(elections("ordinal"), st.randoms())
def test_ranked_rules_stay_within_budget_and_ignore_ballot_order(election, random):
    order = list(range(len(election.profile.ballots)))
    random.shuffle(order)
    other = shuffled(election, order)
    for rule, params in [("ear", {}), ("mes", {"utility": "points", "completion": "add1"}), ("greedy", {})]:
        outcome = compute(rule, election, **params)
        assert outcome.spent <= election.budget
        assert compute(rule, other, **params).selected == outcome.selected


@SETTINGS
@given(elections("cumulative"))
def test_points_rules_stay_within_budget(election):
    for params in ({"utility": "points"}, {"utility": "points", "completion": "add1u"}):
        assert compute("mes", election, **params).spent <= election.budget


@SETTINGS
@given(elections())
def test_add1_spends_at_least_as_much_as_plain_mes(election):
    plain = compute("mes", election)
    assert compute("mes", election, completion="add1", budget_start="exact").spent >= plain.spent


@SETTINGS
@given(elections())
def test_add1_shortcut_equals_trying_every_per_voter_budget(election):
    expected = {election.projects[p].id for p in naive_add1(election, "cost", "floor")}
    assert set(compute("mes", election, completion="add1").selected) == expected


@SETTINGS
@given(elections("cumulative"))
def test_add1_shortcut_equals_trying_every_per_voter_budget_with_points(election):
    expected = {election.projects[p].id for p in naive_add1(election, "points", "exact")}
    outcome = compute("mes", election, utility="points", completion="add1", budget_start="exact")
    assert set(outcome.selected) == expected


@SETTINGS
@given(elections(), st.data())
def test_greedy_keeps_a_funded_project_when_it_gains_a_supporter(election, data):
    outcome = compute("greedy", election)
    if not outcome.selected:
        return
    funded = data.draw(st.sampled_from(outcome.selected))
    index = [p.id for p in election.projects].index(funded)
    costs = [p.cost for p in election.projects]
    more = build(election.budget, costs, [*election.profile.ballots, (index,)], None, "approval")
    assert funded in compute("greedy", more).selected
