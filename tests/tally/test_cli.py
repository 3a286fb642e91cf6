"""`pbvote tally FILE.pb` as a council analyst uses it: outcomes, formats, official checks and clear errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbvote.tally import pabulib
from pbvote.tally.cli import tally_command
from tests.conftest import PABULIB_DIR as PABULIB

from .elections import make_election

BROKEN = Path(__file__).parent / "broken"
PBVOTE = Path(sys.executable).parent / "pbvote"


def run(*args: str):
    return CliRunner().invoke(tally_command, [str(arg) for arg in args])


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """Budget 100; a (60) has 3 votes, b (50) 2, c (30) 1; officially a and c were selected by greedy."""
    election = make_election({"a": 60, "b": 50, "c": 30}, ["a,b", "a,b", "a,c"], budget=100, rule="greedy")
    election.project_columns.append("selected")
    for project, selected in zip(election.projects, ["1", "0", "1"]):
        project.fields["selected"] = selected
    path = tmp_path / "small.pb"
    pabulib.dump(election, path)
    return path


def test_the_default_rule_comes_from_meta_and_the_text_lists_what_was_funded(small_file: Path):
    result = run(small_file)
    assert result.exit_code == 0, result.output
    assert "rule greedy" in result.output
    assert "Selected 2 projects, spending 90 (10 left):" in result.output


def test_json_output_has_rule_params_selected_spent_budget_and_steps(small_file: Path):
    result = run(small_file, "--format", "json", "--rule", "greedy-no-skip")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rule"] == "greedy-no-skip"
    assert data["params"] == {"score": "auto"}
    assert data["selected"] == ["a"]
    assert (data["spent"], data["budget"]) == (60, 100)
    assert [step["reason"] for step in data["steps"]] == ["fits", "stop", "stopped"]


def test_csv_output_has_one_row_per_project_with_a_selected_flag(small_file: Path):
    result = run(small_file, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(row["project_id"], row["selected"], row["selection_order"]) for row in rows] == [
        ("a", "1", "1"),
        ("b", "0", ""),
        ("c", "1", "2"),
    ]
    assert rows[1]["reason"] == "over-budget"


def test_params_are_passed_to_the_rule(small_file: Path):
    result = run(small_file, "--format", "json", "--rule", "greedy-threshold", "--param", "threshold=2")
    assert json.loads(result.output)["selected"] == ["a"]


def test_explain_tells_the_story_step_by_step(small_file: Path):
    result = run(small_file, "--explain")
    assert result.exit_code == 0, result.output
    assert "2. skipped project b “Project b”: it costs more than the 40 left" in result.output
    assert "Ties: file-order" in result.output


def test_explain_in_json_is_a_field_and_in_csv_goes_to_stderr(small_file: Path):
    data = json.loads(run(small_file, "--format", "json", "--explain").output)
    assert data["explanation"].startswith("Rule: greedy")
    result = CliRunner().invoke(tally_command, [str(small_file), "--format", "csv", "--explain"])
    assert result.stdout.startswith("project_id,name,cost")
    assert "Rule: greedy" not in result.stdout
    assert result.stderr.startswith("Rule: greedy")


def test_check_official_passes_when_the_outcome_matches(small_file: Path):
    result = run(small_file, "--check-official")
    assert result.exit_code == 0, result.output
    assert "Matches the official result" in result.output


def test_check_official_exits_1_listing_the_differences(small_file: Path):
    result = run(small_file, "--check-official", "--rule", "greedy-no-skip")
    assert result.exit_code == 1
    assert "officially selected, not selected here: c" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["{missing}"], "cannot read"),
        (["{broken}"], "line 16: duplicate voter id '1'"),
        (["{small}", "--rule", "borda-count"], "unknown rule 'borda-count'"),
        (["{small}", "--param", "threshold"], "must look like key=value"),
        (["{small}", "--param", "colour=red"], "has no parameter 'colour'"),
        (["{small}", "--rule", "greedy-threshold", "--param", "threshold=many"], "must be a whole number"),
        (["{small}", "--rule", "greedy-exclusive", "--param", "groups=a,zz"], "unknown project 'zz'"),
        (["{unknown}"], "names no rule pbvote knows; choose one with --rule"),
        (["{unknown}", "--check-official", "--rule", "greedy"], "needs a 'selected' column"),
    ],
)
def test_errors_go_to_stderr_with_exit_code_2_and_no_traceback(small_file: Path, args, message):
    paths = {
        "missing": small_file.parent / "nope.pb",
        "broken": BROKEN / "duplicate_voter_id.pb",
        "small": small_file,
        "unknown": PABULIB / "Switzerland_Zurich_S5.pb",
    }
    result = run(*[arg.format(**paths) for arg in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


GREEDY_FAMILY_WITH_OFFICIAL_RESULTS = [
    ("Poland_Czestochowa_2024_Tysiaclecie", []),
    ("Poland_Katowice_2020", []),
    ("Poland_Krakow_2021", []),
    ("Poland_Krakow_2021_Debniki", []),
    ("Poland_Krakow_2021_Stare_Miasto", []),
    ("Poland_Warszawa_2021_Bemowo", []),
    # The file's comment: projects 773 and 153 targeted the same site; 773 had more votes.
    ("Poland_Warszawa_2022_Bemowo", ["--param", "groups=773,153"]),
    ("Poland_Warszawa_2026", []),
    ("Poland_Warszawa_2026_Mokotow", []),
    ("Poland_Warszawa_2026_Sielce", []),
    ("Poland_Warszawa_2026_Wygledow_Sluzewiec", []),
    ("Poland_Wroclaw_2018", []),
    ("Poland_Wroclaw_2021", []),
]


@pytest.mark.parametrize(
    "name, extra", GREEDY_FAMILY_WITH_OFFICIAL_RESULTS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_check_official_reproduces_every_greedy_family_city(name: str, extra: list[str]):
    result = run(PABULIB / f"{name}.pb", "--check-official", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.splitlines()[0])
    assert data["official"] | {"notes": []} == {
        "matches": True,
        "missing": [],
        "extra": [],
        "under_meta_rule": True,
        "reproduced_by": [],
        "variants_tried": 0,
        "notes": [],
    }
    assert data["rule"].startswith("greedy")


def test_bemowo_2022_without_its_exclusive_group_differs_from_the_official_result():
    result = run(PABULIB / "Poland_Warszawa_2022_Bemowo.pb", "--check-official")
    assert result.exit_code == 1
    assert "selected here, not officially: 153" in result.output


def test_the_greedy_family_files_are_all_covered():
    """Every file in the shared set whose META rule is a greedy variant and which has a selected column."""
    covered = {name for name, _ in GREEDY_FAMILY_WITH_OFFICIAL_RESULTS}
    expected = set()
    for path in PABULIB.glob("*.pb"):
        head = path.read_text(encoding="utf-8-sig")[:3000]
        if "\nrule;greedy" in head.replace("\r\n", "\n") and ";selected" in head:
            expected.add(path.stem)
    assert covered == expected


def test_the_installed_command_runs_as_a_real_process(small_file: Path):
    done = subprocess.run(
        [str(PBVOTE), "tally", str(small_file), "--format", "json", "--check-official"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"] == ["a", "c"]
    assert "Matches the official result" in done.stderr

    failed = subprocess.run(
        [str(PBVOTE), "tally", str(BROKEN / "repeated_rank.pb")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 2
    assert (
        failed.stderr.strip()
        == f"Error: {BROKEN / 'repeated_rank.pb'}: line 15: vote ranks project '1' more than once"
    )
    assert failed.stdout == ""


def test_the_module_runs_on_its_own_with_python_dash_m(small_file: Path):
    done = subprocess.run(
        [sys.executable, "-m", "pbvote.tally.cli", str(small_file), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"] == ["a", "c"]
