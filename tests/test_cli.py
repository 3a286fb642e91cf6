"""The `pbvote` command: demo, serve, users create, organisations."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from pbvote.accounts.models import Role, User
from pbvote.cli import main
from tests.conftest import REPO_ROOT, free_port


def invoke(runner, *args, input=None):
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


# --- users and organisations --------------------------------------------------------------------------------


def test_admin_creates_the_first_council_member_from_the_command_line(runner, db, auth, client):
    assert invoke(runner, "organisations", "create", "millbrook", "Millbrook Parish").exit_code == 0

    result = invoke(
        runner, "users", "create", "--email", "Chair@Millbrook.example", "--role", "council", "--role", "resident",
        "--name", "Chair Person", "--password", "a long chair password",
    )

    assert result.exit_code == 0, result.output
    assert "Created chair@millbrook.example in Millbrook Parish" in result.output
    user = db.session.scalar(select(User).where(User.email == "chair@millbrook.example"))
    assert user.email_confirmed and user.display_name == "Chair Person"
    assert user.has_role(Role.COUNCIL, user.organisation_id) and user.has_role(Role.RESIDENT, user.organisation_id)
    auth.login(user, "a long chair password")
    assert client.get("/organisations/millbrook/members").status_code == 200


def test_password_is_prompted_when_not_given(runner, db, organisation):
    result = invoke(runner, "users", "create", "--email", "prompted@example.org",
                    input="prompted password!\nprompted password!\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "prompted@example.org")) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@example.org", "--password", "short"], "at least 12 characters"),
        (["--email", "x@example.org", "--password", "long enough pass", "--organisation", "nowhere"],
         "No organisation 'nowhere'"),
        (["--email", "x@example.org", "--password", "long enough pass", "--role", "king"], "Invalid value"),
    ],
)
def test_bad_user_details_are_refused_and_nothing_is_stored(runner, db, organisation, args, message):
    result = runner.invoke(main, ["users", "create", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(User)) is None


def test_a_taken_email_is_refused(runner, create_user):
    create_user(email="taken@example.org")
    result = runner.invoke(main, ["users", "create", "--email", "taken@example.org", "--password", "long enough pass"])
    assert result.exit_code != 0 and "already has an account" in result.output


def test_several_organisations_need_a_choice(runner, db, organisation, create_organisation):
    create_organisation(slug="other")
    result = runner.invoke(main, ["users", "create", "--email", "x@example.org", "--password", "long enough pass"])
    assert result.exit_code != 0 and "--organisation" in result.output


def test_organisation_slugs_are_checked(runner, db):
    result = runner.invoke(main, ["organisations", "create", "Not A Slug", "Name"])
    assert result.exit_code != 0 and "lower-case" in result.output
    invoke(runner, "organisations", "create", "fine-slug", "Fine")
    again = runner.invoke(main, ["organisations", "create", "fine-slug", "Fine again"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert "fine-slug\tFine\t0 members" in invoke(runner, "organisations", "list").output


# --- demo ---------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_instance(tmp_path, monkeypatch):
    """A fresh instance folder for `pbvote demo` (it always uses the SQLite file there)."""
    monkeypatch.setenv("PBVOTE_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def _demo_users(instance: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(instance / "pbvote.sqlite3") as connection:
        return connection.execute(
            "SELECT u.email, g.role FROM user_account u JOIN role_grant g ON g.user_id = u.id ORDER BY 1, 2"
        ).fetchall()


def test_demo_migrates_seeds_and_lists_every_role_idempotently(demo_instance):
    first = CliRunner().invoke(main, ["demo", "--no-serve"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    grants = _demo_users(demo_instance)

    second = CliRunner().invoke(main, ["demo", "--no-serve"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert _demo_users(demo_instance) == grants, "running the demo again adds nothing"

    roles = {role for _, role in grants}
    assert roles == {"resident", "moderator", "council", "auditor"}
    assert ("council@hillview.example", "council") in grants, "a council member of the other organisation"
    for email in ("resident@riverside.example", "council@riverside.example", "auditor@riverside.example"):
        assert email in first.output
    assert "demo-password-2024" in first.output


def test_demo_never_touches_a_configured_database(demo_instance, monkeypatch, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("production") / "production.sqlite3"
    monkeypatch.setenv("PBVOTE_DATABASE_URL", f"sqlite:///{elsewhere}")
    result = CliRunner().invoke(main, ["demo", "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not elsewhere.exists()
    assert _demo_users(demo_instance)


def test_demo_accounts_can_sign_in(app, client, auth):
    from pbvote.demo import DEMO_PASSWORD, seed_demo

    data = seed_demo()
    council = data.users["council@riverside.example"]
    auth.login(council, DEMO_PASSWORD)
    assert client.get("/organisations/riverside/members").status_code == 200
    assert client.get("/organisations/hillview/members").status_code == 403


# --- serve --------------------------------------------------------------------------------------------------


def test_serve_runs_gunicorn_with_the_app_factory(tmp_path):
    database = tmp_path / "served.sqlite3"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PBVOTE_")},
        "PBVOTE_INSTANCE_PATH": str(tmp_path),
        "PBVOTE_DATABASE_URL": f"sqlite:///{database}",
        "PBVOTE_SECRET_KEY": "serve-test-secret",
        "PBVOTE_RATELIMIT_STORAGE_URI": "memory://",
        "PBVOTE_SERVER_NAME": f"127.0.0.1:{port}",
    }
    pbvote = Path(sys.executable).with_name("pbvote")
    subprocess.run([str(pbvote), "db", "upgrade"], env=env, check=True, capture_output=True, cwd=REPO_ROOT)
    server = subprocess.Popen(
        [str(pbvote), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    assert response.headers["Strict-Transport-Security"], "production config: HSTS"
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    output = server.communicate()[0].decode(errors="replace")
                    pytest.fail(f"gunicorn did not answer:\n{output}")
                time.sleep(0.3)
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if server.stdout:
            server.stdout.close()


def test_serve_refuses_to_start_without_a_server_name(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PBVOTE_")},
        "PBVOTE_INSTANCE_PATH": str(tmp_path),
        "PBVOTE_SECRET_KEY": "serve-test-secret",
    }
    pbvote = Path(sys.executable).with_name("pbvote")
    result = subprocess.run([str(pbvote), "serve", "--bind", f"127.0.0.1:{free_port()}"], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "PBVOTE_SERVER_NAME" in result.stderr and "Traceback" not in result.stderr


def test_demo_serves_the_site(tmp_path):
    """`pbvote demo` (what `make demo` runs) answers on $PORT with the demo organisations."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PBVOTE_")},
        "PBVOTE_INSTANCE_PATH": str(tmp_path),
        "PORT": str(free_port()),
    }
    pbvote = Path(sys.executable).with_name("pbvote")
    server = subprocess.Popen([str(pbvote), "demo"], env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}/", timeout=2) as response:
                    assert response.status == 200
                    assert "Riverside City Council" in response.read().decode()
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    output = server.communicate()[0].decode(errors="replace")
                    pytest.fail(f"the demo did not answer:\n{output}")
                time.sleep(0.3)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=20)
        if server.stdout:
            server.stdout.close()


# --- help (issue 17 item 7) ---------------------------------------------------------------------------------


def test_help_shows_pbvotes_own_commands_and_options():
    result = CliRunner().invoke(main, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for command in ("demo", "serve", "db", "users", "organisations", "tally", "tick", "audit", "import-pb"):
        assert f"  {command} " in result.output, command
    for flask_own in ("--app", "--env-file", "--debug", "  routes ", "  shell ", "  run ", "Flask"):
        assert flask_own not in result.output, flask_own


def test_version_is_pbvotes():
    from pbvote import __version__

    result = CliRunner().invoke(main, ["--version"])
    assert result.output.strip() == f"pbvote {__version__}"


def test_tally_help_lists_every_rule():
    from pbvote.tally.rules import load_rules

    pbvote = Path(sys.executable).with_name("pbvote")
    result = subprocess.run([str(pbvote), "tally", "--help"], capture_output=True, text=True, timeout=60,
                            check=True, cwd=REPO_ROOT)
    assert "--rule ID" in result.stdout and "--check-official" in result.stdout
    for rule_id in load_rules():
        assert f"  {rule_id} " in result.stdout, rule_id
