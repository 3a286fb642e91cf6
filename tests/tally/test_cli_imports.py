"""``pbvote tally`` loads only what the rule needs: never Flask, and NumPy only for a rule that uses it or for
reading a big file (``pabulib.BULK_ROWS`` rows or more of approval votes are read in bulk with NumPy: at 1,000,000
ballots that reads the file several times faster than the per-vote loop, far more than the 0.1 s NumPy takes
to import; below the threshold a greedy tally stays without NumPy)."""

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


def big_file() -> str:
    """SMALL with as many voters as it takes to be read in bulk."""
    from pbvote.tally.pabulib import BULK_ROWS

    head = SMALL[: SMALL.index("voter_id;vote") + len("voter_id;vote\n")]
    return head + "".join(f"{voter};{voter % 3 + 1}\n" for voter in range(BULK_ROWS))


@pytest.mark.parametrize(
    "rule, size, loaded",
    [
        ("greedy", "small", []),
        ("greedy", "big", ["numpy"]),
        ("mes", "small", ["numpy"]),
        ("phragmen", "small", ["numpy"]),
    ],
)
def test_the_command_imports_only_what_the_rule_needs(tmp_path: Path, rule: str, size: str, loaded: list[str]):
    path = tmp_path / f"{size}.pb"
    path.write_text(SMALL if size == "small" else big_file(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RUN, str(path), rule], capture_output=True, text=True, check=True, timeout=120
    )
    outcome_line, modules_line = result.stdout.strip().splitlines()
    assert json.loads(outcome_line)["selected"]
    assert json.loads(modules_line) == loaded
