"""Bearer tokens: issuing, reading and revoking them, and the access decorators of the API's views.

Clients send ``Authorization: Bearer <token>``; cookies are never read (a browser's session cannot reach the
API, so there is nothing for CSRF to abuse and the blueprint is CSRF-exempt). A token is random, handed out
once, stored as SHA-256 and expires after ``API_TOKEN_MAX_AGE`` seconds.

The decorators declare their access like those of ``pbvote/access.py`` (``credentials="bearer"``), so the route
walkers in ``tests/web/test_routes.py`` check them too:

- ``@token_required`` — any valid token of an active, confirmed account (the view reads ``g.api_user``);
- ``@token_role_required(Role.COUNCIL, organisation=resolver)`` — a token obtained with email and password
  whose account holds one of the roles in the organisation the route concerns (403 otherwise, 404 when the
  resolver finds nothing).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import bindparam, delete, select

from ..access import Access, Resolver, call_resolver, declare
from ..accounts.models import Role, User, role_name
from ..extensions import db
from ..i18n import _
from ..rounds.models import as_utc, utcnow
from .models import ApiToken, TokenKind
from .problems import refuse

TOKEN_PREFIX = "pbv_"
_BEARER = re.compile(r"^Bearer +(pbv_[A-Za-z0-9_-]{43})$", re.IGNORECASE)
#: The security requirement the OpenAPI document states for every token-protected operation.
SECURITY = [{"bearerAuth": []}]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def issue_token(user: User, kind: TokenKind) -> tuple[str, ApiToken]:
    """A new token for ``user`` (returned in clear once) and its stored row; flushes, the caller commits."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    record = ApiToken(token_hash=hash_token(token), user_id=user.id, kind=kind.value, created_at=now,
                      expires_at=now + timedelta(seconds=int(current_app.config["API_TOKEN_MAX_AGE"])))
    db.session.add(record)
    db.session.flush()
    return token, record


def bearer_token() -> str | None:
    """The token of this request's ``Authorization: Bearer`` header, or None when absent or malformed."""
    match = _BEARER.match(request.headers.get("Authorization", "").strip())
    return match.group(1) if match else None


@functools.cache
def _token_query():
    """A token's row with its account (built once: every API request runs it). Two entities of one row rather
    than a joined eager load, which costs more than the query; ``record.user`` then comes from the session."""
    return (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == bindparam("token_hash")))


def token_record(token: str | None) -> ApiToken | None:
    """The live row of ``token`` (not expired, its account active), or None."""
    if token is None:
        return None
    found = db.session.execute(_token_query(), {"token_hash": hash_token(token)}).first()
    record = found[0] if found is not None else None
    if record is None or as_utc(record.expires_at) <= utcnow() or not record.user.active:
        return None
    return record


def revoke_token(record: ApiToken) -> None:
    """The token stops working now (the caller commits)."""
    db.session.execute(delete(ApiToken).where(ApiToken.id == record.id))


def _authenticate() -> ApiToken:
    """The request's token row, or a 401 problem (a 403 for an account whose email is not confirmed)."""
    header = request.headers.get("Authorization")
    record = token_record(bearer_token())
    if record is None:
        detail = (_("Send a bearer token: Authorization: Bearer <token> (POST /api/v1/tokens/… gives one).")
                  if not header else _("The token is unknown, malformed or expired: sign in again."))
        extra = {} if not header else {"WWW-Authenticate": 'Bearer realm="pbvote", error="invalid_token"'}
        refuse(401, detail, headers=extra)
    if not record.user.email_confirmed:
        refuse(403, _("Confirm your email address before using the API."))
    g.api_token = record
    g.api_user = record.user
    return record


def _document(wrapper: Callable) -> None:
    """State the bearer requirement in the OpenAPI document (flask-smorest reads ``_apidoc``)."""
    apidoc = dict(getattr(wrapper, "_apidoc", {}))
    apidoc["manual_doc"] = {**apidoc.get("manual_doc", {}), "security": SECURITY}
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]


def token_required(view: Callable) -> Callable:
    """Any valid bearer token (voter code or account); the view reads ``g.api_user``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        _authenticate()
        return view(*args, **kwargs)

    _document(wrapper)
    return declare(view, wrapper, Access("signed_in", credentials="bearer"))


def token_role_required(*roles: Role | str, organisation: Resolver) -> Callable[[Callable], Callable]:
    """A token from email and password whose account holds one of ``roles`` in the route's organisation."""
    wanted = tuple(Role(role) for role in roles)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            record = _authenticate()
            organisation_id = call_resolver(organisation, kwargs)
            if organisation_id is None:
                refuse(404, _("There is no such round."))
            if record.kind != TokenKind.PASSWORD.value or not any(
                record.user.has_role(role, organisation_id) for role in wanted
            ):
                names = ", ".join(role_name(role.value) for role in wanted)
                refuse(403, _("Only these roles of this round's organisation may do this: %(roles)s.", roles=names))
            g.organisation_id = organisation_id
            return view(*args, **kwargs)

        _document(wrapper)
        return declare(view, wrapper, Access("role", wanted, True, credentials="bearer"))

    return decorate


def rate_limit_key(prefix: str) -> Callable[[], str]:
    """A Flask-Limiter key per token holder (per client address before a token is known)."""

    def key() -> str:
        user = g.get("api_user")
        return f"{prefix}:user:{user.id}" if user is not None else f"{prefix}:addr:{request.remote_addr}"

    return key
