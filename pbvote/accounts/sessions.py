"""Sessions: Flask-Login's user loader and what templates need to know about the signed-in user.

The session stores ``"<user id>:<session version>"`` (``User.get_id``). Bumping ``User.session_version`` (at
sign-out, password reset) makes every session that carries the old version anonymous at its next request —
on every device, including a copied cookie. The version lives in the database, so with several app servers
(one ``SECRET_KEY``) a session made on one is valid on all, and signing out on one ends it on all.
"""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db, login_manager
from ..i18n import _l
from .models import Organisation, Role, RoleGrant, User, role_name


def init_sessions(app: Flask) -> None:
    """Bind Flask-Login to ``app`` and add the template helpers."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to open that page.")
    login_manager.localize_callback = str  # the lazy text in the language of the request that flashes it
    login_manager.login_message_category = "info"
    # Session renewal and version checks protect sessions; "strong" protection would also sign people out
    # whenever their IP address changes (mobile networks), so the lighter "basic" mode is kept.
    login_manager.session_protection = "basic"
    app.context_processor(lambda: {"nav_council_organisations": council_organisations, "Role": Role,
                                   "role_name": role_name})
    app.before_request(forget_previous_request)


def forget_previous_request() -> None:
    """Drop per-request caches that live on ``g`` (the signed-in user, the CSRF token).

    In production every request has its own application context, so ``g`` starts empty. When an application
    context is already pushed (tests, CLI-driven requests), requests share it, and a user cached on ``g`` by
    one client's request would be "signed in" for the next client. Clearing them keeps requests independent.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a ``"<id>:<version>"`` session id, or None when malformed, stale or deactivated."""
    user_id, separator, version = str(session_id).partition(":")
    if not separator:
        return None
    try:
        user_id_number, version_number = int(user_id), int(version)
    except ValueError:
        return None
    if not 0 < user_id_number < 2**31:
        return None
    user = db.session.get(User, user_id_number)
    if user is None or user.session_version != version_number or not user.active:
        return None
    return user


def council_organisations() -> list[Organisation]:
    """The organisations in which the signed-in user is a council member (for navigation)."""
    if not current_user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(Organisation)
            .join(RoleGrant, RoleGrant.organisation_id == Organisation.id)
            .where(RoleGrant.user_id == current_user.id, RoleGrant.role == Role.COUNCIL.value)
            .order_by(Organisation.name)
        )
    )
