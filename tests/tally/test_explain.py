"""The plain-language trace reads well for any rule's steps, not only the greedy family's."""

from __future__ import annotations

from fractions import Fraction

from pbvote.tally.explain import explain, number
from pbvote.tally.model import Outcome, Step

from .elections import make_election


def test_numbers_are_written_for_people():
    assert number(1234567) == "1,234,567"
    assert number(Fraction(10, 1)) == "10"
    assert number(Fraction(10, 3)) == "3.33 (10/3)"
    assert number(Fraction(1, 7919)) == "≈0.00"
    assert number([1000, 2000]) == "1,000, 2,000"
    assert number(True) == "yes"


def test_steps_of_other_rules_render_their_details_generically():
    election = make_election({"a": 60, "b": 50}, ["a", "b"], budget=100)
    outcome = Outcome(
        rule="mes",
        params={"utility": "cost", "completion": "add1"},
        selected=["a"],
        budget=100,
        spent=60,
        tie_breaking="cost-asc",
        steps=[
            Step("budget", reason="per-voter budget tried", details={"per_voter_budget": 51, "fits": True}),
            Step(
                "select",
                "a",
                60,
                Fraction(1, 1),
                "cheapest per effective vote",
                {"price_per_voter": Fraction(60, 7), "effective_votes": Fraction(7, 2)},
            ),
            Step("skip", "b", 50, None, "its supporters cannot pay"),
        ],
    )
    lines = explain(outcome, election).splitlines()
    assert lines[0] == "Rule: mes (utility=cost, completion=add1)"
    assert lines[1] == "Budget: 100"
    assert lines[2] == "1. budget: per-voter budget tried (per voter budget 51; fits yes)"
    assert lines[3] == (
        "2. selected project a “Project a”: cheapest per effective vote "
        "(cost 60; support 1; price per voter 8.57 (60/7); effective votes 3.50 (7/2))"
    )
    assert lines[4] == "3. skipped project b “Project b”: its supporters cannot pay (cost 50)"
    assert lines[5] == "Selected 1 project: a. Spent 60 of 100; 40 left unspent."
    assert lines[6] == "Ties: cost-asc (equal candidates cheaper first, then in list order)."


def test_without_the_election_projects_are_named_by_id():
    outcome = Outcome(
        "greedy",
        {},
        [],
        10,
        0,
        "file-order",
        [Step("skip", "x", 20, 3, "over-budget", {"remaining_before": 10})],
    )
    assert "1. skipped project x: it costs more than the 10 left (cost 20; support 3)" in explain(outcome)
