"""Sequential Phragmén: hand-computed loads, ties, the budget stop, and who it applies to."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pbvote.tally.rules import RuleError, compute
from tests.tally.test_mes import election


def test_loads_ties_and_the_stop_when_the_next_project_does_not_fit():
    # Budget 3. p1 (1) approved by v1 v2; p2 (1) by v3; p3 (2) by v1 v2 v3; p4 (1) by v1.
    # Round 1 — new max load if bought: p1 (0+1)/2 = 1/2, p2 1/1 = 1, p3 2/3, p4 1: buy p1; v1, v2 carry 1/2.
    # Round 2 — p2 (0+1)/1 = 1, p3 (1/2+1/2+0+2)/3 = 1, p4 (1/2+1)/1 = 3/2: p2 and p3 tie at 1; p2 comes
    #   first in file order: buy p2; v3 carries 1. Spent 2.
    # Round 3 — p3 (1/2+1/2+1+2)/3 = 4/3 beats p4 (3/2), but 2 + 2 > 3: the rule stops.
    e = election(3, {"p1": 1, "p2": 1, "p3": 2, "p4": 1}, [["p1", "p3", "p4"], ["p1", "p3"], ["p2", "p3"]])
    outcome = compute("phragmen", e)
    assert outcome.selected == ["p1", "p2"]
    loads = [step.details["load"] for step in outcome.steps if step.action == "select"]
    assert loads == [Fraction(1, 2), 1]
    stop = outcome.steps[-1]
    assert (stop.action, stop.project, stop.details["load"]) == ("stop", "p3", Fraction(4, 3))
    # overrun=skip passes over p3 and buys p4 (load 3/2), which fits exactly
    assert compute("phragmen", e, overrun="skip").selected == ["p1", "p2", "p4"]


def test_tie_breaking_order_decides_equal_loads():
    e = election(1, {"b": 1, "a": 1}, [["a"], ["b"]])
    assert compute("phragmen", e).selected == ["b"]
    assert compute("phragmen", e, tie_breaking="id-text").selected == ["a"]


def test_unapproved_and_too_dear_projects_are_never_funded():
    e = election(10, {"x": 11, "y": 5, "z": 1}, [["x", "y"], ["y"]])
    outcome = compute("phragmen", e)
    assert outcome.selected == ["y"]
    reasons = {step.project: step.reason for step in outcome.steps if step.action == "skip"}
    assert reasons == {"x": "it costs more than the whole budget", "z": "nobody approved it"}


def test_only_for_approval_ballots():
    e = election(10, {"x": 1}, [["x"]], vote_type="ordinal")
    with pytest.raises(RuleError, match="does not apply to ordinal"):
        compute("phragmen", e)
