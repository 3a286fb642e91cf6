"""The mail queue: :func:`queue_notice` stores a mail once, :func:`send_queued` (``pbvote tick``) sends it once.

Every notice is one row of ``outgoing_mail`` with a unique ``key`` naming what it is about and for whom
(``"voting_opens:round:7:user:12"``): queueing it again, from a second tick or a retried request, stores
nothing. Sending claims rows with a conditional UPDATE (``status = 'queued'`` → ``'sending'``, marked with the
tick's random token) inside a write transaction — BEGIN IMMEDIATE on SQLite, row locks skipped by other
ticks on PostgreSQL — so two ticks running at once never send the same mail. A mail that fails to send is
retried at later ticks, with growing delays, and given up after :data:`MAX_ATTEMPTS`.

Each mail ends with a signed one-click unsubscribe link for its kind (and carries RFC 8058's
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers); whoever turns a kind off gets no more of it, even
mails queued before.

Other features queue their own notices: add the kind to :data:`NOTICE_KINDS` (its label is what the mail
settings page shows), then call ``queue_notice(kind, user, subject, body, key)`` inside their transaction, with
the subject and body written in the recipient's language (``with in_language_of(user):`` from ``pbvote.mail``);
the footer added here is in that language too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.models import User
from ..database import write_transaction
from ..extensions import db
from ..i18n import _, _l
from ..mail import MailError, external_url, in_language_of, send_mail
from ..rounds.voters import CODE_IDENTITY_DOMAIN
from .models import MailStatus, NoticeOptOut, OutgoingMail, utcnow

#: Every kind of notice, with what the mail settings page calls it.
NOTICE_KINDS = {
    "voting_opens": _l("Voting opens in a round I may vote in"),
    "voting_closing": _l("Two days before voting closes, if I have not voted yet"),
    "results_published": _l("The results of a round I may vote in are published"),
    "feasibility_decision": _l("The council decides whether a proposal of mine is feasible"),
}

UNSUBSCRIBE_SALT = "pbvote-notice-unsubscribe"
CLAIM_BATCH = 100
INSERT_CHUNK = 500  # rows per INSERT: SQLite allows 32,766 bound values in one statement
#: A mail still "sending" this long after a tick took it belongs to a tick that died: it is taken again.
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_RETRY_DELAY = timedelta(minutes=2)
SUBJECT_LENGTH = 200


class UnknownNoticeKind(ValueError):
    """A kind that is not in :data:`NOTICE_KINDS`."""


# --------------------------------------------------------------------------------------------------------------
# Who gets mail
# --------------------------------------------------------------------------------------------------------------


def mailable_users():
    """A condition on ``User``: active, with a confirmed address that is a real mailbox (voter-code identities
    have none)."""
    return (
        User.active.is_(True)
        & User.email_confirmed_at.is_not(None)
        & ~User.email.endswith(CODE_IDENTITY_DOMAIN)
    )


def not_opted_out(kind: str):
    """A condition on ``User``: has not turned ``kind`` off."""
    return ~exists().where(NoticeOptOut.user_id == User.id, NoticeOptOut.kind == kind)


def enabled_kinds(user_id: int) -> set[str]:
    """The kinds of notice the person gets (all of them unless they turned some off)."""
    off = set(db.session.scalars(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == user_id)))
    return set(NOTICE_KINDS) - off


def set_kind_enabled(user_id: int, kind: str, enabled: bool) -> None:
    """Turn one kind of notice on or off for the person; flushes, the caller commits."""
    _check_kind(kind)
    opt_out = db.session.get(NoticeOptOut, (user_id, kind))
    if enabled and opt_out is not None:
        db.session.delete(opt_out)
    elif not enabled and opt_out is None:
        db.session.add(NoticeOptOut(user_id=user_id, kind=kind))
    db.session.flush()


def _check_kind(kind: str) -> None:
    if kind not in NOTICE_KINDS:
        raise UnknownNoticeKind(f"Unknown notice kind {kind!r} (add it to NOTICE_KINDS)")


# --------------------------------------------------------------------------------------------------------------
# Unsubscribe links
# --------------------------------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed token naming a person and a kind of notice; it only ever turns that kind off."""
    return _serializer().dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """``(user id, kind)`` of a token, or None when it is forged, malformed or names an unknown kind."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in NOTICE_KINDS:
        return None
    return user_id, kind


def unsubscribe_url(user_id: int, kind: str) -> str:
    return external_url("notices.unsubscribe", token=unsubscribe_token(user_id, kind))


def _footer(user: User, kind: str) -> str:
    """The end of every notice, in the recipient's language: why they get it and how to stop it."""
    with in_language_of(user):
        lines = [
            _("You get this mail because of your pbvote mail settings: “%(kind)s”.", kind=NOTICE_KINDS[kind]),
            _("To stop mails like this with one click: %(url)s", url=unsubscribe_url(user.id, kind)),
            _("All your mail settings: %(url)s", url=external_url("notices.edit_mail_settings")),
        ]
    return "\n-- \n" + "".join(f"{line}\n" for line in lines)


# --------------------------------------------------------------------------------------------------------------
# Queueing
# --------------------------------------------------------------------------------------------------------------


