"""Mail for notifications: the per-person daily digest ``pbvote tick`` sends, preferences, unsubscribe links.

The digest is off unless a person turns it on. It goes at most once a day, lists the notifications not yet
mailed, and carries a signed one-click unsubscribe link that works without signing in. Notification texts
never quote comments, so nothing hidden can reach a mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from ..accounts.models import User
from ..extensions import db
from ..mail import MailError, send_mail
from ..text import counted
from .models import MailPreference, Notification, utcnow

UNSUBSCRIBE_SALT = "pbvote-notification-digest-unsubscribe"
DIGEST_INTERVAL = timedelta(days=1)


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


def _digest_body(user: User, notifications: list[Notification]) -> str:
    lines = [f"Hello {user.display_name},", "", "Here is what happened in the discussions since the last digest:", ""]
    for notification in notifications:
        lines += [f"- {notification.text}", f"  {_absolute(notification.url)}"]
    lines += [
        "",
        "You get this daily digest because you turned it on. To stop it with one click:",
        _absolute(_unsubscribe_path(user)),
    ]
    return "\n".join(lines) + "\n"


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
    for user_id in due:
        notifications = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.emailed_at.is_(None))
            .order_by(Notification.id)
        ))
        if not notifications:
            continue
        user = db.session.get(User, user_id)
        count = len(notifications)
        try:
            send_mail(
                to=user.email,
                subject=f"pbvote: {counted(count, 'new notification')}",
                body=_digest_body(user, notifications),
            )
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

