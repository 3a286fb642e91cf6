"""Shared fixtures: the app on SQLite and PostgreSQL, factories, signing in, CSRF, mail, live server.

Every test that takes ``app`` (directly or through ``client``, ``auth``, a factory …) runs once per database:
``test_x[sqlite]`` and ``test_x[postgresql]``. The PostgreSQL run needs ``PBVOTE_TEST_DATABASE_URL``
(e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``); a fresh database with a random name is
created from it for the run and dropped at the end. Without it those tests skip — unless
``PBVOTE_REQUIRE_POSTGRES=1`` (CI), where they fail. Tests that do not touch the app (pure tally tests) run once.

The schema comes from the Alembic migrations (once per session per database); each test starts from empty
tables.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

REPO_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


# Read before the session strips PBVOTE_* variables from the environment (see _hermetic_environment).
TEST_DATABASE_URL = os.environ.get("PBVOTE_TEST_DATABASE_URL", "").strip()
REQUIRE_POSTGRES = _flag("PBVOTE_REQUIRE_POSTGRES")
REQUIRE_BROWSER = _flag("PBVOTE_REQUIRE_BROWSER")

#: Real participatory-budgeting elections (pabulib .pb files): ../shared/pabulib beside the repository,
#: overridable with PBVOTE_PABULIB_DIR.
PABULIB_DIR = Path(os.environ.get("PBVOTE_PABULIB_DIR") or REPO_ROOT.parent / "shared" / "pabulib").resolve()

#: The password every factory-made user gets unless the test says otherwise.
DEFAULT_PASSWORD = "correct horse battery staple"

DATABASES = ("sqlite", "postgresql")

# Environment variables that configure the test run itself; every other PBVOTE_* variable is removed for the
# session so a developer's shell (PBVOTE_DATABASE_URL, PBVOTE_MAIL_BACKEND …) cannot leak into the tests.
_RUN_VARIABLES = {"PBVOTE_TEST_DATABASE_URL", "PBVOTE_REQUIRE_POSTGRES", "PBVOTE_REQUIRE_BROWSER", "PBVOTE_PABULIB_DIR"}


# --------------------------------------------------------------------------------------------------------------
# Session: environment, databases, schema
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """No stray PBVOTE_* settings; the instance folder is a temporary directory, never the repository's."""
    instance = tmp_path_factory.mktemp("instance")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("PBVOTE_") and name not in _RUN_VARIABLES:
                patch.delenv(name)
        patch.setenv("PBVOTE_INSTANCE_PATH", str(instance))
        yield instance


@pytest.fixture(scope="session")
def pabulib_dir() -> Path:
    """The folder of real pabulib elections; skips the test when it is not there."""
    if not PABULIB_DIR.is_dir():
        pytest.skip(f"pabulib data not found at {PABULIB_DIR} (set PBVOTE_PABULIB_DIR)")
    return PABULIB_DIR


def _sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A file database, so several connections and the live server's threads share it."""
    yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'pbvote-test.sqlite3'}"


