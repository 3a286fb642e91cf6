"""Account business logic: passwords, registration, sign-in checks, confirmation, reset, roles.

Functions here never tell a caller's visitor whether an email address has an account: registration,
sign-in and reset behave the same way (same work, same answer) for known and unknown addresses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import render_template
from sqlalchemy import func, select

from ..database import write_transaction
from ..extensions import db
from ..i18n import _, _l
from ..mail import MailError, external_url, in_language_of, send_mail
from .models import Organisation, Role, RoleGrant, User, role_name, utcnow
from .tokens import load_confirmation_token, load_reset_token, make_confirmation_token, make_reset_token

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
_dummy_hash: str | None = None


class AccountError(Exception):
    """Something a user asked for cannot be done; the message is shown to them."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; for a missing hash, spend the same time on a dummy hash."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("pbvote dummy password for timing")
        password_hash = _dummy_hash
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _send(user: User, subject, template: str, **context) -> None:
    """Send ``user`` a mail in their language (``subject`` is a lazy text); a failing mail server is logged,
    never revealed (it would tell who has an account)."""
    with in_language_of(user):
        subject, body = str(subject), render_template(template, user=user, **context)
    try:
        send_mail(user.email, subject, body)
    except MailError:
        log.exception("Could not send %r to %s", subject, user.email)


@dataclass
class Registration:
    email: str
    display_name: str
    password: str
    organisation: Organisation
    district: str | None = None


def register_user(registration: Registration) -> User | None:
    """Create an unconfirmed resident and mail them a confirmation link.

    If the address already has an account, nothing is created: the owner gets a notice instead (someone tried
    to register with their address), and the visitor sees the same answer either way. Returns the new user,
    or None when the address was taken.
    """
    email = normalise_email(registration.email)
    # Hash before taking the write lock: argon2 is deliberately slow, and other writers wait while we hold it.
    # Hashing for a taken address too keeps both answers equally slow.
    password_hash = hash_password(registration.password)
    with write_transaction() as session:
        existing = session.scalar(select(User).where(User.email == email))
        if existing is None:
            user = User(
                email=email,
                display_name=registration.display_name.strip(),
                password_hash=password_hash,
                district=(registration.district or "").strip() or None,
                organisation_id=registration.organisation.id,
            )
            user.role_grants.append(RoleGrant(organisation_id=registration.organisation.id, role=Role.RESIDENT.value))
            session.add(user)
        else:
            user = None
    if user is None:
        _send(existing, _l("Someone tried to register with your address"), "accounts/mail/already_registered.txt",
              sign_in_url=external_url("accounts.sign_in"),
              reset_url=external_url("accounts.request_password_reset"))
        return None
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    """Mail ``user`` a fresh link that confirms their address."""
    token = make_confirmation_token(user)
    _send(user, _l("Confirm your email address for pbvote"), "accounts/mail/confirm.txt",
          confirm_url=external_url("accounts.confirm_email", token=token))


def resend_confirmation(email: str) -> None:
    """Mail a new confirmation link if ``email`` belongs to an active, unconfirmed account; else nothing."""
    user = find_user_by_email(email)
    if user is not None and user.active and not user.email_confirmed:
        send_confirmation(user)


def confirm_email(token: str) -> User:
    """Mark the address confirmed; raises TokenError for an invalid, used or expired token."""
    with write_transaction():
        user = load_confirmation_token(token)
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work whether or not the address exists)."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def end_all_sessions(user: User) -> None:
    """Every session of ``user`` (on every device) stops working at its next request."""
    with write_transaction():
        user.session_version = User.session_version + 1
    db.session.refresh(user)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; do the same amount of visible work otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_reset_token(user)
    _send(user, _l("Reset your pbvote password"), "accounts/mail/reset.txt",
          reset_url=external_url("accounts.reset_password", token=token))


