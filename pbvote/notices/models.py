"""The mail queue, the rounds' notice batches already queued, and the kinds of notice people turned off."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class MailStatus(str, enum.Enum):
    """Where a queued mail is: waiting (or waiting for a retry), taken by a tick, sent, or given up."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # every attempt failed
    CANCELLED = "cancelled"  # the recipient turned this kind of notice off before it went


class OutgoingMail(db.Model):
    """One plain-text mail to one person, sent once: ``key`` names what it is about and for whom, so queueing
    the same notice twice (two ticks at once, a retried request) stores one row."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    # The tick that took the mail (a random token) and when; a mail left "sending" by a crashed tick is
    # taken again once the claim is old.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s.value) for s in MailStatus)})", name="status_known"),
        Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )


class NoticeBatch(db.Model):
    """A round-level notice (e.g. "voting opens in round 7") whose mails are all queued: later ticks skip it."""

    __tablename__ = "notice_batch"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class NoticeOptOut(db.Model):
    """A person turned one kind of notice off (in their mail settings or with a mail's unsubscribe link)."""

    __tablename__ = "notice_opt_out"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
