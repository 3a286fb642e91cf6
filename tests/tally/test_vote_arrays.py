"""Reading approval votes in bulk (:mod:`pbvote.tally.vote_arrays`) gives what the per-vote reader gives.

The reader hands a big section of plain approval votes to the NumPy reader (``pabulib.BULK_ROWS`` rows or more);
these tests lower that threshold so that small files take the bulk path, and compare with the usual path
(threshold out of reach): the same profile (ballots, weights, order of first cast), the same rule outcomes,
and, for anything the bulk reader declines, the same normalisation or the same error on the same line.
"""

from __future__ import annotations

import random

import pytest

from pbvote.tally import pabulib
from pbvote.tally.model import jsonable
from pbvote.tally.rules import compute
from tests.conftest import PABULIB_DIR as PABULIB

HEAD = """META
key;value
num_projects;{m}
budget;{budget}
vote_type;{vote_type}
{extra}PROJECTS
project_id;cost
{projects}
VOTES
{header}
"""


def election_text(rows: list[str], *, m: int = 5, header: str = "voter_id;vote", ids=None, extra: str = "",
                  vote_type: str = "approval") -> str:
    ids = ids or [str(k + 1) for k in range(m)]
    projects = "\n".join(f"{pid};{10 * (k + 1)}" for k, pid in enumerate(ids))
    head = HEAD.format(m=len(ids), budget=60, vote_type=vote_type, extra=extra, projects=projects, header=header)
    return head + "\n".join(rows) + "\n"


def both_ways(text: str, monkeypatch, **options):
    """(what the bulk path gives, what the per-vote path gives): an election, or the error's (line, reason)."""
    results = []
    for threshold in (1, 10**12):
        monkeypatch.setattr(pabulib, "BULK_ROWS", threshold)
        try:
            election = pabulib.loads(text, **options)
            results.append((election, election.profile.ballots, election.profile.weights, election.warnings))
        except pabulib.PabulibError as error:
            results.append((error.line, error.reason))
    return results


def test_a_plain_file_is_read_in_bulk_into_the_same_profile(monkeypatch):
    rows = ["1;3,1", "2;1,3", "3;2", "4;5,4,3,2,1", "5;3,1", "6;2", "7;1,2,3,4,5"]
    monkeypatch.setattr(pabulib, "BULK_ROWS", 1)
    bulk = pabulib.loads(election_text(rows))
    assert bulk.profile._arrays is not None  # the bulk path was taken
    assert bulk.profile.ballots == [(0, 2), (1,), (0, 1, 2, 3, 4)]
    assert bulk.profile.weights == [3, 2, 2]
    assert bulk.vote_rows == [row.split(";") for row in rows]
    monkeypatch.setattr(pabulib, "BULK_ROWS", 10**12)
    plain = pabulib.loads(election_text(rows))
    assert plain.profile._arrays is None
    assert bulk == plain and bulk.profile == plain.profile
    assert pabulib.dumps(bulk) == pabulib.dumps(plain) == election_text(rows)


@pytest.mark.parametrize(
    "rows, options",
    [
        (["1;1, 2", "2;2"], {}),  # a space: the usual reader strips it
        (["1;1,9", "2;2"], {}),  # an unknown project
        (["1;1,1,2", "2;2"], {}),  # a project listed twice: counted once, and said
        (["1;1,1,2", "2;2"], {"strict": True}),  # ... or refused
        (["1;1", "1;2"], {}),  # a repeated voter
        (["1;", "2;2"], {}),  # an empty vote
        (["1;1,,2", "2;2"], {}),  # an empty item
        (["1;1,2", "2;2;3"], {}),  # a row of the wrong width
        (["1;1,2", "2;2", ""], {}),  # an empty line at the end is tolerated
        (["1;1,2", "", "2;2"], {}),  # ... not inside the section
        (["voter-with-a-long-id;1,2", "2;2"], {}),  # an id longer than the bulk keys
        (["01;1", "1;1"], {}),  # ids are text: 01 and 1 are two voters
    ],
)
def test_what_the_bulk_reader_declines_is_read_as_before(monkeypatch, rows, options):
    bulk, plain = both_ways(election_text(rows), monkeypatch, **options)
    assert bulk == plain


@pytest.mark.parametrize("extra, reason", [("min_length;2\n", "fewer than min_length"),
                                           ("max_length;1\n", "more than max_length")])
def test_the_length_limits_are_checked_as_before(monkeypatch, extra, reason):
    bulk, plain = both_ways(election_text(["1;1,2", "2;3"], extra=extra), monkeypatch)
    assert bulk == plain and reason in plain[1]


def test_choose_one_ballots_and_other_columns(monkeypatch):
    rows = ["1;2;Ursynów;40", "2;2;Bielany;31", "3;1;Wola, Koło;22"]
    header = "voter_id;vote;neighborhood;age"
    assert both_ways(election_text(rows[:2], header=header, vote_type="choose-1"), monkeypatch)[0][1] == [(1,)]
    bulk, plain = both_ways(election_text(rows, header=header), monkeypatch)  # a comma in another column
    assert bulk == plain and plain[1] == [(1,), (0,)]
    bulk, plain = both_ways(election_text(["1;1,2;x", "2;3;y"], header=header[:-4], vote_type="choose-1"),
                            monkeypatch)
    assert bulk == plain and "more than max_length 1" in plain[1]


def test_project_ids_of_any_text(monkeypatch):
    ids = ["A", "b-2", "0", "10", "1000000", "Zofia"]
    rows = ["v1;A,b-2", "v2;0,10", "v3;1000000,Zofia,A", "v4;b-2,A", "v5;10,A"]
    bulk, plain = both_ways(election_text(rows, ids=ids), monkeypatch)
    assert bulk == plain and bulk[1] == [(0, 1), (2, 3), (0, 4, 5), (0, 3)]


def test_random_files_read_the_same_both_ways(monkeypatch):
    generator = random.Random(15)
    m = 140  # three 64-bit words of projects
    for _ in range(25):
        rows = []
        for voter in range(generator.randint(1, 300)):
            ballot = generator.sample(range(1, m + 1), generator.randint(1, 6))
            if generator.random() < 0.3:
                ballot = [generator.choice([1, 2, 3])]  # many equal ballots
            rows.append(f"{voter};{','.join(map(str, ballot))}")
        bulk, plain = both_ways(election_text(rows, m=m), monkeypatch)
        assert bulk == plain
        assert bulk[0].profile._arrays is not None
        for rule, params in (("greedy", {}), ("mes", {"completion": "add1u"}), ("phragmen", {})):
            assert jsonable(compute(rule, bulk[0], **params)) == jsonable(compute(rule, plain[0], **params))


@pytest.mark.parametrize("path", sorted(PABULIB.glob("*.pb")), ids=lambda path: path.stem)
def test_every_real_file_reads_the_same_both_ways(monkeypatch, path):
    text = path.read_text(encoding="utf-8-sig")
    bulk, plain = both_ways(text, monkeypatch)
    assert bulk == plain
