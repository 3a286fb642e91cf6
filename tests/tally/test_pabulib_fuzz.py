"""Whatever text an election holds — separators, quotes, line breaks, non-ASCII — survives writing and reading."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbvote.tally import pabulib
from pbvote.tally.model import Election, Project

# Free text as people type it, including the format's own separators and quotes; no NUL, no lone surrogates.
free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=20,
).filter(lambda text: text.strip() == text)  # the reader strips spaces around keys and section names
project_ids = st.from_regex(r"[A-Za-z0-9/_-]{1,6}", fullmatch=True)


@st.composite
def elections(draw) -> Election:
    ids = draw(st.lists(project_ids, min_size=1, max_size=6, unique=True))
    costs = draw(st.lists(st.integers(1, 10**9), min_size=len(ids), max_size=len(ids)))
    names = draw(st.lists(free_text, min_size=len(ids), max_size=len(ids)))
    projects = [
        Project(pid, cost, name, {"project_id": pid, "cost": str(cost), "name": name, "note": name[::-1]})
        for pid, cost, name in zip(ids, costs, names)
    ]
    voters = draw(st.integers(0, 8))
    rows = []
    for number in range(voters):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        rows.append([f"v{number}", ",".join(chosen), draw(free_text)])
    extra_meta = draw(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), free_text, max_size=3))
    meta = {
        "description": draw(free_text),
        "num_projects": str(len(ids)),
        "num_votes": str(voters),
        "budget": str(draw(st.integers(1, 10**12))),
        "vote_type": "approval",
    }
    meta.update({key: value for key, value in extra_meta.items() if key not in meta and key != "budget"})
    return Election(
        meta, projects, ["project_id", "cost", "name", "note"], ["voter_id", "vote", "comment"], rows
    )


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(elections())
def test_any_election_survives_dumps_then_loads(election: Election):
    again = pabulib.loads(pabulib.dumps(election))
    assert list(again.meta.items()) == list(election.meta.items())
    assert again.projects == election.projects
    assert [project.fields for project in again.projects] == [project.fields for project in election.projects]
    assert again.vote_rows == election.vote_rows
    assert again.profile.num_voters == len(election.vote_rows)
