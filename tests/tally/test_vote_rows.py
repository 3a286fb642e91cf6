"""The reader keeps the VOTES rows as the section's text (``VoteRows``) and reads its columns from one split.

- the rows are the file's text, counted without splitting, and read back as the same lists of fields;
- ``VoteRows`` compares equal to the same rows as a list (round trips, audit checks) and never to other rows;
- the writer copies the text, byte for byte what the csv module writes from the split rows;
- a quoted VOTES section, or a row of the wrong width, takes the record-by-record path (rows as lists, the
  fault named by its line).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pbvote.tally import pabulib
from pbvote.tally.model import VoteRows
from tests.conftest import PABULIB_DIR as PABULIB

HEAD = """META
key;value
budget;10
PROJECTS
project_id;cost
1;4
2;5
3;6
VOTES
"""


def test_the_rows_stay_the_sections_text_and_read_back_as_lists_of_fields():
    election = pabulib.loads(HEAD + "voter_id;age;vote\n1; 34 ;1,2\n2;;2\n3;61;\n\n")
    rows = election.vote_rows
    assert isinstance(rows, VoteRows)
    assert rows.text == "1; 34 ;1,2\n2;;2\n3;61;"
    assert len(rows) == 3 and election.num_voters == 3
    assert rows == [["1", " 34 ", "1,2"], ["2", "", "2"], ["3", "61", ""]]
    assert rows[1] == ["2", "", "2"] and rows[-2:] == [["2", "", "2"], ["3", "61", ""]]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert election.profile.ballots == [(0, 1), (1,), ()]


def test_vote_rows_equal_the_same_rows_only():
    rows = VoteRows("1;a\n2;b", 2)
    assert rows == [["1", "a"], ["2", "b"]] and [["1", "a"], ["2", "b"]] == rows
    assert rows != [["1", "a"], ["2", "c"]] and rows != [["1", "a"]]
    assert rows == VoteRows("1;a\n2;b", 2) and rows != VoteRows("1;a\n2;c", 2)
    assert rows != "1;a\n2;b"
    with pytest.raises(TypeError):
        hash(rows)


@pytest.mark.parametrize("path", sorted(PABULIB.glob("*.pb"))[:6], ids=lambda path: path.name)
def test_the_writer_copies_the_text_as_the_csv_module_writes_the_rows(path: Path):
    election = pabulib.load(path)
    assert isinstance(election.vote_rows, VoteRows)
    as_lists = dataclasses.replace(election, vote_rows=list(election.vote_rows))
    assert pabulib.dumps(election) == pabulib.dumps(as_lists)
    assert pabulib.loads(pabulib.dumps(election)) == election


def test_a_hand_made_file_with_spaces_and_empty_fields_is_written_back_unchanged():
    text = HEAD + "voter_id;age;vote\n1; 34 ;1,2\n2;;2\n3;61;\n"
    election = pabulib.loads(text)
    assert pabulib.dumps(election).endswith("VOTES\nvoter_id;age;vote\n1; 34 ;1,2\n2;;2\n3;61;\n")
    assert pabulib.dumps(election) == pabulib.dumps(
        dataclasses.replace(election, vote_rows=list(election.vote_rows))
    )


def test_a_quoted_votes_section_is_read_record_by_record():
    election = pabulib.loads(HEAD + 'voter_id;vote\n1;"1,2"\n2;"3"\n')
    assert election.vote_rows == [["1", "1,2"], ["2", "3"]]
    assert not isinstance(election.vote_rows, VoteRows)
    assert election.profile.ballots == [(0, 1), (2,)]


@pytest.mark.parametrize(
    "row, reason",
    [
        ("4;1;2", "expected 2 fields in VOTES, found 3"),
        ("4", "expected 2 fields in VOTES, found 1"),
        ("", "empty line inside a section"),
        ("META", "section META appears after VOTES; VOTES must be the last section"),
    ],
)
def test_a_row_of_the_wrong_width_is_named_by_its_line(row: str, reason: str):
    with pytest.raises(pabulib.PabulibError) as error:
        pabulib.loads(HEAD + f"voter_id;vote\n1;1\n2;2\n3;3\n{row}\n5;1\n")
    assert (error.value.line, error.value.reason) == (14, reason)