def _postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database with a random name, dropped at the end of the session."""
    if not TEST_DATABASE_URL:
        message = (
            "PostgreSQL tests need PBVOTE_TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
        if REQUIRE_POSTGRES:
            pytest.fail(f"PBVOTE_REQUIRE_POSTGRES=1 but PostgreSQL is not configured: {message}", pytrace=False)
        pytest.skip(message)

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server_url = make_url(TEST_DATABASE_URL)
    name = f"pbvote_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # A throwaway database: commits need not wait for the disk (4 ms → 1 ms each).
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


@dataclass
class TestDatabase:
    """One migrated database of the session: its kind, URL and tables (children first, for cleanup)."""

    __test__ = False  # not a test class, despite the name

    kind: str
    url: str
    tables_children_first: list[str] = field(default_factory=list)
    # PostgreSQL only: may we switch triggers off for the cleanup (superuser)? Then DELETE, else TRUNCATE.
    can_skip_triggers: bool = False


def _test_config(url: str, **overrides) -> type:
    """TestingConfig pointed at ``url``: CSRF on, rate limits on (memory), mails kept in memory."""
    from pbvote.config import TestingConfig

    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_BACKEND": "memory",
        "SERVER_NAME": None,
    }
    settings.update(overrides)
    return type("PytestConfig", (TestingConfig,), settings)


@pytest.fixture(scope="session", params=DATABASES, ids=DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    """A database per backend, migrated to head once for the whole session."""
    import flask_migrate
    from sqlalchemy import MetaData, text

    from pbvote import create_app
    from pbvote.extensions import db

    urls = _sqlite_url(tmp_path_factory) if request.param == "sqlite" else _postgresql_url()
    url = next(urls)
    try:
        app = create_app(_test_config(url))
        with app.app_context():
            try:
                flask_migrate.upgrade()
            except SystemExit:  # Flask-Migrate logs Alembic's error, then exits; keep pytest running
                raise RuntimeError(f"alembic upgrade to head failed on {request.param} (see the log)") from None
            reflected = MetaData()
            reflected.reflect(bind=db.engine)
            tables = [t.name for t in reversed(reflected.sorted_tables) if t.name != "alembic_version"]
            can_skip_triggers = request.param == "postgresql" and bool(
                db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
            )
            db.session.remove()
            db.engine.dispose()
        yield TestDatabase(request.param, url, tables, can_skip_triggers)
    finally:
        urls.close()


def _empty_tables(database: TestDatabase) -> None:
    """Delete every row, children first, in one transaction.

    On PostgreSQL, DELETE with triggers switched off (``session_replication_role = replica``: no foreign-key
    checks, no append-only guards) takes a few milliseconds where TRUNCATE takes half a second; without the
    privilege for that we fall back to TRUNCATE … RESTART IDENTITY CASCADE. On SQLite, foreign keys are
    checked at commit (``defer_foreign_keys``), so self-references cannot get in the way.
    """
    from pbvote.extensions import db

    if not database.tables_children_first:
        return
    with db.engine.begin() as connection:
        if database.kind == "postgresql" and not database.can_skip_triggers:
            names = ", ".join(f'"{name}"' for name in database.tables_children_first)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            return
        if database.kind == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for name in database.tables_children_first:
            connection.exec_driver_sql(f'DELETE FROM "{name}"')


# --------------------------------------------------------------------------------------------------------------
# The application and its clients
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def app_config() -> dict:
    """Extra config for this test's app (override the fixture or mutate the dict before ``app`` is built)."""
    return {}


@pytest.fixture
def app(database: TestDatabase, app_config: dict) -> Iterator[Flask]:
    """The application on this run's database (TestingConfig), with an app context and empty tables."""
    from pbvote import create_app
    from pbvote.extensions import db, limiter

    application = create_app(_test_config(database.url, **app_config))
    application.test_client_class = PbvoteClient
    with application.app_context():
        _empty_tables(database)
        limiter.reset()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    """The Flask-SQLAlchemy extension, bound to this test's app."""
    from pbvote.extensions import db as extension

    return extension


@pytest.fixture
def db_session(db):
    """The scoped SQLAlchemy session the application uses."""
    return db.session


class PbvoteClient(FlaskClient):
    """Flask's test client plus form posting with a real CSRF token read from a rendered page."""

    def csrf_token(self, page: str = "/") -> str:
        """The CSRF token the given page hands to this client's session (``<meta name="csrf-token">``)."""
        response = self.get(page)
        html = response.get_data(as_text=True)
        token = extract_csrf_token(html)
        if token is None:
            raise AssertionError(f"No CSRF token on {page} (status {response.status_code}): {html[:500]!r}")
        return token

    def post_form(self, url: str, data: dict | None = None, *, token_page: str = "/", **kwargs):
        """POST ``data`` with a valid ``csrf_token`` field added (the way a browser submits the form)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_page))
        return self.post(url, data=data, **kwargs)


_META_TOKEN = re.compile(r'<meta\s+name="csrf-token"\s+content="([^"]+)"')
_INPUT_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')


def extract_csrf_token(html: str) -> str | None:
    """The token from ``<meta name="csrf-token">`` or else from a form's hidden ``csrf_token`` input."""
    match = _META_TOKEN.search(html)
    if match:
        return match.group(1)
    match = _INPUT_TOKEN.search(html)
    if match:
        return match.group(1) or match.group(2)
    return None


@pytest.fixture
def client(app: Flask) -> PbvoteClient:
    """A test client (cookies kept between requests) with ``post_form`` and ``csrf_token``."""
    return app.test_client()


@pytest.fixture
def csrf_token() -> Callable[..., str]:
    """``csrf_token(client, page="/")``: a valid CSRF token for that client's session."""

    def read(client: PbvoteClient, page: str = "/") -> str:
        return client.csrf_token(page)

    return read


@pytest.fixture
def runner(app: Flask):
    """A click runner for the ``pbvote``/``flask`` commands of this app."""
    return app.test_cli_runner()


# --------------------------------------------------------------------------------------------------------------
# Factories
# --------------------------------------------------------------------------------------------------------------

_sequence = itertools.count(1)


