"""The greedy family on small elections a council member could check by hand."""

from __future__ import annotations

import json

import pytest

from pbvote.tally import pabulib
from pbvote.tally.explain import explain
from pbvote.tally.model import jsonable
from pbvote.tally.rules import RuleError, compute, rule_for_meta

from .elections import make_election


def reasons(outcome) -> dict[str, str]:
    return {step.project: step.reason for step in outcome.steps}


# a: 3 votes, b: 2 votes, c: 1 vote.
SKIP_CASE = {"costs": {"a": 60, "b": 50, "c": 30}, "votes": ["a,b", "a,b", "a,c"], "budget": 100}


def test_greedy_skips_a_project_that_no_longer_fits_and_funds_a_cheaper_one():
    outcome = compute("greedy", make_election(**SKIP_CASE))
    assert outcome.selected == ["a", "c"]
    assert outcome.spent == 90
    assert reasons(outcome) == {"a": "fits", "b": "over-budget", "c": "fits"}
    assert [step.support for step in outcome.steps] == [3, 2, 1]


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit():
    outcome = compute("greedy-no-skip", make_election(**SKIP_CASE))
    assert outcome.selected == ["a"]
    assert reasons(outcome) == {"a": "fits", "b": "stop", "c": "stopped"}
    assert outcome.steps[2].details["stopped_at"] == "b"


def test_greedy_never_funds_a_project_dearer_than_the_whole_budget():
    election = make_election({"big": 500, "small": 10}, ["big", "big", "small"], budget=100)
    outcome = compute("greedy", election)
    assert outcome.selected == ["small"]
    assert outcome.steps[0].reason == "over-budget"


def test_greedy_threshold_sets_aside_projects_below_the_minimum_but_keeps_one_at_it():
    election = make_election(
        {"a": 10, "b": 10, "c": 10}, ["a,b,c", "a,b", "a"], budget=100, min_project_score_threshold="2"
    )
    outcome = compute("greedy-threshold", election)
    assert outcome.selected == ["a", "b"]
    assert reasons(outcome)["c"] == "below-threshold"
    assert outcome.params["threshold"] == 2
    # The parameter overrides META.
    assert compute("greedy-threshold", election, threshold="1").selected == ["a", "b", "c"]
    assert compute("greedy-threshold", election, threshold=4).selected == []


def test_greedy_threshold_without_a_meta_threshold_is_plain_greedy():
    election = make_election(**SKIP_CASE)
    assert compute("greedy-threshold", election).selected == compute("greedy", election).selected


def test_greedy_exclusive_passes_over_the_rivals_of_a_funded_project():
    election = make_election({"a": 10, "b": 10, "c": 10, "d": 10}, ["a,b,c,d", "a,b,c", "a,b"], budget=100)
    outcome = compute("greedy-exclusive", election, groups="b,a;c,d")
    assert outcome.selected == ["a", "c"]
    assert reasons(outcome) == {"a": "fits", "b": "excluded", "c": "fits", "d": "excluded"}
    assert outcome.steps[1].details["excluded_by"] == "a"
    assert outcome.params["groups"] == "b,a;c,d"


def test_greedy_exclusive_without_groups_behaves_as_greedy():
    election = make_election(**SKIP_CASE)
    assert compute("greedy-exclusive", election).selected == compute("greedy", election).selected


def test_an_exclusive_rival_that_was_too_dear_does_not_block_the_others():
    # a is over budget, so its group mate b is still free to be funded.
    election = make_election({"a": 200, "b": 10}, ["a,b", "a"], budget=100)
    assert compute("greedy-exclusive", election, groups="a,b").selected == ["b"]


@pytest.mark.parametrize(
    "groups, message",
    [("a,zz", "unknown project 'zz'"), ("a", "at least two"), ("a,a", "at least two")],
)
def test_bad_exclusive_groups_are_refused_with_a_reason(groups, message):
    with pytest.raises(RuleError, match=message):
        compute("greedy-exclusive", make_election(**SKIP_CASE), groups=groups)


def test_cumulative_ballots_are_ordered_by_points_not_by_votes():
    # b has more voters (2) but fewer points (2) than a (1 voter, 5 points).
    election = make_election(
        {"a": 60, "b": 60}, ["a", "b", "b"], budget=100, vote_type="cumulative", points=["5", "1", "1"]
    )
    outcome = compute("greedy", election)
    assert outcome.selected == ["a"]
    assert outcome.steps[0].support == 5
    assert outcome.steps[0].details == {
        "position": 1,
        "votes": 1,
        "remaining_before": 100,
        "points": 5,
        "remaining_after": 40,
    }
    assert compute("greedy", election, score="votes").selected == ["b"]


