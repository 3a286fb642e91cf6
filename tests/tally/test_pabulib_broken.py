"""Malformed .pb files are refused with one error type that names the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbvote.tally import pabulib

BROKEN = Path(__file__).parent / "broken"

# file name (without .pb) → (1-based line, the reason given)
EXPECTED = {
    "bad_meta_header": (2, "META header must be 'key;value', found 'name;value'"),
    "bad_meta_line": (6, "expected 2 fields (key;value), found 1"),
    "choose_1_vote_with_two_projects": (16, "vote has 2 projects, more than max_length 1"),
    "cumulative_without_points_column": (7, "cumulative ballots need a 'points' column in VOTES"),
    "duplicate_meta_key": (7, "META key 'budget' appears twice"),
    "duplicate_project_id": (11, "duplicate project id '1'"),
    "duplicate_voter_id": (16, "duplicate voter id '1'"),
    "empty_file": (1, "the file is empty"),
    "empty_line_in_projects": (11, "empty line inside a section"),
    "exponent_budget": (6, "budget '1e3' is not a number"),
    "missing_budget": (1, "META has no 'budget'"),
    "missing_cost_column": (9, "PROJECTS header has no 'cost' column"),
    "missing_meta_section": (1, "section META is missing (found PROJECTS before it)"),
    "missing_projects_section": (8, "section PROJECTS is missing (found VOTES before it)"),
    "missing_vote_column": (14, "VOTES header has no 'vote' column"),
    "missing_votes_section": (13, "section VOTES is missing"),
    "negative_budget": (6, "budget must be positive, found '-100'"),
    "negative_cost": (10, "cost of project '1' must be positive, found '-60'"),
    "negative_points": (16, "points '-2,1' must be whole numbers of at least 0"),
    "non_numeric_budget": (6, "budget 'a lot' is not a number"),
    "non_numeric_cost": (10, "cost 'sixty' of project '1' is not a number"),
    "non_numeric_points": (17, "points 'three' must be whole numbers of at least 0"),
    "num_projects_disagrees": (4, "num_projects says 2 but the file has 3 projects"),
    "num_votes_disagrees": (5, "num_votes says 4 but the file has 3 votes"),
    "points_over_max_sum_points": (17, "points add up to 4, more than max_sum_points 3"),
    "points_vote_length_mismatch": (15, "vote lists 2 projects but 1 point"),
    "repeated_rank": (15, "vote ranks project '1' more than once"),
    "section_after_votes": (18, "section META appears after VOTES; VOTES must be the last section"),
    "unclosed_quote": (11, "a quoted field is never closed"),
    "unknown_project_in_vote": (16, "vote names unknown project '9'"),
    "unknown_vote_type": (
        7,
        "unknown vote_type 'plurality' (known: approval, ordinal, cumulative, scoring, choose-1)",
    ),
    "vote_over_max_length": (16, "vote has 2 projects, more than max_length 1"),
    "vote_under_min_length": (18, "vote has 1 project, fewer than min_length 2"),
    "wrong_column_count_in_projects": (12, "expected 3 fields (project_id;cost;name), found 2"),
    "wrong_column_count_in_votes": (16, "expected 2 fields in VOTES, found 3"),
    "zero_budget": (6, "budget must be positive, found '0'"),
    "zero_cost": (10, "cost of project '1' must be positive, found '0'"),
}


def test_every_broken_file_has_an_expectation_and_there_are_enough():
    assert sorted(path.stem for path in BROKEN.glob("*.pb")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_broken_file_is_refused_naming_its_line_and_reason(name: str):
    line, reason = EXPECTED[name]
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.load(BROKEN / f"{name}.pb")
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert str(caught.value) == f"line {line}: {reason}"
    assert isinstance(caught.value, ValueError)


def test_the_fault_is_the_only_fault_the_base_file_would_load():
    """Each broken file differs from a valid base; undoing the one fault of one of them makes it load."""
    text = (BROKEN / "duplicate_voter_id.pb").read_text(encoding="utf-8")
    fixed = text.replace("\n1;2,3\n", "\n2;2,3\n")
    assert pabulib.loads(fixed).num_voters == 3


def test_crlf_and_a_bom_do_not_change_the_line_numbers():
    text = (BROKEN / "unknown_project_in_vote.pb").read_text(encoding="utf-8")
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.loads("\ufeff" + text.replace("\n", "\r\n"))
    assert caught.value.line == 16


def test_a_quoted_field_spanning_lines_keeps_later_line_numbers_right():
    text = (BROKEN / "unknown_project_in_vote.pb").read_text(encoding="utf-8")
    text = text.replace("description;Broken-file corpus base", 'description;"two\nlines"')
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.loads(text)
    assert caught.value.line == 17


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path):
    path = tmp_path / "latin1.pb"
    text = (BROKEN / "duplicate_voter_id.pb").read_text(encoding="utf-8").replace("Trees", "Drzewa ł")
    path.write_bytes(text.encode("iso-8859-2"))
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.load(path)
    assert (caught.value.line, caught.value.reason) == (11, "the file is not UTF-8 text")
