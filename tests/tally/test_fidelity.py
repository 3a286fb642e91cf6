"""The classes of real pabulib files pbvote once refused or counted differently, each shown by a small file of
our own in ``fidelity/`` (docs/pabulib-differences.md lists the real files of each class):

- a decimal budget (Kraków 2023 districts, several Warsaw districts) and decimal costs, read exactly;
- approval ballots listing a project twice (Warsaw 2026 districts), counted once with a warning, or refused
  with ``--strict``;
- greedy on ranked ballots without a points column, ordered by points per rank; a published ``score``
  column checked against the ballots;
- the pabulib checker's add1 (``equalshares/add1``), and the comparison step counting funded projects
  (``equalshares-comparison``);
- ``--check-official`` saying which documented variant reproduces an official selection.

Where the pabulib checker (the package pabulib.org validates files with) computes the same rule, it
accepts these files as they are (``test_the_checker_agrees_with_the_files_official_selections``).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbvote.tally import pabulib
from pbvote.tally.cli import tally_command
from pbvote.tally.model import Election, Project, money_text, parse_money
from pbvote.tally.rules import compute, rule_for_meta
from pbvote.tally.rules.greedy import published_differences
from tests.conftest import PABULIB_DIR as PABULIB

from .elections import make_election
from .test_pabulib_checker import checker_errors

FIDELITY = Path(__file__).parent / "fidelity"
FILES = sorted(FIDELITY.glob("*.pb"))


def load(name: str, **options) -> Election:
    return pabulib.load(FIDELITY / f"{name}.pb", **options)


def run(*args: str):
    return CliRunner().invoke(tally_command, [str(arg) for arg in args])


def meta_outcome(election: Election) -> list[str]:
    rule_id, params = rule_for_meta(election.meta)
    return compute(rule_id, election, **params).selected


def official(election: Election) -> set[str]:
    return {project.id for project in election.projects if project.fields["selected"] == "1"}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_file_is_written_back_exactly_as_given(path: Path):
    """Values stay as written: ``100.75``, ``100.00``, ``33.34``, a ballot ``2,3,2``."""
    assert pabulib.dumps(pabulib.load(path)) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text, value",
    [
        ("100", 100),
        ("100.0", 100),
        (" 100.00 ", 100),
        ("2458488.22", Fraction(245848822, 100)),
        ("0.01", Fraction(1, 100)),
        ("-3.5", Fraction(-7, 2)),
        ("12.", 12),
        ("1e3", None),
        (".5", None),
        ("12,5", None),
        ("", None),
    ],
)
def test_money_is_read_exactly_in_plain_decimal_notation(text: str, value):
    assert parse_money(text) == value
    assert value is None or isinstance(parse_money(text), int) == (Fraction(value).denominator == 1)


def test_money_is_written_as_exact_decimal_text():
    assert [money_text(v) for v in (100, Fraction(245848822, 100), Fraction(1, 8), Fraction(-1, 20))] == [
        "100",
        "2458488.22",
        "0.125",
        "-0.05",
    ]
    assert money_text(Fraction(1, 3)) == "1/3"  # no decimal form: exact all the same


def test_a_decimal_budget_is_exact_so_no_rounding_funds_the_last_project():
    # budget 100.75: benches (60) and trees (40) leave 0.75, less than the lamps' 1 (rounding up to 101
    # would fund them)
    election = load("decimal_budget")
    assert election.budget == Fraction(10075, 100)
    outcome = compute("greedy", election)
    assert outcome.selected == ["1", "2"]
    assert outcome.spent == 100
    assert outcome.budget - outcome.spent == Fraction(3, 4)
    assert set(meta_outcome(election)) == official(election)


def test_mes_takes_the_exact_budget_per_voter_and_add1_starts_at_its_floor():
    election = load("decimal_budget")
    step = next(s for s in compute("mes", election).steps if s.action == "select")
    assert step.details["supporters_budget_before"] == 4 * Fraction(10075, 400)  # 4 voters, 100.75 / 4 each
    steps = compute("mes", election, completion="add1").steps
    budgets = [s.details["per_voter_budget"] for s in steps if s.action == "budget"]
    assert budgets[0] == 25  # floor(100.75 / 4), in whole currency units


def test_decimal_costs_fit_the_budget_to_the_cent():
    election = load("decimal_costs")
    assert [project.cost for project in election.projects] == [
        Fraction(3334, 100),
        Fraction(3333, 100),
        Fraction(3333, 100),
        Fraction(1, 100),
    ]
    outcome = compute("greedy", election)
    assert outcome.selected == ["1", "2", "3"]
    assert outcome.spent == 100


def test_mes_on_decimal_costs_equals_mes_on_the_same_costs_in_cents_with_the_trace_in_currency_units():
    election = load("decimal_costs")
    in_cents = make_election(
        {project.id: int(project.cost * 100) for project in election.projects},
        [row[1] for row in election.vote_rows],
        budget=10000,
    )
    for completion in ("none", "add1u", "utilitarian"):
        decimal = compute("mes", election, completion=completion, utility="cardinality")
        cents = compute("mes", in_cents, completion=completion, utility="cardinality")
        assert decimal.selected == cents.selected
        assert decimal.spent * 100 == cents.spent
    outcome = compute("mes", election)
    first = next(s for s in outcome.steps if s.action == "select")
    assert first.cost == Fraction(3334, 100)
    assert first.details["price_per_voter"] == Fraction(3334, 300)
    assert first.details["supporters_budget_before"] == 100
    assert outcome.spent == Fraction(6668, 100)


def test_a_project_built_in_code_with_a_decimal_cost_is_written_as_decimal_text():
    election = make_election({"a": 1}, ["a"], budget=10)
    election.projects[0] = Project("a", Fraction(3334, 100), "A")
    election.projects[0].fields.clear()
    assert "\na;33.34;A\n" in pabulib.dumps(election)


def test_a_ballot_listing_a_project_twice_counts_it_once_and_the_lines_are_named():
    election = load("repeated_project")
    assert election.normalised_lines == (22, 25)
    assert election.warnings == ["2 ballots list a project more than once (lines 22, 25): counted once"]
    # trees (2) are approved by voters 1, 2, 4 and 5: 4 votes, as the file's votes column says
    votes = compute("greedy", election).steps[0]
    assert (votes.project, votes.support) == ("2", 4)
    assert [] == published_differences(election)
    assert set(meta_outcome(election)) == official(election)
    assert election.vote_rows[1] == ["2", "2,3,2"]  # the ballot itself is kept as cast


def test_strict_reading_refuses_a_ballot_listing_a_project_twice():
    with pytest.raises(pabulib.PabulibError) as caught:
        load("repeated_project", strict=True)
    assert (caught.value.line, caught.value.reason) == (22, "vote lists project '2' more than once")


def test_a_ranking_naming_a_project_twice_is_still_refused():
    text = (FIDELITY / "ranked_points_per_rank.pb").read_text().replace("4;c,b\n", "4;c,b,c\n")
    with pytest.raises(pabulib.PabulibError, match="line 25: vote ranks project 'c' more than once"):
        pabulib.loads(text)


def test_the_cli_warns_on_stderr_and_strict_exits_2():
    result = run(FIDELITY / "repeated_project.pb", "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: 2 ballots list a project more than once (lines 22, 25)")
    assert json.loads(result.stdout)["warnings"] == load("repeated_project").warnings
    strict = run(FIDELITY / "repeated_project.pb", "--strict")
    assert strict.exit_code == 2
    assert "line 22: vote lists project '2' more than once" in strict.stderr


def test_greedy_on_ranked_ballots_counts_points_per_rank_and_reproduces_the_official_result():
    election = load("ranked_points_per_rank")
    outcome = compute("greedy", election)
    assert [(step.project, step.support) for step in outcome.steps] == [("a", 9), ("b", 8), ("c", 4)]
    assert outcome.selected == ["a", "c"] == meta_outcome(election)
    assert set(outcome.selected) == official(election)
    assert compute("greedy", election, score="votes").selected == ["b", "c"]
    assert compute("greedy", election, score="file").selected == ["a", "c"]
    assert published_differences(election) == []


def test_the_checker_counts_a_ranked_ballot_by_its_own_length():
    # ballot-length: "a,b" gives a 2, b 1; "a,b,c" 3, 2, 1; "c,b" c 2, b 1 → a 7, b 5, c 3
    election = load("ranked_points_per_rank")
    steps = compute("greedy", election, points_scheme="ballot-length").steps
    assert {step.project: step.support for step in steps} == {"a": 7, "b": 5, "c": 3}


def test_published_scores_that_differ_from_the_ballots_are_reported():
    election = load("score_column_differs")
    assert published_differences(election) == [("b", "score", 7, 8)]
    result = run(FIDELITY / "score_column_differs.pb", "--check-official")
    assert result.exit_code == 0  # the selection itself is the META rule's
    assert (
        "Note: the file's published counts differ from its ballots (project b: score 7 published, 8 from"
        in (result.stderr)
    )


def test_the_checkers_add1_goes_past_the_first_exhaustive_outcome():
    # per-voter budget floor(98/4) = 24: project 1 alone (48) is exhaustive, and pabutools' add1 stops there;
    # the checker starts at 98/4 = 24.5 (project 3), keeps 25 … 36 (project 3, fits) and stops at 37 (121 > 98)
    election = load("add1_checker")
    assert compute("mes", election, completion="add1", add1_variant="pabutools").selected == ["1"]
    checker = compute("mes", election, completion="add1", add1_variant="checker")
    assert checker.selected == ["3"]
    budgets = [
        (s.details["per_voter_budget"], s.details["same_outcome_up_to"], s.reason)
        for s in checker.steps
        if s.action == "budget"
    ]
    assert budgets == [
        (Fraction(49, 2), Fraction(49, 2), "exactly B/n: fits"),
        (25, 36, "fits: try more"),
        (37, 37, "over budget: keep the previous per-voter budget"),
    ]
    assert rule_for_meta(election.meta)[1]["add1_variant"] == "checker"
    assert set(meta_outcome(election)) == official(election)


def test_the_checkers_add1_stops_once_every_supported_project_is_funded():
    # two cheap projects both voters want: funded at floor(B/n) + 1 already; the checker would loop for ever
    election = make_election({"a": 1, "b": 1, "c": 5}, ["a,b", "a,b"], budget=100)
    outcome = compute("mes", election, completion="add1", add1_variant="checker")
    assert outcome.selected == ["a", "b"]


def test_the_comparison_counts_funded_projects_in_the_smallest_case_of_the_issue():
    # budget 6; projects 1:6, 2:1, 3:2; ballots {1,3}, {1}, {2}. Equal shares funds 2 and 3, greedy 1.
    # Counting projects: voter 1 gets one either way, voter 2 prefers greedy, voter 3 equal shares: 1 to 1,
    # equal shares stands. Counting cost: voters 1 and 2 prefer greedy's 6: greedy wins.
    election = load("comparison_count")
    assert compute("mes", election, comparison="greedy", comparison_measure="count").selected == ["2", "3"]
    assert compute("mes", election, comparison="greedy", comparison_measure="cost").selected == ["1"]
    assert compute("mes", election, comparison="greedy").selected == ["1"]  # cost utility: as cost
    step = next(
        s for s in compute("mes", election, **rule_for_meta(election.meta)[1]).steps if s.action == "compare"
    )
    assert (step.details["prefer_equal_shares"], step.details["prefer_greedy"]) == (1, 1)
    assert meta_outcome(election) == ["2", "3"]


@pytest.mark.parametrize("name", ["add1_checker", "comparison_count", "decimal_budget"])
def test_the_checker_agrees_with_the_files_official_selections(name: str):
    """The pabulib checker recomputes greedy and equal shares itself: it finds nothing to say of these files."""
    assert checker_errors((FIDELITY / f"{name}.pb").read_text(encoding="utf-8")) == {}


def test_check_official_names_the_variant_that_reproduces_a_selection():
    result = run(FIDELITY / "ranked_counted_by_votes.pb", "--check-official", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)["official"]
    assert (data["matches"], data["missing"], data["extra"]) == (False, ["b"], ["a"])
    assert data["reproduced_by"] == ["greedy score=votes"]
    assert data["variants_tried"] >= 10
    assert "Reproduced by 1 of" in result.stderr and "  greedy score=votes" in result.stderr


def test_check_official_exits_1_for_a_match_under_other_parameters_and_points_to_the_meta_rule():
    result = run(FIDELITY / "add1_checker.pb", "--check-official", "--param", "add1_variant=pabutools")
    assert result.exit_code == 1
    assert "mes (the file's META rule as it stands)" in result.stderr
    matched = run(FIDELITY / "ranked_counted_by_votes.pb", "--check-official", "--param", "score=votes")
    assert matched.exit_code == 1
    assert "Matches the official result" in matched.stderr
    assert "not the file's META rule 'greedy'" in matched.stderr


def test_check_official_says_when_no_variant_reproduces_a_selection(tmp_path: Path):
    # lamps marked selected as well: 101 of 100.75, which no variant of greedy can reproduce
    text = (FIDELITY / "decimal_budget.pb").read_text().replace("3;1;2;Lamps;0", "3;1;2;Lamps;1")
    path = tmp_path / "impossible.pb"
    path.write_text(text)
    result = run(path, "--check-official", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["official"]["reproduced_by"] == []
    assert "None of" in result.stderr and "documented variants of 'greedy' reproduces it" in result.stderr


def test_check_official_points_to_exclusive_projects_the_comment_describes():
    result = run(PABULIB / "Poland_Warszawa_2022_Bemowo.pb", "--check-official")
    assert result.exit_code == 1
    assert "comment mentions conflicting or mutually exclusive projects" in result.stderr
    assert "projects 773 and 153 both targeted the area" in result.stderr
    grouped = run(PABULIB / "Poland_Warszawa_2022_Bemowo.pb", "--check-official", "--param", "groups=773,153")
    assert grouped.exit_code == 0
    assert "comment mentions" not in grouped.stderr


def test_check_official_exits_2_for_an_unreadable_file(tmp_path: Path):
    path = tmp_path / "latin1.pb"
    path.write_bytes((FIDELITY / "decimal_budget.pb").read_bytes().replace(b"Lamps", b"L\xe4mps"))
    result = run(path, "--check-official")
    assert result.exit_code == 2
    assert "the file is not UTF-8 text" in result.stderr