def test_ordinal_ballots_without_points_count_points_per_rank():
    # max_length 3: 3 points for a first choice, 2 for a second, 1 for a third (Kraków's count).
    # a: 3 + 3 + 3 = 9 (3 votes), b: 2 + 2 + 2 + 2 = 8 (4 votes), c: 1 + 3 = 4 (2 votes); a and b cost 60 each.
    election = make_election(
        {"a": 60, "b": 60, "c": 40},
        ["a,b", "a,b", "a,b,c", "c,b"],
        budget=100,
        vote_type="ordinal",
        max_length="3",
    )
    outcome = compute("greedy", election)
    assert outcome.selected == ["a", "c"]
    assert [(step.project, step.support) for step in outcome.steps] == [("a", 9), ("b", 8), ("c", 4)]
    assert outcome.params == {"score": "auto", "points_scheme": "auto"}
    assert compute("greedy", election, score="votes").selected == ["b", "c"]


def test_points_per_rank_follow_the_scheme_named():
    # Two ballots, max_length 3: "b,a" and "a". max-length: a 2 + 3 = 5, b 3; borda (3 projects: 2, 1, 0):
    # a 1 + 2 = 3, b 2. With "c,b,a" too, max-length: a 5 + 1 = 6, b 3 + 2 = 5, c 3; borda: a 3, b 3, c 2.
    election = make_election(
        {"a": 60, "b": 60, "c": 60}, ["b,a", "a", "c,b,a"], budget=60, vote_type="ordinal", max_length="3"
    )
    supports = {
        scheme: {s.project: s.support for s in compute("greedy", election, points_scheme=scheme).steps}
        for scheme in ("max-length", "borda")
    }
    assert supports == {"max-length": {"a": 6, "b": 5, "c": 3}, "borda": {"a": 3, "b": 3, "c": 2}}
    with pytest.raises(RuleError, match="needs ballots with points"):
        compute("greedy", election, points_scheme="file")


@pytest.mark.parametrize(
    "tie_breaking, expected",
    [("file-order", ["y"]), ("cost-asc", ["x"]), ("cost-desc", ["y"]), ("id", ["x"])],
)
def test_ties_follow_the_chosen_order_and_it_is_recorded(tie_breaking, expected):
    # y is listed first and dearer; both have one vote and only one fits.
    election = make_election({"y": 70, "x": 60}, ["y", "x"], budget=100)
    outcome = compute("greedy", election, tie_breaking=tie_breaking)
    assert outcome.selected == expected
    assert outcome.tie_breaking == tie_breaking


def test_an_unknown_tie_breaking_or_parameter_is_refused():
    election = make_election(**SKIP_CASE)
    with pytest.raises(RuleError, match="tie_breaking"):
        compute("greedy", election, tie_breaking="coin")
    with pytest.raises(RuleError, match="no parameter 'groups'"):
        compute("greedy", election, groups="a,b")


def test_the_outcome_is_json_and_explains_itself():
    election = make_election(**SKIP_CASE)
    outcome = compute("greedy-no-skip", election)
    data = json.loads(json.dumps(jsonable(outcome)))
    assert data["selected"] == ["a"]
    assert data["steps"][1]["reason"] == "stop"
    text = explain(outcome, election)
    lines = text.splitlines()
    assert lines[0] == "Rule: greedy-no-skip (score=auto)"
    assert lines[2].startswith("1. selected project a “Project a” (cost 60; support 3; 40 left)")
    assert "stopped at project b “Project b”: it costs more than the 40 left" in lines[3]
    assert "the tally had stopped at project b" in lines[4]
    assert lines[-2] == "Selected 1 project: a. Spent 60 of 100; 40 left unspent."
    assert lines[-1].startswith("Ties: file-order")


@pytest.mark.parametrize(
    "meta_rule, expected",
    [
        ("greedy", ("greedy", {})),
        ("greedy-no-skip", ("greedy-no-skip", {})),
        ("greedy-threshold", ("greedy-threshold", {})),
        ("greedy-exclusive", ("greedy-exclusive", {})),
        ("equalshares", ("mes", {"completion": "none", "comparison": "none"})),
        (
            "equalshares/add1",
            ("mes", {"completion": "add1", "comparison": "none", "add1_variant": "checker"}),
        ),
        (
            "equalshares/add1-comparison",
            (
                "mes",
                {
                    "completion": "add1",
                    "comparison": "greedy",
                    "comparison_measure": "count",
                    "add1_variant": "checker",
                },
            ),
        ),
        (
            "equalshares-comparison",
            ("mes", {"completion": "none", "comparison": "greedy", "comparison_measure": "count"}),
        ),
        ("equalshares/add1u", ("mes", {"completion": "add1u", "comparison": "none"})),
        ("unknown", None),
        ("greedy-custom", None),
    ],
)
def test_meta_rule_names_map_to_rules(meta_rule, expected):
    assert rule_for_meta({"rule": meta_rule}) == expected


def test_scoring_ballots_read_from_a_file_are_ordered_by_total_score():
    # Three voters score two projects 0–10: a totals 12, b totals 16; only one fits.
    election = make_election(
        {"a": 60, "b": 60},
        ["a,b", "a,b", "b"],
        budget=100,
        vote_type="scoring",
        points=["6,2", "6,4", "10"],
    )
    loaded = pabulib.loads(pabulib.dumps(election))
    assert loaded.profile.points == [(6, 2), (6, 4), (10,)]
    outcome = compute("greedy", loaded)
    assert outcome.selected == ["b"]
    assert [step.support for step in outcome.steps] == [16, 12]
