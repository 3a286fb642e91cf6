"""Entry point of the ``pbvote`` console script.

``pbvote tally`` is what auditors run, often on files with 100k ballots, and its whole-process time is a
published target: it must not pay for importing Flask, SQLAlchemy and Alembic, which the web commands need.
So the launcher hands ``tally`` straight to the pure tally CLI and everything else to the Flask command group.
"""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:2] == ["tally"]:
        from .tally.cli import tally_command

        tally_command.main(args=sys.argv[2:], prog_name="pbvote tally")
    else:
        from .cli import main

        main()
