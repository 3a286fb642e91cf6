"""Sending mail: one function, three backends chosen by ``MAIL_BACKEND``.

- ``outbox`` (development): each message is written as an ``.eml`` file into ``instance/outbox/``;
- ``smtp`` (production): delivered through ``MAIL_HOST:MAIL_PORT`` with optional STARTTLS (``MAIL_USE_TLS``),
  implicit TLS (``MAIL_USE_SSL``) and login (``MAIL_USERNAME``/``MAIL_PASSWORD``);
- ``memory`` (tests): kept in a list per application, read with :func:`outbox`.

Mail is written in its recipient's language, whoever's request sends it: :func:`in_language_of`.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale

from .i18n import DEFAULT_LOCALE, normalise

_MEMORY_KEY = "pbvote_mail_outbox"
SMTP_TIMEOUT_SECONDS = 30
# RFC 5322's line limit, not the 78-character default: a longer header without spaces (the List-Unsubscribe URL)
# would otherwise be RFC 2047-encoded, which mail clients do not read as a URL.
MAIL_POLICY = policy.default.clone(max_line_length=998)


class MailError(RuntimeError):
    """The message could not be handed over to the mail system."""


def build_message(to: str, subject: str, body: str, *, sender: str,
                  headers: Mapping[str, str] | None = None) -> EmailMessage:
    """A plain-text message with the headers every backend needs, plus ``headers`` (e.g. List-Unsubscribe)."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str, *, headers: Mapping[str, str] | None = None) -> EmailMessage:
    """Send a plain-text mail with the configured backend; returns the message that was sent."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    message = build_message(to, subject, body, sender=app.config["MAIL_SENDER"], headers=headers)
    backend = app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox(app).append(message)
    elif backend == "outbox":
        _write_to_outbox(Path(app.instance_path) / "outbox", message)
    elif backend == "smtp":
        _deliver_by_smtp(app, message)
    else:
        raise MailError(f"Unknown MAIL_BACKEND {backend!r} (use 'outbox', 'smtp' or 'memory')")
    app.logger.info("Mail %r sent to %s via %s", subject, to, backend)
    return message


def language_of(user, organisation=None) -> str:
    """The locale of mail to ``user`` (None: someone without an account): the language they chose, else the
    default of ``organisation`` (the round's, for mail about a round) or of their own organisation, else English."""
    organisation = organisation or (user.organisation if user else None)
    return (normalise(user.language if user else None)
            or normalise(organisation.default_language if organisation else None) or DEFAULT_LOCALE)


@contextmanager
def in_language_of(user, organisation=None) -> Iterator[None]:
    """Translate (``_()``, templates, dates) in ``user``'s language inside the block (see :func:`language_of`):
    the person reading a mail is not the one whose request (or tick) writes it."""
    with force_locale(language_of(user, organisation)):
        yield


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` on this site, for mail, letters and anything read outside a page.

    Built from the configured ``SERVER_NAME`` (default "localhost"), ``PREFERRED_URL_SCHEME`` and
    ``APPLICATION_ROOT`` — never from the current request, whose Host header the client chooses: a reset link
    built from it would carry the token to whatever host the requester named.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    adapter = app.url_map.bind(
        app.config.get("SERVER_NAME") or "localhost",
        script_name=app.config.get("APPLICATION_ROOT") or "/",
        url_scheme=app.config.get("PREFERRED_URL_SCHEME") or "http",
    )
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def outbox(app: Flask) -> list[Message]:
    """The messages the memory backend has kept for ``app`` (the same list object for the app's life)."""
    return app.extensions.setdefault(_MEMORY_KEY, [])


def _write_to_outbox(folder: Path, message: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    return path


def _deliver_by_smtp(app: Flask, message: EmailMessage) -> None:
    config = app.config
    host, port = config["MAIL_HOST"], int(config["MAIL_PORT"])
    try:
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Could not deliver mail through {host}:{port}: {error}") from error