def dialect_insert(model):
    """The INSERT of this database's dialect, which has ``on_conflict_do_nothing`` (SQLite and PostgreSQL)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


@dataclass(frozen=True)
class Notice:
    """One mail to queue: ``key`` is unique per notice and recipient."""

    kind: str
    user: User
    subject: str
    body: str
    key: str


def queue_notice(kind: str, user: User, subject: str, body: str, key: str) -> bool:
    """Queue one plain-text mail to ``user`` unless ``key`` is already queued, the person turned ``kind``
    off, or their account has no confirmed mailbox; True when a mail was queued. Flushes; the caller commits.

    ``body`` is the message itself; the unsubscribe footer is added here. Never put secrets (voter codes,
    sign-in links) in a notice: it waits in the database and may be forwarded.
    """
    mailable = bool(db.session.scalar(
        select(func.count()).select_from(User).where(User.id == user.id, mailable_users(), not_opted_out(kind))
    ))
    return mailable and queue_notices([Notice(kind, user, subject, body, key)]) == 1


def queue_notices(notices: list[Notice]) -> int:
    """Queue many notices whose recipients were already chosen (mailable, not opted out); returns how many
    were new. Keys already queued are skipped by the database (ON CONFLICT DO NOTHING), so two ticks
    queueing the same batch at once store it once."""
    for notice in notices:
        _check_kind(notice.kind)
    if not notices:
        return 0
    now = utcnow()
    rows = [
        {
            "key": notice.key,
            "kind": notice.kind,
            "user_id": notice.user.id,
            "recipient": notice.user.email,
            "subject": " ".join(notice.subject.split())[:SUBJECT_LENGTH],
            "body": notice.body.rstrip("\n") + "\n" + _footer(notice.user, notice.kind),
            "status": MailStatus.QUEUED.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for notice in notices
    ]
    queued = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        statement = dialect_insert(OutgoingMail).values(rows[start:start + INSERT_CHUNK])
        statement = statement.on_conflict_do_nothing(index_elements=["key"]).returning(OutgoingMail.id)
        queued += len(db.session.execute(statement).all())
    return queued


# --------------------------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


def send_queued(now: datetime | None = None) -> SendReport:
    """Send every queued mail that is due, each exactly once even when several ticks run at once.

    Mails are taken in batches; each outcome is committed on its own, so a failure holds back nothing else.
    """
    now = now or utcnow()
    _release_stale_claims(now)
    counts = {"sent": 0, "retrying": 0, "failed": 0, "cancelled": 0}
    while claimed := _claim_batch(now):
        for mail in claimed:
            counts[_deliver(mail, now)] += 1
    return SendReport(**counts)


def _release_stale_claims(now: datetime) -> None:
    with write_transaction():
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.status == MailStatus.SENDING.value, OutgoingMail.claimed_at < now - CLAIM_TIMEOUT)
            .values(status=MailStatus.QUEUED.value, claim_token=None)
        )


def _claim_batch(now: datetime) -> list[OutgoingMail]:
    """Take up to :data:`CLAIM_BATCH` due mails for this tick: a conditional UPDATE, so a row another tick
    took in the meantime (its status is no longer "queued") is left alone."""
    token = secrets.token_hex(16)
    with write_transaction():
        due = (
            select(OutgoingMail.id)
            .where(OutgoingMail.status == MailStatus.QUEUED.value, OutgoingMail.next_attempt_at <= now)
            .order_by(OutgoingMail.id)
            .limit(CLAIM_BATCH)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(due))
        if not ids:
            return []
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id.in_(ids), OutgoingMail.status == MailStatus.QUEUED.value)
            .values(status=MailStatus.SENDING.value, claim_token=token, claimed_at=now)
        )
    return list(db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.claim_token == token).order_by(OutgoingMail.id)
    ))


def _deliver(mail: OutgoingMail, now: datetime) -> str:
    """Send one claimed mail and record the outcome; returns the :class:`SendReport` field to count it in."""
    if mail.kind not in enabled_kinds(mail.user_id):
        return _finish(mail, status=MailStatus.CANCELLED, outcome="cancelled")
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url(mail.user_id, mail.kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    try:
        send_mail(mail.recipient, mail.subject, mail.body, headers=headers)
    except MailError as error:
        current_app.logger.warning("Mail %s (%s) to user %s failed: %s", mail.id, mail.kind, mail.user_id, error)
        attempts = mail.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return _finish(mail, status=MailStatus.FAILED, outcome="failed", attempts=attempts, last_error=str(error))
        return _finish(mail, status=MailStatus.QUEUED, outcome="retrying", attempts=attempts, last_error=str(error),
                       next_attempt_at=now + FIRST_RETRY_DELAY * 2 ** (attempts - 1))
    return _finish(mail, status=MailStatus.SENT, outcome="sent", attempts=mail.attempts + 1, sent_at=utcnow(),
                   last_error=None)


def _finish(mail: OutgoingMail, *, status: MailStatus, outcome: str, **values: Any) -> str:
    with write_transaction():
        db.session.execute(
            update(OutgoingMail).where(OutgoingMail.id == mail.id, OutgoingMail.claim_token == mail.claim_token)
            .values(status=status.value, claim_token=None, **values)
        )
    return outcome
