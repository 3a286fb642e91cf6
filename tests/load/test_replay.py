"""``benchmarks/replay.py`` replays a real election through gunicorn and the JSON API, on SQLite and
PostgreSQL: every ballot acknowledged and stored, the official outcome reproduced; and it exits 1 when the
outcome differs from the file's ``selected`` column."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest

from pbvote.tally import pabulib
from tests.conftest import DATABASES, REPO_ROOT, REQUIRE_POSTGRES, TEST_DATABASE_URL

SMALL_FILE = "Netherlands_Assen_2024.pb"  # 84 approval ballots, Method of Equal Shares with add1
LAST_LINE = re.compile(
    r"replay (?P<file>\S+): ballots (?P<n>\d+), acknowledged (?P<a>\d+), stored (?P<s>\d+), lost (?P<l>\d+), "
    r"\d+ ballots/s, p50 \d+ ms, p95 \d+ ms, p99 \d+ ms, errors (?P<e>\d+), official outcome: (?P<o>yes|no|n/a)"
)


def replay(path, kind: str) -> tuple[subprocess.CompletedProcess, re.Match]:
    """Run the benchmark as `make replay` does; returns the process and its parsed last line."""
    if kind == "postgresql" and not TEST_DATABASE_URL:
        message = "the PostgreSQL replay needs PBVOTE_TEST_DATABASE_URL"
        if REQUIRE_POSTGRES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    command = [sys.executable, str(REPO_ROOT / "benchmarks" / "replay.py"), str(path), "--db", kind,
               "--clients", "4"]
    if kind == "postgresql":
        command += ["--postgres-url", TEST_DATABASE_URL]
    env = {name: value for name, value in os.environ.items() if not name.startswith("PBVOTE_")}
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300, env=env,
                            cwd=REPO_ROOT)
    lines = result.stdout.strip().splitlines()
    assert lines, result.stderr[-3000:]
    match = LAST_LINE.fullmatch(lines[-1])
    assert match, f"last line {lines[-1]!r}; stderr: {result.stderr[-3000:]}"
    return result, match


@pytest.mark.parametrize("kind", DATABASES)
def test_replay_reproduces_the_official_outcome(pabulib_dir, kind):
    result, line = replay(pabulib_dir / SMALL_FILE, kind)
    assert result.returncode == 0, result.stderr[-3000:]
    assert line["file"] == SMALL_FILE
    assert (line["n"], line["a"], line["s"], line["l"], line["e"], line["o"]) == ("84", "84", "84", "0", "0", "yes")


def test_replay_fails_when_the_outcome_differs(pabulib_dir, tmp_path):
    election = pabulib.load(pabulib_dir / SMALL_FILE)
    # Claim officially that the first funded project lost and the first unfunded one won.
    funded = [p for p in election.projects if p.fields["selected"] == "1"]
    unfunded = [p for p in election.projects if p.fields["selected"] != "1"]
    swapped = {funded[0].id: "0", unfunded[0].id: "1"}
    projects = [dataclasses.replace(p, fields={**p.fields, "selected": swapped.get(p.id, p.fields["selected"])})
                for p in election.projects]
    wrong = tmp_path / "wrong_selected.pb"
    pabulib.dump(dataclasses.replace(election, projects=projects), wrong)
    result, line = replay(wrong, "sqlite")
    assert result.returncode == 1
    assert line["o"] == "no" and line["l"] == "0" and line["e"] == "0"
