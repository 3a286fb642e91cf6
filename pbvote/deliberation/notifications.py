"""Mail for notifications: the per-person daily digest ``pbvote tick`` sends, preferences, unsubscribe links.

The digest is off unless a person turns it on. It goes at most once a day, lists the notifications not yet
mailed, and carries a signed one-click unsubscribe link that works without signing in. Notification texts
never quote comments, so nothing hidden can reach a mailbox.

A notification is written, and a digest mailed, in the recipient's language (:func:`languages_of`), not in the
language of the person whose action caused it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from ..accounts.models import Organisation, User
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, _n, normalise
from ..mail import MailError, send_mail
from .models import MailPreference, Notification, utcnow

UNSUBSCRIBE_SALT = "pbvote-notification-digest-unsubscribe"
DIGEST_INTERVAL = timedelta(days=1)


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """The locale each person reads notifications and mail in: the one they chose, else their organisation's
    default language, else English (one query however many people)."""
    rows = db.session.execute(
        select(User.id, User.language, Organisation.default_language)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(User.id.in_(set(user_ids)))
    )
    return {user_id: normalise(chosen) or normalise(default) or DEFAULT_LOCALE for user_id, chosen, default in rows}


def preference_of(user: User) -> MailPreference:
    """The person's mail preference (the default, off, when they never chose)."""
    return db.session.get(MailPreference, user.id) or MailPreference(user_id=user.id, daily_digest=False)


def set_daily_digest(user_id: int, enabled: bool) -> None:
    preference = db.session.get(MailPreference, user_id)
    if preference is None:
        preference = MailPreference(user_id=user_id)
        db.session.add(preference)
    preference.daily_digest = enabled
    db.session.flush()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """A signed token naming the person; it only ever turns their digest off."""
    return _serializer().dumps({"u": user.id})


def user_of_unsubscribe_token(token: str) -> int | None:
    """The user id a token names, or None when it is forged or malformed."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None


def _absolute(path: str) -> str:
    """A link for a mail, built from SERVER_NAME and PREFERRED_URL_SCHEME (``pbvote tick`` has no request)."""
    config = current_app.config
    return f"{config.get('PREFERRED_URL_SCHEME') or 'https'}://{config.get('SERVER_NAME') or 'localhost'}{path}"


def site_path(endpoint: str, **values) -> str:
    """The path of ``endpoint``, inside a request or not (``pbvote tick`` and ``pbvote demo`` have none)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind(current_app.config.get("SERVER_NAME") or "localhost").build(endpoint, values)


def _unsubscribe_path(user: User) -> str:
    return site_path("deliberation.unsubscribe", token=unsubscribe_token(user))


def _digest(user: User, notifications: list[Notification]) -> tuple[str, str]:
    """The digest's subject and body, in the locale in force (``pbvote tick`` mails them without a request)."""
    count = len(notifications)
    subject = _n("pbvote: %(num)s new notification", "pbvote: %(num)s new notifications", count)
    body = render_template(
        "deliberation/mail/digest.txt", user=user,
        items=[(notification.text, _absolute(notification.url)) for notification in notifications],
        unsubscribe_url=_absolute(_unsubscribe_path(user)),
    )
    return subject, body


@dataclass(frozen=True)
class DigestReport:
    sent: int
    failed: int


def send_digests(now: datetime | None = None) -> DigestReport:
    """Mail each person who asked for it the notifications not yet mailed, at most once per day.

    Each person's digest is committed on its own: a mail that fails is retried at the next tick and does not
    hold back the others.
    """
    now = now or utcnow()
    due = db.session.scalars(
        select(MailPreference.user_id).where(
            MailPreference.daily_digest.is_(True),
            or_(MailPreference.last_digest_at.is_(None), MailPreference.last_digest_at <= now - DIGEST_INTERVAL),
        ).order_by(MailPreference.user_id)
    ).all()
    sent = failed = 0
    languages = languages_of(due)
    for user_id in due:
        notifications = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.emailed_at.is_(None))
            .order_by(Notification.id)
        ))
        if not notifications:
            continue
        user = db.session.get(User, user_id)
        with force_locale(languages[user_id]):
            subject, body = _digest(user, notifications)
        try:
            send_mail(to=user.email, subject=subject, body=body)
        except MailError:
            current_app.logger.exception("Digest for user %s could not be mailed", user_id)
            db.session.rollback()
            failed += 1
            continue
        for notification in notifications:
            notification.emailed_at = now
        db.session.get(MailPreference, user_id).last_digest_at = now
        db.session.commit()
        sent += 1
    return DigestReport(sent, failed)

