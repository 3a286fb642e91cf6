"""The schema lives in Alembic migrations, and they agree with the models on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import pbvote
from pbvote.extensions import db as extension_db
from tests.conftest import _postgresql_url, _sqlite_url, _test_config

MIGRATIONS = Path(pbvote.__file__).parent / "migrations"
VERSION_FILE = re.compile(r"^\d{8}_[0-9a-f]+_[a-z0-9_]+\.py$")


def import_all_models() -> None:
    """Import every ``pbvote.<feature>.models`` so the metadata holds every table, routed or not."""
    for module in pkgutil.walk_packages(pbvote.__path__, prefix="pbvote."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)


def schema_differences(connection) -> list:
    """What ``pbvote db migrate`` would generate now (empty when models and migrations agree)."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True, "target_metadata": extension_db.metadata}
    )
    return compare_metadata(context, extension_db.metadata)


def test_migrations_have_a_single_head_and_dated_file_names():
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1, f"several migration heads: {script.get_heads()}"
    names = sorted(path.name for path in (MIGRATIONS / "versions").glob("*.py"))
    assert names, "no migrations"
    misnamed = [name for name in names if not VERSION_FILE.match(name)]
    assert not misnamed, f"migration files must be named YYYYMMDD_<rev>_<slug>.py: {misnamed}"


def test_models_and_migrations_agree(app, db):
    """Upgraded to head (by the session fixture), the database matches the models: no pending autogenerate."""
    import_all_models()
    with db.engine.connect() as connection:
        differences = schema_differences(connection)
    assert differences == [], "models and migrations disagree; run `pbvote db migrate`:\n" + "\n".join(
        map(repr, differences)
    )


@pytest.fixture
def scratch_app(database, tmp_path_factory):
    """An app on a brand-new, empty database of the same kind (migrations are run by the test itself)."""
    from pbvote import create_app

    urls = _sqlite_url(tmp_path_factory) if database.kind == "sqlite" else _postgresql_url()
    url = next(urls)
    try:
        application = create_app(_test_config(url))
        with application.app_context():
            yield application
            extension_db.session.remove()
            extension_db.engine.dispose()
    finally:
        urls.close()


def test_downgrade_to_base_and_upgrade_again(scratch_app):
    import_all_models()
    tables = set(extension_db.metadata.tables)

    flask_migrate.upgrade(revision="head")
    assert tables <= set(inspect(extension_db.engine).get_table_names())

    flask_migrate.downgrade(revision="base")
    extension_db.engine.dispose()  # forget cached table information between schema changes
    assert set(inspect(extension_db.engine).get_table_names()) <= {"alembic_version"}

    flask_migrate.upgrade(revision="head")
    with extension_db.engine.connect() as connection:
        assert schema_differences(connection) == []


def test_upgrading_a_database_with_data_keeps_it(scratch_app):
    """A real instance upgrades with rows in it (the demo's SQLite file, a city's PostgreSQL): batch migrations
    that rebuild a table others point at must not trip over foreign keys, and no row is lost."""
    from pbvote.demo import seed_accounts
    from pbvote.rounds.demo import seed_rounds

    script = ScriptDirectory(str(MIGRATIONS))
    first_with_rounds = next(r.revision for r in script.walk_revisions() if r.down_revision is None)
    flask_migrate.upgrade(revision="head")
    data = seed_accounts()
    seed_rounds(data)
    counts = {name: extension_db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
              for name in ("round", "budget", "round_event", "user_account")}
    extension_db.session.remove()
    # Back to just after the rounds feature, with its rows kept, then forward over every later migration.
    rounds = next(r.revision for r in script.walk_revisions() if r.down_revision == first_with_rounds)
    flask_migrate.downgrade(revision=rounds)
    flask_migrate.upgrade(revision="head")
    after = {name: extension_db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in counts}
    assert after == counts
