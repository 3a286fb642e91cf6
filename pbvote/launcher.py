"""Entry point of the ``pbvote`` console script.

``pbvote tally`` is what auditors run, often on files with 100k ballots, and its whole-process time is a
published target: it must not pay for importing Flask, SQLAlchemy and Alembic, which the web commands need.
So the launcher hands ``tally`` straight to the pure tally CLI and everything else to the ``pbvote`` command
group (pbvote's own commands only, see ``cli.py``).
"""

from __future__ import annotations

import sys


def rules_epilog() -> str:
    """The rules ``pbvote tally --rule`` knows, one per line with its one-line description, for ``--help``."""
    from .tally.rules import load_rules

    specs = sorted(load_rules().values(), key=lambda spec: spec.id)
    width = max(len(spec.id) for spec in specs)
    lines = [f"  {spec.id.ljust(width)}  {(spec.description or '').strip().splitlines()[0]}" for spec in specs]
    # "\b" keeps click from re-wrapping the table into one paragraph.
    return "\b\nRules (--rule ID):\n" + "\n".join(lines)


def run() -> None:
    if sys.argv[1:2] == ["tally"]:
        from .tally.cli import tally_command

        if "--help" in sys.argv[2:]:
            tally_command.epilog = rules_epilog()  # only for help: listing rules imports every rule module
        tally_command.main(args=sys.argv[2:], prog_name="pbvote tally")
    else:
        from .cli import main

        main()
