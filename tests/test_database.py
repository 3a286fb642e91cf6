"""The database is set up for a web server: SQLite pragmas, real read-then-write transactions, clean tests."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select, text, update

from pbvote.accounts.models import Organisation, User
from pbvote.database import write_transaction
from tests.sql_log import SentStatements


def test_each_test_starts_with_empty_tables(db, create_user):
    """Factories commit real rows, and the next test (see below) does not see them."""
    create_user(email="first@example.org")
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_rows_from_the_previous_test_are_gone(db):
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_cleanup_between_tests_empties_every_table(db, database, create_user):
    """What runs before each test: every row goes, children before parents, without tripping foreign keys."""
    from tests.conftest import _empty_tables

    create_user(email="someone@example.org", roles=("resident", "council"))
    db.session.commit()
    db.session.close()
    _empty_tables(database)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_health_check_reaches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# SQLite-specific behaviour: these tests run on the SQLite database only (not skipped on PostgreSQL: not made).
sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def _pragma(db, name: str):
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app, db):
    assert _pragma(db, "journal_mode") == "wal"
    assert _pragma(db, "foreign_keys") == 1
    assert _pragma(db, "busy_timeout") == app.config["SQLITE_BUSY_TIMEOUT_MS"] > 0


@sqlite_only
def test_sqlite_enforces_foreign_keys(db):
    with pytest.raises(Exception, match="FOREIGN KEY"):
        db.session.execute(
            text(
                "INSERT INTO user_account (email, display_name, organisation_id, session_version, active, created_at)"
                " VALUES ('x@example.org', 'X', 999, 1, 1, CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
    db.session.rollback()


@sqlite_only
def test_write_transaction_takes_the_write_lock_before_its_first_read(app, db, database):
    """While a write_transaction is open — even before it writes — no other connection can start writing."""
    path = database.url.removeprefix("sqlite:///")
    entered, release, outcome = threading.Event(), threading.Event(), {}

    def hold_write_transaction():
        with app.app_context():
            with write_transaction() as session:
                session.execute(select(func.count()).select_from(Organisation)).scalar()  # a read only
                entered.set()
                release.wait(10)
            db.session.remove()

    holder = threading.Thread(target=hold_write_transaction)
    holder.start()
    try:
        assert entered.wait(10)
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            started = time.monotonic()
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
            outcome["waited"] = time.monotonic() - started
        finally:
            other.close()
    finally:
        release.set()
        holder.join(10)
    assert outcome["waited"] >= 0.15  # it waited for the busy timeout, then gave up

    # Once the first transaction has ended the lock is free again.
    other = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


@sqlite_only
def test_a_plain_transaction_does_not_take_the_write_lock_for_reading(app, db, database):
    """The contrast case: an ordinary (deferred) transaction that only reads leaves writers free."""
    path = database.url.removeprefix("sqlite:///")
    db.session.execute(select(func.count()).select_from(Organisation)).scalar()
    assert db.session().in_transaction()
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
    db.session.rollback()


def test_write_transaction_commits_on_success_and_rolls_back_on_error(db, create_organisation):
    with write_transaction() as session:
        session.add(Organisation(slug="kept", name="Kept"))
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.add(Organisation(slug="dropped", name="Dropped"))
        session.flush()
        raise RuntimeError("boom")
    slugs = set(db.session.scalars(select(Organisation.slug)))
    assert slugs == {"kept"}


def test_write_transaction_goes_on_in_a_read_only_postgresql_transaction(db, database, create_organisation):
    """A request reads (its user, say), then writes: on PostgreSQL the write goes on in the same transaction,
    one commit instead of two; SQLite commits the read first, then takes its write lock (BEGIN IMMEDIATE)."""
    create_organisation(slug="first", name="First")
    db.session.commit()
    with SentStatements(db.engine) as sent:
        db.session.scalar(select(func.count()).select_from(Organisation))
        with write_transaction() as session:
            session.add(Organisation(slug="second", name="Second"))
    if database.kind == "postgresql":
        assert sent == ["SELECT", "INSERT", "COMMIT"]
    else:
        assert sent == ["BEGIN", "SELECT", "COMMIT", "BEGIN IMMEDIATE", "INSERT", "COMMIT"]
    assert set(db.session.scalars(select(Organisation.slug))) == {"first", "second"}


def test_an_earlier_write_is_committed_before_the_write_transaction_begins(db, create_organisation):
    """A transaction that has already written is committed first, on both databases: an error in the block
    then undoes the block only."""
    db.session.add(Organisation(slug="flushed", name="Flushed"))
    db.session.flush()
    db.session.execute(update(Organisation).where(Organisation.slug == "flushed").values(name="Renamed"))
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.add(Organisation(slug="dropped", name="Dropped"))
        session.flush()
        raise RuntimeError("boom")
    assert dict(db.session.execute(select(Organisation.slug, Organisation.name)).all()) == {"flushed": "Renamed"}


def test_a_failed_block_in_a_continued_transaction_rolls_back(db, create_organisation):
    db.session.scalar(select(func.count()).select_from(Organisation))  # a read: the block goes on in it (PostgreSQL)
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.add(Organisation(slug="dropped", name="Dropped"))
        session.flush()
        raise RuntimeError("boom")
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
