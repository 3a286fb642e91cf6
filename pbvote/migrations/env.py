"""Alembic environment for pbvote, run through Flask-Migrate inside the application context.

Every ``pbvote.<feature>.models`` module is imported first so autogenerate compares the database with ALL
models, not just those some blueprint happened to import.
"""

import importlib
import logging
import pkgutil
from logging.config import fileConfig

from alembic import context
from flask import current_app

import pbvote

config = context.config

if config.config_file_name is not None:
    # Keep the application's and pytest's loggers working after Alembic configures logging.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def import_all_models() -> None:
    """Import every feature's ``models`` module so its tables are in the metadata."""
    for module in pkgutil.iter_modules(pbvote.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"pbvote.{module.name}.models")
            except ModuleNotFoundError as error:
                if error.name != f"pbvote.{module.name}.models":
                    raise


import_all_models()
target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``pbvote db upgrade --sql``) without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the application's engine."""

    def process_revision_directives(context, revision, directives):
        # `pbvote db migrate` with no schema change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy a table and drop the old one; with foreign keys enforced SQLite refuses to
            # drop a table other rows point at. The pragma only works outside a transaction, so it goes to the
            # driver before Alembic begins one; afterwards every reference is checked.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
