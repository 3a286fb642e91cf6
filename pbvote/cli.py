"""The ``pbvote`` command: demo, serve, users, organisations, db (Flask-Migrate), tally, and more.

Only pbvote's own commands: Flask's group would add its ``--app``/``--env-file`` options, its ``run``,
``shell`` and ``routes`` commands and a ``--version`` that prints Flask's version. Commands that need the web
application get it from the factory through Flask's ``ScriptInfo``; those that do not (``tally``) never build it.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, ScriptInfo
from flask_migrate.cli import db as db_group

from . import __version__
from .accounts.models import Role
from .config import DEFAULT_LOCALE, LANGUAGES
from .text import counted


def _create_app():
    from . import create_app

    return create_app()


class PbvoteGroup(AppGroup):
    """A command group whose commands run inside the application made by ``create_app()`` when they need it."""

    def main(self, *args, **kwargs):
        kwargs.setdefault("obj", ScriptInfo(create_app=_create_app, set_debug_flag=False, load_dotenv_defaults=False))
        return super().main(*args, **kwargs)


@click.group(cls=PbvoteGroup)
@click.version_option(__version__, "--version", prog_name="pbvote", message="%(prog)s %(version)s")
def main() -> None:
    """pbvote: participatory budgeting from proposal to verifiable result."""


main.add_command(db_group)  # Flask-Migrate: `pbvote db upgrade`, `pbvote db migrate` …


# ---------------------------------------------------------------------------------------------------------------
# demo, serve, users, organisations
# ---------------------------------------------------------------------------------------------------------------


@main.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, envvar="PORT", default=5000, show_default=True, help="Port (or $PORT).")
@click.option("--no-serve", is_flag=True, help="Migrate and seed only; do not start the server.")
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Migrate the SQLite database in instance/, seed demo data, list the demo accounts and serve the site."""
    import flask_migrate

    from . import create_app
    from .demo import demo_accounts_table, seed_demo

    probe = create_app()
    app = create_app(demo_overrides(Path(probe.instance_path), host, port))
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        flask_migrate.upgrade()
        demo = seed_demo()
        rows = demo_accounts_table()

    click.echo(f"Database: {database}")
    click.echo("Demo accounts (all with the same password):")
    widths = [max(len(row[i]) for row in rows + [_DEMO_HEADER]) for i in range(4)]
    for row in [_DEMO_HEADER, *rows]:
        click.echo("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
    click.echo(f"Voting is open in round {demo.voting_round_id}: sign in as resident@riverside.example to vote, or "
               f"try a voter code at http://{host}:{port}/rounds/{demo.voting_round_id}/code with {demo.voter_code}")
    click.echo(f"Published results (equal shares, compared with greedy) of round {demo.results_round_id}: "
               f"http://{host}:{port}/rounds/{demo.results_round_id}/results")
    if app.config["MAIL_BACKEND"] == "outbox":
        click.echo(f"Mails (confirmation, password reset) are written to {Path(app.instance_path) / 'outbox'}")
    if no_serve:
        return
    click.echo(f"Serving pbvote on http://{host}:{port}/  (Ctrl+C to stop)")
    # werkzeug directly: Flask ignores app.run() inside its own command line.
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


_DEMO_HEADER = ("email", "password", "organisation", "roles")


def demo_overrides(instance_path: Path, host: str, port: int) -> dict:
    """Settings of the demo: the instance folder's SQLite file, and links in mail to the address it serves on."""
    return {
        # Always the instance folder's SQLite file: demo accounts must never land in a configured production database.
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance_path / 'pbvote.sqlite3'}",
        "SERVER_NAME": f"{host}:{port}",
        "PREFERRED_URL_SCHEME": "http",
    }


@main.command("serve", with_appcontext=False)
@click.option("--bind", "-b", multiple=True, envvar="PBVOTE_BIND", default=["127.0.0.1:8000"], show_default=True,
              help="host:port or unix:/path to listen on (repeatable).")
@click.option("--workers", "-w", type=click.IntRange(min=1), envvar="WEB_CONCURRENCY", default=2, show_default=True,
              help="Worker processes.")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True, help="Threads per worker.")
@click.option("--timeout", type=click.IntRange(min=1), default=60, show_default=True, help="Worker timeout (s).")
@click.option("--config", "config_name", default="production", show_default=True,
              type=click.Choice(["production", "default"]), help="Configuration class to start from.")
