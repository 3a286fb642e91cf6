"""Configuration: a class, then ``instance/config.py``, then ``PBVOTE_*`` environment variables.

Later sources win. Environment values are parsed as JSON when they look like JSON (numbers, booleans,
lists), so ``PBVOTE_MAIL_PORT=1025`` arrives as an int and ``PBVOTE_SESSION_COOKIE_SECURE=false`` as False.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

ENV_PREFIX = "PBVOTE_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


#: The languages pbvote speaks (``pbvote.i18n``): the locale code → the language's name in that language (the
#: switcher shows these). English is the source language; ``en_GB`` formats dates and numbers the British way.
LANGUAGES: dict[str, str] = {"en_GB": "English", "cy": "Cymraeg", "pl": "Polski"}
DEFAULT_LOCALE = "en_GB"


class DefaultConfig:
    """Development defaults: SQLite in instance/, mail written to instance/outbox/."""

    SECRET_KEY: str | None = None  # generated into instance/secret_key on first run when unset
    SQLALCHEMY_DATABASE_URI: str | None = None  # defaults to sqlite:///<instance>/pbvote.sqlite3
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # The proposal form (with its image) accepts more, so that an image over PROPOSAL_IMAGE_MAX_BYTES comes
    # back as an error on the re-shown form, with everything else typed kept, instead of a bare 413 page.
    PROPOSAL_FORM_MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS: ClassVar[list[str]] = ["X-CSRFToken"]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)

    # Counters per process with memory://; with several workers or servers share them in Redis
    # (PBVOTE_RATELIMIT_STORAGE_URI=redis://redis.internal:6379/0), so a limit counts every request.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_REGISTER = "5 per minute"
    RATELIMIT_RESET = "5 per minute"
    # JSON API: account sign-in (email + password) and voter-code sign-in per client address, casts per voter.
    RATELIMIT_API_SIGN_IN = "10 per minute"
    RATELIMIT_API_CODE = "60 per minute"
    RATELIMIT_API_BALLOT = "30 per minute"
    API_TOKEN_MAX_AGE = 3600  # seconds a bearer token works

    # Mail: "outbox" writes .eml files into instance/outbox/; "smtp" talks to MAIL_HOST:MAIL_PORT.
    MAIL_BACKEND = "outbox"
    MAIL_HOST = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "pbvote <no-reply@pbvote.localhost>"

    TOKEN_MAX_AGE_CONFIRM = 3 * 24 * 3600
    TOKEN_MAX_AGE_RESET = 3600

    # Links in mail and on printed letters are built from these, never from the request's Host header (which
    # a client chooses). Without SERVER_NAME (development) they point to "localhost".
    SERVER_NAME: str | None = None
    PREFERRED_URL_SCHEME = "http"
    # Host names requests may carry (a leading dot admits subdomains); None admits any. Production defaults it to
    # SERVER_NAME's host. A list, or one comma-separated string (PBVOTE_TRUSTED_HOSTS=pb.example.org,10.0.0.5).
    TRUSTED_HOSTS: list[str] | None = None
    REQUIRE_SERVER_NAME = False


class TestingConfig(DefaultConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"


class ProductionConfig(DefaultConfig):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    MAIL_BACKEND = "smtp"
    REQUIRE_SERVER_NAME = True


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which setting to fix."""


def settle_hosts(config: dict) -> None:
    """Check ``SERVER_NAME`` and turn ``TRUSTED_HOSTS`` into a list (production: SERVER_NAME's host by default).

    Production must know its own address: mailed links are built from it, and guessing it from requests would
    let anyone who sends ``Host: evil.example`` receive other people's reset links.
    """
    if config.get("REQUIRE_SERVER_NAME") and not config.get("SERVER_NAME"):
        raise ConfigError("Set PBVOTE_SERVER_NAME to the site's public host name (e.g. pb.example.org): links in "
                          "mail are built from it.")
    trusted = config.get("TRUSTED_HOSTS")
    if isinstance(trusted, str):
        trusted = [host.strip() for host in trusted.split(",") if host.strip()]
    if trusted is None and config.get("REQUIRE_SERVER_NAME"):
        trusted = [config["SERVER_NAME"].split(":")[0]]  # werkzeug ignores ports when it compares hosts
    config["TRUSTED_HOSTS"] = trusted


CONFIGS = {"default": DefaultConfig, "testing": TestingConfig, "production": ProductionConfig}


def env_overrides(environ: dict[str, str] | None = None) -> dict:
    """Every ``PBVOTE_X=value`` as ``{"X": value}``, JSON-decoded when possible."""
    environ = os.environ if environ is None else environ
    overrides = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX):]
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        overrides[key] = value
    if "DATABASE_URL" in overrides:
        overrides["SQLALCHEMY_DATABASE_URI"] = overrides.pop("DATABASE_URL")
    return overrides
