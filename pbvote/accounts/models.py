"""Organisations, users and the roles users hold in an organisation."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import _l


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(str, enum.Enum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    COUNCIL = "council"
    AUDITOR = "auditor"


ROLE_VALUES = tuple(role.value for role in Role)

#: What pages call each role, inside a sentence ("Hana is now moderator in Testville") and on its own (a choice).
ROLE_NAMES = {Role.RESIDENT.value: _l("resident"), Role.MODERATOR.value: _l("moderator"),
              Role.COUNCIL.value: _l("council"), Role.AUDITOR.value: _l("auditor")}
ROLE_CHOICE_LABELS = {Role.RESIDENT.value: _l("Resident"), Role.MODERATOR.value: _l("Moderator"),
                      Role.COUNCIL.value: _l("Council"), Role.AUDITOR.value: _l("Auditor")}


def role_name(role: str) -> str:
    """The role's name in the request's language (a stored role value passes through if unknown)."""
    return str(ROLE_NAMES.get(role, role))


class Organisation(db.Model):
    """A council, housing association or community group that runs rounds."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The language pages are shown in when neither the visitor nor their browser chose one (pbvote.i18n).
    default_language: Mapped[str] = mapped_column(String(10), default="en_GB", server_default="en_GB")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(UserMixin, db.Model):
    """A person with an account. ``organisation`` is where they registered (their home organisation)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    district: Mapped[str | None] = mapped_column(String(100))
    # The language the person chose in the switcher (pbvote.i18n.LANGUAGES); None until they choose one.
    language: Mapped[str | None] = mapped_column(String(10))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    # Bumped at sign-out and password change: every session carrying an older version is dead.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # Flask-Login: the session stores "<id>:<session_version>".
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def has_role(self, role: Role | str, organisation_id: int | None = None) -> bool:
        """True when the user holds ``role`` (in ``organisation_id``, or in any organisation if None)."""
        value = Role(role).value
        return any(
            grant.role == value and (organisation_id is None or grant.organisation_id == organisation_id)
            for grant in self.role_grants
        )

    def organisations_with_role(self, role: Role | str) -> set[int]:
        value = Role(role).value
        return {grant.organisation_id for grant in self.role_grants if grant.role == value}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(db.Model):
    """``user`` holds ``role`` in ``organisation``; granted by a council member of that organisation."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role"),
        CheckConstraint("role IN ('resident', 'moderator', 'council', 'auditor')", name="role_known"),
    )
