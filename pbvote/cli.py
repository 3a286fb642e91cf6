"""The ``pbvote`` command: demo, serve, users, db (Flask-Migrate), tally, and more.

Built on Flask's ``FlaskGroup`` so ``pbvote db upgrade`` and ``pbvote shell`` come for free; commands that do
not need the web application (``tally``) never build it.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, load_dotenv=False)
def main() -> None:
    """pbvote: participatory budgeting from proposal to verifiable result."""


# The tally is pure Python: `pbvote tally` never builds the web application.
from .tally.cli import tally_command

main.add_command(tally_command, "tally")
