"""The fast paths give the answers the plain ones would.

- the pabulib reader checks votes in bulk, yet still names the *first* bad line in file order, whatever
  kind of fault comes first;
- the profile the reader builds while checking equals the one ``build_profile`` makes from the rows;
- sequential Phragmén in whole numbers over a common denominator equals a textbook per-voter Phragmén in
  Fractions, load for load;
- the Method of Equal Shares on budget classes, with lazy prices and its memory of earlier runs, equals a
  textbook per-voter MES in Fractions, price for price, at any per-voter budget and in any order of runs;
- ``pbvote tally`` pauses the cyclic garbage collector while it runs and leaves it as it found it.
"""

from __future__ import annotations

import gc
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbvote.tally import pabulib
from pbvote.tally.cli import tally_command
from pbvote.tally.model import Election, Profile, Project, build_profile
from pbvote.tally.rules import compute
from pbvote.tally.rules import mes as mes_module
from pbvote.tally.rules.ties import tie_ranks
from tests.conftest import PABULIB_DIR as PABULIB

REAL_FILES = sorted(PABULIB.glob("*.pb"))

HEAD = """META
key;value
num_projects;3
budget;100
vote_type;{vote_type}
PROJECTS
project_id;cost
1;60
2;50
3;30
VOTES
"""  # the VOTES header is line 12, its first row line 13


def refused(vote_type: str, header: str, *rows: str) -> tuple[int, str]:
    text = HEAD.format(vote_type=vote_type) + header + "\n" + "\n".join(rows) + "\n"
    with pytest.raises(pabulib.PabulibError) as caught:
        pabulib.loads(text)
    return caught.value.line, caught.value.reason


def test_a_bad_vote_before_a_repeated_voter_is_the_one_named():
    assert refused("approval", "voter_id;vote", "1;1,2", "2;1,9", "1;3", "4;2") == (
        14,
        "vote names unknown project '9'",
    )


def test_a_repeated_voter_before_a_bad_vote_is_the_one_named():
    assert refused("approval", "voter_id;vote", "1;1,2", "1;3", "3;1,1", "4;9") == (
        14,
        "duplicate voter id '1'",
    )


def test_of_two_bad_votes_the_earlier_line_is_named():
    assert refused("ordinal", "voter_id;vote", "1;1", "2;1", "3;2,2", "4;9", "5;2,2") == (
        15,
        "vote ranks project '2' more than once",
    )


def test_bad_points_are_named_on_their_own_line_even_when_the_vote_text_is_common():
    rows = ("1;1,2;3,2", "2;1,2;3,2", "3;1,2;3", "4;1,2;x,1")
    assert refused("cumulative", "voter_id;vote;points", *rows) == (15, "vote lists 2 projects but 1 point")


def test_an_untidy_vote_is_read_like_a_tidy_one():
    text = HEAD.format(vote_type="approval") + "voter_id;vote\n1;1,2\n2; 2 , 1\n3;\n4;3\n"
    election = pabulib.loads(text)
    assert election.profile.ballots == [(0, 1), (), (2,)]
    assert election.profile.weights == [2, 1, 1]


def test_carriage_returns_alone_end_lines_too(tmp_path: Path):
    path = tmp_path / "mac.pb"
    text = HEAD.format(vote_type="approval") + "voter_id;vote\n1;1,2\n2;1\n"
    path.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    election = pabulib.load(path)
    assert election.vote_rows == [["1", "1,2"], ["2", "1"]]
    assert election.profile.ballots == [(0, 1), (0,)]


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda path: path.stem)
def test_the_readers_profile_is_the_one_built_from_the_rows(path: Path):
    election = pabulib.load(path)
    from_rows = build_profile(election)
    assert election.profile == from_rows


# --- Phragmén against a textbook version --------------------------------------------------------------


