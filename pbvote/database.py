"""Database engine set-up and transaction helpers.

SQLite is configured for a web server: WAL journal, foreign keys on, a busy timeout. Python 3.11's sqlite3
module begins transactions lazily (only before the first write), so a read-then-write can see a stale snapshot
and then fail with "database is locked". We follow SQLAlchemy's documented recipe: turn off the driver's own
transaction handling and emit BEGIN ourselves when SQLAlchemy begins one — and BEGIN IMMEDIATE inside
``write_transaction()`` so the write lock is taken before the first read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from .extensions import db

_begin_immediate: ContextVar[bool] = ContextVar("pbvote_begin_immediate", default=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Install the connect/begin listeners that make pysqlite transactions real."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and, for SQLite, install the listeners on the engine."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if is_sqlite(engine):
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


@contextmanager
def write_transaction() -> Iterator[Session]:
    """A transaction that writes after it reads: commits on success, rolls back on any exception.

    On SQLite it starts with BEGIN IMMEDIATE so no other writer can slip in between our read and our
    write; on PostgreSQL callers lock rows with ``with_for_update()`` and rely on constraints.
    A transaction already open in the session (typically the read that loaded the current user) is ended
    first so the lock covers every read inside the block — except on PostgreSQL when it has only read: at
    READ COMMITTED every statement sees what is committed when it starts, so the block simply goes on in it
    (two round trips fewer, on every write a request makes).
    """
    session = db.session()  # the request's Session itself: the scoped_session proxy has no in_transaction()
    if session.in_transaction():
        if _has_only_read(session):
            with _continued(session):
                yield session
            return
        session.commit()
    token = _begin_immediate.set(True)
    try:
        with session.begin():
            yield session
    finally:
        _begin_immediate.reset(token)


def _has_only_read(session: Session) -> bool:
    """Whether the session's open transaction is a PostgreSQL one that has written nothing and holds no
    pending change."""
    return (not session.info.get(_WROTE) and not (session.new or session.dirty or session.deleted)
            and not is_sqlite(session.get_bind()))


@contextmanager
def _continued(session: Session) -> Iterator[None]:
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


_WROTE = "pbvote_transaction_wrote"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
