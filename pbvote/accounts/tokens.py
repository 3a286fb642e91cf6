"""Signed, expiring, single-use tokens for email confirmation and password reset.

A token carries the user's id and a *fingerprint* of the state it is meant to change: for a password reset
the current password hash, for a confirmation the (still unconfirmed) email address. Once the state changes
(new password, confirmed address) the fingerprint no longer matches and the token is dead — single use without
storing tokens. Each purpose has its own salt so one kind of token can never be used as the other.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..i18n import _
from .models import User

CONFIRM_SALT = "pbvote.accounts.confirm-email"
RESET_SALT = "pbvote.accounts.reset-password"


class TokenError(Exception):
    """The link is invalid, already used, or expired; ``expired`` tells which message to show."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _fingerprint(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def confirmation_state(user: User) -> str:
    """What a confirmation token is bound to: this address, still unconfirmed."""
    return _fingerprint(f"unconfirmed:{user.email}" if not user.email_confirmed else f"confirmed:{user.email}")


def reset_state(user: User) -> str:
    """What a reset token is bound to: the password hash it replaces."""
    return _fingerprint(f"password:{user.password_hash or ''}")


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_confirmation_token(user: User) -> str:
    return _serializer(CONFIRM_SALT).dumps({"user": user.id, "state": confirmation_state(user)})


def make_reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"user": user.id, "state": reset_state(user)})


def _load(token: str, salt: str, max_age: int, state_of: Callable[[User], str]) -> User:
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(_("This link has expired."), expired=True) from None
    except BadSignature:
        raise TokenError(_("This link is not valid.")) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        raise TokenError(_("This link is not valid."))
    user = db.session.get(User, payload["user"])
    if user is None or not user.active:
        raise TokenError(_("This link is not valid."))
    if not hmac.compare_digest(str(payload.get("state", "")), state_of(user)):
        raise TokenError(_("This link has already been used."))
    return user


def load_confirmation_token(token: str) -> User:
    """The user whose address the token confirms; TokenError if invalid, used or expired."""
    return _load(token, CONFIRM_SALT, current_app.config["TOKEN_MAX_AGE_CONFIRM"], confirmation_state)


def load_reset_token(token: str) -> User:
    """The user whose password the token may reset; TokenError if invalid, used or expired."""
    return _load(token, RESET_SALT, current_app.config["TOKEN_MAX_AGE_RESET"], reset_state)
