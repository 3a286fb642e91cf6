"""Command-line tools for rounds: ``pbvote tick``, ``pbvote audit verify-log`` and ``pbvote import-pb``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..text import counted


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Make every scheduled phase change that is due, then queue and send the notices that are due (run it
    from cron every minute; two ticks at once make each change and send each mail once)."""
    from ..notices.queue import SendReport, send_queued
    from ..notices.reminders import queue_round_notices
    from .operations import tick

    moved = tick()
    for round_, states in moved:
        click.echo(f"round {round_.id} “{round_.name}”: now {' → '.join(s.value for s in states)}")
    click.echo(f"{counted(len(moved), 'round')} moved on.")
    queued = queue_round_notices()
    report = send_queued()
    if queued or report != SendReport():
        click.echo(f"{counted(queued, 'notice')} queued; {report.sent} sent, {report.retrying} to retry, "
                   f"{report.failed} given up, {report.cancelled} cancelled.")


@click.group("audit")
def audit_group() -> None:
    """Check the integrity of what pbvote recorded."""


@audit_group.command("verify-log")
@click.argument("round_id", type=int)
@with_appcontext
def verify_log_command(round_id: int) -> None:
    """Recompute the hash chain of ROUND_ID's event log; exit 1 naming the first broken event."""
    from .events import verify_chain
    from .models import Round

    if db.session.get(Round, round_id) is None:
        click.echo(f"No round with id {round_id}.", err=True)
        sys.exit(2)
    report = verify_chain(round_id)
    if report.ok:
        click.echo(f"Round {round_id}: {counted(report.count, 'event')}, chain intact.")
        return
    click.echo(
        f"Round {round_id}: chain BROKEN at event #{report.broken_sequence} (id {report.broken_event_id}): "
        f"{report.reason}.",
    )
    sys.exit(1)


@click.command("import-pb")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "organisation_slug", required=True, help="slug of the organisation it belongs to")
@click.option("--name", default=None, help="name of the round (default: from the file's description)")
@with_appcontext
def import_pb_command(file: Path, organisation_slug: str, name: str | None) -> None:
    """Import a past round from a pabulib .pb FILE as a published, read-only round."""
    from sqlalchemy import select

    from ..accounts.models import Organisation
    from .importing import ImportError_, import_round
    from .models import RoundImport

    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == organisation_slug))
    if organisation is None:
        raise click.ClickException(f"no organisation with slug {organisation_slug!r}")
    try:
        round_ = import_round(organisation, None, file.read_bytes(), file.name, name=name)
    except ImportError_ as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    record = db.session.scalar(select(RoundImport).where(RoundImport.round_id == round_.id))
    agreement = (
        "matches the file's selected column"
        if record.file_selected is not None
        else "the file has no selected column to compare with"
    )
    click.echo(
        f"Imported round {round_.id} “{round_.name}”: {counted(len(round_.budgets), 'budget')}, "
        f"{counted(len(record.computed_selected), 'project')} funded by {record.rule_id} ({agreement})."
    )
