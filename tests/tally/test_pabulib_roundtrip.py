"""Reading and writing real pabulib files: everything survives a round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbvote.tally import pabulib
from pbvote.tally.model import Election, Project
from tests.conftest import PABULIB_DIR as PABULIB

REAL_FILES = sorted(PABULIB.glob("*.pb"))


def assert_same_election(left: Election, right: Election) -> None:
    assert list(left.meta.items()) == list(right.meta.items())
    assert left.projects == right.projects
    assert [project.fields for project in left.projects] == [project.fields for project in right.projects]
    assert left.project_columns == right.project_columns
    assert left.vote_columns == right.vote_columns
    assert left.vote_rows == right.vote_rows


def test_the_real_files_are_there():
    assert len(REAL_FILES) >= 20


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.stem)
def test_a_real_file_survives_a_round_trip(path: Path):
    election = pabulib.load(path)
    again = pabulib.loads(pabulib.dumps(election))
    assert_same_election(election, again)
    # The count of votes and projects the file declares is what we read.
    assert len(election.vote_rows) == int(election.meta["num_votes"])
    assert len(election.projects) == int(election.meta["num_projects"])


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.stem)
def test_the_profile_counts_every_voter_once(path: Path):
    election = pabulib.load(path)
    profile = election.profile
    assert profile.num_voters == len(election.vote_rows)
    assert len(set(zip(profile.ballots, profile.points or [None] * len(profile.ballots)))) == len(
        profile.ballots
    )
    if election.vote_type in ("cumulative", "scoring"):
        assert profile.points is not None
    # Every project's approval count from the profile matches the file's own `votes` column where given.
    if "votes" in election.project_columns:
        counts = [0] * len(election.projects)
        for ballot, weight in zip(profile.ballots, profile.weights):
            for index in ballot:
                counts[index] += weight
        assert counts == [int(project.fields["votes"]) for project in election.projects]


def test_quoted_fields_keep_their_text():
    election = pabulib.load(PABULIB / "Poland_Katowice_2020.pb")
    names = [project.name for project in election.projects]
    assert 'Psi Park - "Wybieg dla psów Nodi"' in names


def test_a_file_with_crlf_bom_and_trailing_blank_lines_loads_like_a_plain_one():
    plain = pabulib.dumps(small_election())
    decorated = "\ufeff" + plain.replace("\n", "\r\n") + "\r\n\r\n"
    assert_same_election(pabulib.loads(plain), pabulib.loads(decorated))


def test_ordinal_ballots_keep_rank_order_and_approval_ballots_merge_across_orders():
    text = pabulib.dumps(small_election(vote_type="ordinal"))
    ordinal = pabulib.loads(text).profile
    assert ordinal.ballots == [(0, 1), (1, 0)]
    approval = pabulib.loads(text.replace("vote_type;ordinal", "vote_type;approval")).profile
    assert approval.ballots == [(0, 1)]
    assert approval.weights == [3]


def test_dump_writes_a_file_that_loads_back(tmp_path: Path):
    election = small_election()
    target = tmp_path / "small.pb"
    pabulib.dump(election, target)
    assert_same_election(pabulib.load(target), election)
    assert pabulib.load(str(target)).budget == 100


def small_election(vote_type: str = "approval") -> Election:
    """Three voters, two projects: voters 1 and 3 list a,b; voter 2 lists b,a."""
    projects = [
        Project("a", 60, "Benches", {"project_id": "a", "cost": "60", "name": "Benches"}),
        Project("b", 50, "Trees; lots", {"project_id": "b", "cost": "50", "name": "Trees; lots"}),
    ]
    return Election(
        meta={
            "description": "test",
            "num_projects": "2",
            "num_votes": "3",
            "budget": "100",
            "vote_type": vote_type,
        },
        projects=projects,
        project_columns=["project_id", "cost", "name"],
        vote_columns=["voter_id", "vote"],
        vote_rows=[["1", "a,b"], ["2", "b,a"], ["3", "a,b"]],
    )
