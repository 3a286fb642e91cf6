"""``pbvote tally`` loads only what the rule needs: never Flask, and NumPy only for a rule that uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SMALL = """META
key;value
budget;10
vote_type;approval
rule;greedy
PROJECTS
project_id;cost
1;4
2;5
3;6
VOTES
voter_id;vote
1;1,2
2;2,3
3;3
"""

RUN = """
import json, sys
from pbvote.tally.cli import tally_command
try:
    tally_command([sys.argv[1], "--rule", sys.argv[2], "--format", "json"])
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & {"flask", "numpy", "sqlalchemy"})))
"""


@pytest.mark.parametrize("rule, loaded", [("greedy", []), ("mes", ["numpy"]), ("phragmen", ["numpy"])])
def test_the_command_imports_only_what_the_rule_needs(tmp_path: Path, rule: str, loaded: list[str]):
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN, str(path), rule], capture_output=True, text=True, check=True, timeout=120
    )
    outcome_line, modules_line = result.stdout.strip().splitlines()
    assert json.loads(outcome_line)["selected"]
    assert json.loads(modules_line) == loaded