def textbook_phragmen(election: Election, tie_breaking: str, overrun: str) -> tuple[list[str], list]:
    """Per-voter loads in Fractions, every load recomputed from scratch each round: (selected ids, loads)."""
    profile = election.profile
    projects = election.projects
    ranks = tie_ranks(election, tie_breaking)
    voters = [ballot for ballot, weight in zip(profile.ballots, profile.weights) for _ in range(weight)]
    load = [Fraction(0)] * len(voters)
    remaining = {
        p
        for p in range(len(projects))
        if any(p in ballot for ballot in voters) and projects[p].cost <= election.budget
    }
    selected, loads, spent = [], [], 0
    while remaining:

        def new_load(p: int) -> Fraction:
            backers = [i for i, ballot in enumerate(voters) if p in ballot]
            return (sum(load[i] for i in backers) + projects[p].cost) / len(backers)

        best = min(new_load(p) for p in remaining)
        tied = sorted((p for p in remaining if new_load(p) == best), key=lambda p: ranks[p])
        too_dear = [p for p in tied if spent + projects[p].cost > election.budget]
        if too_dear:
            if overrun == "stop":
                break
            remaining.difference_update(too_dear)
            continue
        p = tied[0]
        remaining.discard(p)
        selected.append(projects[p].id)
        loads.append(best)
        spent += projects[p].cost
        for i, ballot in enumerate(voters):
            if p in ballot:
                load[i] = best
    return selected, loads


@st.composite
def approval_elections(draw):
    m = draw(st.integers(1, 7))
    costs = draw(st.lists(st.integers(1, 40), min_size=m, max_size=m))
    budget = draw(st.integers(1, 120))
    ballots = draw(
        st.lists(st.frozensets(st.integers(0, m - 1), min_size=1, max_size=m), min_size=1, max_size=10)
    )
    weights = draw(st.lists(st.integers(1, 4), min_size=len(ballots), max_size=len(ballots)))
    projects = [Project(f"p{i}", cost) for i, cost in enumerate(costs)]
    profile = Profile([tuple(sorted(ballot)) for ballot in ballots], weights)
    meta = {"budget": str(budget), "vote_type": "approval"}
    return Election(meta, projects, ["project_id", "cost"], ["voter_id", "vote"], [], _profile=profile)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    approval_elections(),
    st.sampled_from(["file-order", "cost-asc", "id-text"]),
    st.sampled_from(["stop", "skip"]),
)
def test_phragmen_in_whole_numbers_equals_the_textbook_in_fractions(election, tie_breaking, overrun):
    outcome = compute("phragmen", election, tie_breaking=tie_breaking, overrun=overrun)
    loads = [step.details["load"] for step in outcome.steps if step.action == "select"]
    assert (outcome.selected, loads) == textbook_phragmen(election, tie_breaking, overrun)


@pytest.mark.parametrize(
    "name",
    ["Poland_Warszawa_2026_Sielce", "Poland_Warszawa_2026_Wygledow_Sluzewiec", "Switzerland_Zurich_S5"],
)
def test_phragmen_on_real_files_equals_the_textbook(name: str):
    election = pabulib.load(PABULIB / f"{name}.pb")
    outcome = compute("phragmen", election)
    loads = [step.details["load"] for step in outcome.steps if step.action == "select"]
    assert (outcome.selected, loads) == textbook_phragmen(election, "file-order", "stop")


# --- MES against a textbook version ----------------------------------------------------------------------


