"""``pbvote audit bundle ROUND_ID -o FILE.zip`` and ``pbvote audit verify FILE.zip [--public-key KEY]``.

verify's contract: the last line is ``verified: …`` (exit 0) or ``FAILED: <file>: <item>: <what broke>``
(exit 1, after one ``problem:`` line per problem found); exit 2 when the file cannot be read at all.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("bundle")
@click.argument("round_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="where to write the zip")
@with_appcontext
def bundle_command(round_id: int, output: Path) -> None:
    """Write the signed audit bundle of published round ROUND_ID."""
    from ..extensions import db
    from ..results.operations import is_published
    from ..rounds.models import Round
    from .bundle import build_bundle

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"no round with id {round_id}")
    if not is_published(round_):
        raise click.ClickException(f"round {round_id} has not published its results")
    data = build_bundle(round_)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data):,} bytes) for round {round_id} “{round_.name}”.")


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", default=None,
              help="the round's public key (64 hex digits from its page) or a file holding it")
def verify_command(file: Path, public_key: str | None) -> None:
    """Check an audit bundle FILE: hashes, signature, event chain, ballots against the log, and a re-tally."""
    from .verify import UnreadableBundle, verify_bundle

    if public_key is not None and Path(public_key).is_file():
        public_key = Path(public_key).read_text()
    try:
        report = verify_bundle(file.read_bytes(), public_key)
    except (OSError, UnreadableBundle) as error:
        click.echo(f"unreadable: {file}: {error}")
        sys.exit(2)
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    click.echo(report.headline())
    sys.exit(0 if report.ok else 1)
