"""The plain-language trace reads well for any rule's steps, not only the greedy family's."""

from __future__ import annotations

import gettext
from fractions import Fraction

import pytest

from pbvote.tally.explain import (
    REASON_WORDS,
    describe_rule,
    explain,
    number,
    reason_in_words,
    use_translations,
)
from pbvote.tally.model import Outcome, Step
from pbvote.tally.rules import compute

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


# i18n-voting (issue 14 item 1): explanations are translatable without Flask.


class _Marked(gettext.NullTranslations):
    """A stand-in catalogue that marks every message it translates (placeholders untouched)."""

    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return f"«{singular if n == 1 else plural}»"


def test_an_installed_translator_says_rules_and_steps_and_english_comes_back():
    use_translations(_Marked)
    try:
        assert describe_rule("mes", {"completion": "add1", "budget_increment": 5}) == (
            "«Method of Equal Shares», «completed by raising each voter's budget «5 units» at a time» (mes, add1)")
        outcome = Outcome("greedy", {}, ["a"], 10, 4, "file-order", [Step("select", "a", 4, 3, "fits")])
        assert "«Selected 1 project: a.» «Spent 4 of 10; 6 left unspent.»" in explain(outcome)
        assert reason_in_words("nobody approved it") == "«nobody approved it»"
        assert reason_in_words("a reason no table knows") == "a reason no table knows"
    finally:
        use_translations(gettext.NullTranslations)
    assert describe_rule("mes", {"completion": "add1"}) == (
        "Method of Equal Shares, completed by raising each voter's budget one unit at a time (mes, add1)")


@pytest.mark.parametrize("rule, params", [
    ("greedy", {}), ("mes", {}), ("mes", {"completion": "add1"}), ("mes", {"completion": "add1u"}),
    ("mes", {"comparison": "greedy"}), ("phragmen", {}), ("phragmen", {"overrun": "skip"}),
])
def test_every_reason_the_rules_give_has_words(rule, params):
    election = make_election({"a": 60, "b": 50, "c": 30, "d": 0, "e": 500}, ["a,b", "a,c", "b", "c,d", "a"],
                             budget=100)
    reasons = {step.reason for step in compute(rule, election, **params).steps if step.reason}
    assert reasons and reasons <= set(REASON_WORDS)