def textbook_mes(election: Election, utility: str, per_voter: Fraction) -> list[tuple[int, Fraction]]:
    """Per-voter budgets in Fractions, every price recomputed from scratch each round: [(project, rho)]."""
    voters = mes_module.prepare(election, utility)
    ranks = tie_ranks(election, "file-order")
    people = [dict(pairs) for pairs, weight in zip(voters.items, voters.weights) for _ in range(weight)]
    money = [per_voter] * len(people)
    chosen: list[tuple[int, Fraction]] = []
    remaining = set(voters.candidates)
    while True:
        best = None
        for p in sorted(remaining, key=lambda p: ranks[p]):
            backers = sorted((money[i] / u, i, u) for i, person in enumerate(people) if (u := person.get(p)))
            cost = voters.costs[p]
            if sum(money[i] for _, i, _ in backers) < cost:
                remaining.discard(p)  # budgets only shrink: never affordable again
                continue
            # rho: the poorest (by money per utility) pay all they have while rho*u exceeds it
            poor, rich_utility = Fraction(0), sum(u for _, _, u in backers)
            for ratio, i, u in backers:
                rho = (cost - poor) / rich_utility
                if rho <= ratio:
                    break
                poor += money[i]
                rich_utility -= u
            if best is None or rho < best[1]:
                best = (p, rho)
        if best is None:
            return chosen
        p, rho = best
        for i, person in enumerate(people):
            if u := person.get(p):
                money[i] -= min(money[i], rho * u)
        remaining.discard(p)
        chosen.append(best)


def engine_mes(engine, per_voter: Fraction) -> list[tuple[int, Fraction]]:
    run = engine.run(per_voter, trace=True)
    prices = [step.details["rho"] for step in run.steps if step.action == "select" and step.details]
    return list(zip(run.selected[len(engine.voters.free) :], prices))


@st.composite
def points_elections(draw):
    election = draw(approval_elections())
    points = [tuple(draw(st.integers(1, 3)) for _ in ballot) for ballot in election.profile.ballots]
    profile = Profile(election.profile.ballots, election.profile.weights, points)
    meta = dict(election.meta, vote_type="cumulative")
    return Election(
        meta, election.projects, ["project_id", "cost"], ["voter_id", "vote", "points"], [], _profile=profile
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.tuples(approval_elections(), st.sampled_from(["cost", "cardinality"])),
        st.tuples(points_elections(), st.just("points")),
    ),
    st.lists(st.integers(1, 60), min_size=1, max_size=6),
)
def test_mes_on_budget_classes_equals_the_textbook_in_fractions(case, budgets):
    election, utility = case
    engine = mes_module._Engine(mes_module.prepare(election, utility), tie_ranks(election, "file-order"))
    # one engine for several per-voter budgets in a row, as add1 uses it: what it keeps must not leak
    for per_voter in budgets:
        assert engine_mes(engine, Fraction(per_voter)) == textbook_mes(election, utility, Fraction(per_voter))


@pytest.mark.parametrize(
    "name, utility, budgets",
    [
        ("Netherlands_Assen_2024.pb", "cost", (1190, 1500, 1190, 2000)),
        ("Worldwide_Mechanical_Turk_Utilities_3.pb", "points", (6756, 9000, 7000)),
        ("Switzerland_Zurich_S5.pb", "cardinality", (300, 450)),
    ],
)
def test_mes_on_real_files_equals_the_textbook(name: str, utility: str, budgets: tuple[int, ...]):
    election = pabulib.load(PABULIB / name)
    engine = mes_module._Engine(mes_module.prepare(election, utility), tie_ranks(election, "file-order"))
    for per_voter in budgets:
        assert engine_mes(engine, Fraction(per_voter)) == textbook_mes(election, utility, Fraction(per_voter))


# --- the command pauses the cyclic garbage collector only while it runs ----------------------------------


@pytest.mark.parametrize("file", ["Netherlands_Assen_2024.pb", "no_such_file.pb"])
def test_the_command_gives_the_garbage_collector_back_as_it_found_it(file: str):
    runner = CliRunner()
    assert gc.isenabled()
    runner.invoke(tally_command, [str(PABULIB / file), "--rule", "greedy"])
    assert gc.isenabled()
    gc.disable()
    try:
        runner.invoke(tally_command, [str(PABULIB / file), "--rule", "greedy"])
        assert not gc.isenabled()
    finally:
        gc.enable()