def serve_command(bind: tuple[str, ...], workers: int, threads: int, timeout: int, config_name: str) -> None:
    """Serve pbvote with gunicorn (production). Run `pbvote db upgrade` first."""
    from gunicorn.app.base import BaseApplication

    from . import create_app
    from .config import ConfigError

    try:
        create_app(config_name)  # refuse to start here, with the reason, rather than in every worker
    except ConfigError as error:
        raise click.ClickException(str(error)) from None

    class PbvoteServer(BaseApplication):
        """Gunicorn running the app factory in each worker."""

        def load_config(self) -> None:
            self.cfg.set("bind", list(bind))
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", timeout)
            self.cfg.set("accesslog", "-")

        def load(self):
            return create_app(config_name)

    PbvoteServer().run()


@main.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True, help="The user's email address (they sign in with it).")
@click.option("--role", "roles", multiple=True, type=click.Choice([role.value for role in Role]),
              default=["resident"], show_default=True, help="A role in the organisation (repeatable).")
@click.option("--organisation", "organisation_slug", help="Organisation slug (needed when there are several).")
@click.option("--name", "display_name", help="Display name (default: the part of the email before @).")
@click.option("--district", help="The user's district.")
@click.password_option("--password", prompt="Password", help="At least 12 characters (prompted when omitted).")
def create_user_command(email, roles, organisation_slug, display_name, district, password) -> None:
    """Create a confirmed user holding ROLEs in an organisation."""
    from sqlalchemy import select

    from .accounts.models import Organisation
    from .accounts.operations import AccountError, create_user
    from .extensions import db

    organisations = db.session.scalars(select(Organisation).order_by(Organisation.slug)).all()
    if organisation_slug:
        organisation = next((o for o in organisations if o.slug == organisation_slug), None)
        if organisation is None:
            raise click.UsageError(f"No organisation {organisation_slug!r}; create it with `pbvote organisations create`.")
    elif len(organisations) == 1:
        organisation = organisations[0]
    elif not organisations:
        raise click.UsageError("There is no organisation yet; create one with `pbvote organisations create`.")
    else:
        raise click.UsageError("Several organisations exist; choose one with --organisation "
                               f"({', '.join(o.slug for o in organisations)}).")
    try:
        user = create_user(
            email=email,
            display_name=display_name or email.split("@")[0],
            password=password,
            organisation=organisation,
            roles=tuple(roles),
            district=district,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.email} in {organisation.name} with roles: {', '.join(sorted(set(roles)))}")


@main.group("organisations")
def organisations_group() -> None:
    """Manage organisations (councils, housing associations, groups)."""


@organisations_group.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--language", type=click.Choice(list(LANGUAGES)), default=DEFAULT_LOCALE, show_default=True,
              help="The language pages are shown in when a visitor has not chosen one and their browser asks "
                   "for none pbvote speaks.")
def create_organisation_command(slug: str, name: str, language: str) -> None:
    """Create an organisation with a URL SLUG (lower-case letters, digits, dashes) and a NAME."""
    import re

    from sqlalchemy import select

    from .accounts.models import Organisation
    from .database import write_transaction

    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?", slug):
        raise click.BadParameter("use lower-case letters, digits and dashes (at most 64)", param_hint="SLUG")
    if not name.strip() or len(name) > 200:
        raise click.BadParameter("give a name of 1 to 200 characters", param_hint="NAME")
    with write_transaction() as session:
        if session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
            raise click.ClickException(f"An organisation {slug!r} already exists.")
        session.add(Organisation(slug=slug, name=name.strip(), default_language=language))
    click.echo(f"Created organisation {slug}: {name.strip()} ({language})")


@organisations_group.command("list")
def list_organisations_command() -> None:
    """List organisations with their number of members."""
    from sqlalchemy import func, select

    from .accounts.models import Organisation, User
    from .extensions import db

    rows = db.session.execute(
        select(Organisation.slug, Organisation.name, func.count(User.id))
        .outerjoin(User, User.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(Organisation.slug)
    ).all()
    for slug, name, members in rows:
        click.echo(f"{slug}\t{name}\t{counted(members, 'member')}")


# The tally is pure Python: `pbvote tally` never builds the web application.
from .tally.cli import tally_command

main.add_command(tally_command, "tally")

# Rounds: scheduled phase changes (cron), the event-log check, importing past rounds.
from .audit.commands import bundle_command, verify_command
from .rounds.commands import audit_group, import_pb_command, tick_command


@main.command("tick")
@click.pass_context
def tick(context: click.Context) -> None:
    """Make every scheduled phase change that is due and mail the daily digests that are due (cron: every minute)."""
    from .deliberation.notifications import send_digests

    context.invoke(tick_command)
    report = send_digests()
    if report.sent or report.failed:
        click.echo(f"{counted(report.sent, 'notification digest')} mailed, {report.failed} failed (retried at the next tick).")


main.add_command(audit_group)
audit_group.add_command(bundle_command)
audit_group.add_command(verify_command)
main.add_command(import_pb_command)