@pytest.fixture
def create_organisation(db) -> Callable:
    """``create_organisation(**overrides)`` → a committed Organisation with a unique slug."""
    from pbvote.accounts.models import Organisation

    def create(**overrides) -> Organisation:
        number = next(_sequence)
        values = {"slug": f"org-{number}", "name": f"Organisation {number}"}
        values.update(overrides)
        organisation = Organisation(**values)
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return create


@pytest.fixture
def organisation(create_organisation):
    """The default organisation users are created in."""
    return create_organisation(slug="testville", name="Testville Council")


def hash_password(password: str) -> str:
    """An argon2id hash with cheap parameters (tests make many users); the real sign-in form verifies it,
    since argon2 hashes carry their own parameters."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)


@pytest.fixture
def create_user(db, request: pytest.FixtureRequest) -> Callable:
    """``create_user(email=…, roles=("resident",), organisation=…, confirmed=True, password=…, district=…)``.

    Roles are granted in ``organisation`` (default: the ``organisation`` fixture, Testville).
    """
    from pbvote.accounts.models import Role, RoleGrant, User, utcnow

    def create(
        email: str | None = None,
        *,
        roles=(Role.RESIDENT,),
        organisation=None,
        confirmed: bool = True,
        password: str | None = DEFAULT_PASSWORD,
        district: str | None = None,
        display_name: str | None = None,
        **overrides,
    ) -> User:
        if organisation is None:
            organisation = request.getfixturevalue("organisation")
        number = next(_sequence)
        email = (email or f"user{number}@example.org").lower()
        user = User(
            email=email,
            display_name=display_name or f"User {number}",
            password_hash=hash_password(password) if password is not None else None,
            email_confirmed_at=utcnow() if confirmed else None,
            district=district,
            organisation=organisation,
            **overrides,
        )
        for role in roles:
            user.role_grants.append(RoleGrant(organisation=organisation, role=Role(role).value))
        db.session.add(user)
        db.session.commit()
        user.password = password  # for the test's convenience (auth.login); never stored
        return user

    return create


# --------------------------------------------------------------------------------------------------------------
# Signing in, mail
# --------------------------------------------------------------------------------------------------------------

LOGIN_ENDPOINT = "accounts.sign_in"
LOGOUT_ENDPOINT = "accounts.sign_out"


class AuthActions:
    """Sign in and out through the real pages, the way a browser does (CSRF token included)."""

    def __init__(self, app: Flask, client: PbvoteClient):
        self._app = app
        self._client = client

    def _url(self, endpoint: str) -> str:
        with self._app.test_request_context():
            from flask import url_for

            return url_for(endpoint)

    def login(self, user, password: str | None = None, *, client: PbvoteClient | None = None):
        """Sign ``user`` in (with ``password`` or the one the factory gave them); asserts it worked."""
        client = client or self._client
        url = self._url(LOGIN_ENDPOINT)
        password = password if password is not None else getattr(user, "password", DEFAULT_PASSWORD)
        response = client.post_form(url, {"email": user.email, "password": password}, token_page=url)
        assert response.status_code in (302, 303), (
            f"sign-in of {user.email} failed: {response.status_code} {response.get_data(as_text=True)[:800]}"
        )
        return response

    def logout(self, *, client: PbvoteClient | None = None):
        """Sign out through the sign-out form (POST with CSRF)."""
        client = client or self._client
        return client.post_form(self._url(LOGOUT_ENDPOINT))


@pytest.fixture
def auth(app: Flask, client: PbvoteClient) -> AuthActions:
    """``auth.login(user)`` / ``auth.logout()`` on ``client`` (or ``client=`` another one)."""
    return AuthActions(app, client)


@pytest.fixture
def mail_outbox(app: Flask) -> list[Message]:
    """The mails the application sends during this test (memory mail backend), oldest first."""
    from pbvote import mail

    return mail.outbox(app)


@dataclass
class SMTPServer:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.original_content or envelope.content)
        message["X-Envelope-From"] = envelope.mail_from
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """An aiosmtpd server on a free port; ``.messages`` holds what it received."""
    from aiosmtpd.controller import Controller

    server = SMTPServer(host="127.0.0.1", port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --------------------------------------------------------------------------------------------------------------
# Live server
# --------------------------------------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """The app served over real HTTP; ``url(path)`` builds absolute URLs."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """This test's app served by werkzeug on 127.0.0.1:<free port> in a thread, on the same database."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in mail are built from SERVER_NAME (never from the request): point them here, as `pbvote demo` does.
    app.config["SERVER_NAME"] = f"127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(host="127.0.0.1", port=server.server_port)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
