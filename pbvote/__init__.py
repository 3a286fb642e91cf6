"""pbvote: participatory budgeting and deliberation.

``create_app(config=None)`` builds the Flask application from a short list of named configure steps.
``config`` may be a name ("default", "testing", "production"), a config class, or a mapping of overrides
applied last (tests use this).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .config import CONFIGS, PROJECT_ROOT, env_overrides, settle_hosts

__version__ = "0.1.0"

if TYPE_CHECKING:  # Flask is imported inside create_app so `pbvote tally` starts without the web stack.
    from flask import Flask


def create_app(config: str | type | Mapping | None = None) -> Flask:
    from flask import Flask

    app = Flask(
        __name__,
        instance_path=os.environ.get("PBVOTE_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure_config(app, config)
    configure_extensions(app)
    configure_security(app)
    configure_templates(app)
    configure_blueprints(app)
    configure_errorhandlers(app)
    return app


def configure_config(app: Flask, config: str | type | Mapping | None) -> None:
    """Config class, then instance/config.py, then PBVOTE_* environment, then explicit overrides."""
    overrides: Mapping = {}
    if isinstance(config, Mapping):
        overrides = config
        config = None
    if config is None:
        config = os.environ.get("PBVOTE_CONFIG", "default")
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(env_overrides())
    app.config.update(overrides)
    settle_hosts(app.config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'pbvote.sqlite3'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def _instance_secret(path: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts of a development server."""
    if not path.exists():
        import secrets  # here, not at the top: `pbvote tally` imports this package and needs no hashing

        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def configure_extensions(app: Flask) -> None:
    from .accounts.sessions import init_sessions
    from .database import init_database
    from .extensions import csrf, db, limiter, migrate
    from .i18n import init_i18n

    init_database(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_sessions(app)
    init_i18n(app)


def configure_security(app: Flask) -> None:
    """Security headers (CSP, HSTS in production …) on every response."""
    from .security import init_security

    init_security(app)


def configure_templates(app: Flask) -> None:
    """Jinja filters and functions every template may use: ``{{ n | counted("event") }}``,
    ``{{ describe_rule(budget.rule_id, budget.rule_params) }}``."""
    from .tally.explain import describe_rule
    from .text import counted

    app.add_template_filter(counted)
    app.add_template_global(describe_rule)


def configure_blueprints(app: Flask) -> None:
    """Every feature's blueprint, each from its own ``blueprint.py`` (the JSON API through flask-smorest)."""
    from .accountability.blueprint import bp as accountability_bp
    from .accounts.blueprint import bp as accounts_bp
    from .api.blueprint import init_api
    from .content_languages.blueprint import bp as content_languages_bp
    from .core.blueprint import bp as core_bp
    from .deliberation.blueprint import bp as deliberation_bp
    from .notices.blueprint import bp as notices_bp
    from .paper.blueprint import bp as paper_bp
    from .proposals.blueprint import bp as proposals_bp
    from .results.blueprint import bp as results_bp
    from .rounds.blueprint import bp as rounds_bp
    from .voting.blueprint import bp as voting_bp

    for blueprint in (core_bp, accounts_bp, rounds_bp, proposals_bp, deliberation_bp, voting_bp, paper_bp,
                      results_bp, accountability_bp, notices_bp, content_languages_bp):
        app.register_blueprint(blueprint)
    init_api(app)


def configure_errorhandlers(app: Flask) -> None:
    """Friendly pages for 400/403/404/405/413/429/500; never a traceback."""
    from .errors import init_errors

    init_errors(app)