def check_reset_token(token: str) -> User:
    """The user the token belongs to, or TokenError."""
    return load_reset_token(token)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password with a reset token; the token dies and every existing session ends."""
    password_hash = hash_password(new_password)  # outside the write lock (see register_user)
    with write_transaction():
        user = load_reset_token(token)
        user.password_hash = password_hash
        # A reset also proves the address works.
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
        user.session_version = User.session_version + 1
    db.session.refresh(user)
    return user


def update_profile(user: User, *, display_name: str, district: str | None, language: str) -> None:
    with write_transaction():
        user.display_name = display_name.strip()
        user.district = (district or "").strip() or None
        user.language = language


# ---------------------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------------------


def staff_of(organisation_id: int) -> list[tuple[User, list[RoleGrant]]]:
    """Users holding any role other than resident in the organisation, with their grants there."""
    grants = db.session.scalars(
        select(RoleGrant)
        .where(RoleGrant.organisation_id == organisation_id)
        .join(User, RoleGrant.user_id == User.id)
        .order_by(User.display_name, User.email, RoleGrant.role)
    ).all()
    by_user: dict[int, tuple[User, list[RoleGrant]]] = {}
    for grant in grants:
        by_user.setdefault(grant.user_id, (grant.user, []))[1].append(grant)
    return [entry for entry in by_user.values() if any(g.role != Role.RESIDENT.value for g in entry[1])]


def count_members(organisation_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.organisation_id == organisation_id))


def count_residents(organisation_id: int) -> int:
    """Members holding the resident role in the organisation (those who may propose and vote)."""
    return db.session.scalar(
        select(func.count(func.distinct(RoleGrant.user_id)))
        .join(User, RoleGrant.user_id == User.id)
        .where(RoleGrant.organisation_id == organisation_id, RoleGrant.role == Role.RESIDENT.value,
               User.organisation_id == organisation_id)
    )


def grant_role(organisation: Organisation, email: str, role: Role | str, granted_by: User) -> RoleGrant:
    """Give the user with ``email`` (a member of ``organisation``) ``role`` there."""
    role_value = Role(role).value
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None or user.organisation_id != organisation.id:
            raise AccountError(_("No member of %(organisation)s has that email address.", organisation=organisation.name))
        existing = session.scalar(
            select(RoleGrant).where(
                RoleGrant.user_id == user.id,
                RoleGrant.organisation_id == organisation.id,
                RoleGrant.role == role_value,
            )
        )
        if existing is not None:
            raise AccountError(_("%(name)s already holds the role %(role)s.", name=user.display_name,
                                 role=role_name(role_value)))
        grant = RoleGrant(user=user, organisation_id=organisation.id, role=role_value, granted_by_id=granted_by.id)
        session.add(grant)
    return grant


def revoke_role(organisation: Organisation, grant_id: int) -> tuple[str, str]:
    """Take back a role granted in ``organisation``; the last council member cannot be removed.

    Returns the display name of the user and the role, for the confirmation message.
    """
    with write_transaction() as session:
        grant = session.get(RoleGrant, grant_id)
        if grant is None or grant.organisation_id != organisation.id:
            raise AccountError(_("That role grant does not exist."))
        if grant.role == Role.COUNCIL.value:
            councils = session.scalar(
                select(func.count()).select_from(RoleGrant).where(
                    RoleGrant.organisation_id == organisation.id, RoleGrant.role == Role.COUNCIL.value
                )
            )
            if councils <= 1:
                raise AccountError(_("The organisation needs at least one council member; grant the role to "
                                     "someone else first."))
        revoked = (grant.user.display_name, grant.role)
        session.delete(grant)
    return revoked


def create_user(
    *,
    email: str,
    display_name: str,
    password: str,
    organisation: Organisation,
    roles: tuple[Role | str, ...] = (Role.RESIDENT,),
    confirmed: bool = True,
    district: str | None = None,
) -> User:
    """Create a user directly (command line, demo): confirmed by default, with ``roles`` in ``organisation``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    email = normalise_email(email)
    password_hash = hash_password(password)  # outside the write lock (see register_user)
    with write_transaction() as session:
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise AccountError(f"{email} already has an account.")
        user = User(
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            organisation_id=organisation.id,
            email_confirmed_at=utcnow() if confirmed else None,
            district=district,
        )
        for role in dict.fromkeys(Role(r).value for r in roles):
            user.role_grants.append(RoleGrant(organisation_id=organisation.id, role=role))
        session.add(user)
    return user
