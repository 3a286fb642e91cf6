"""Who may open a view: decorators that both enforce access and declare it.

Every view in pbvote carries exactly one of these decorators:

- ``@public`` — anyone, signed in or not;
- ``@signed_in`` — a signed-in user whose email address is confirmed (unconfirmed users are sent to the
  "confirm your email" page);
- ``@role_required(Role.COUNCIL, ..., organisation=resolver)`` — signed in, confirmed, and holding one of the
  roles in the organisation the route concerns.

Each decorator sets ``view.pbvote_access`` (an :class:`Access`) so tests that walk ``app.url_map`` can read what
a route promises and check that it keeps the promise.

The JSON API (``pbvote/api/auth.py``) has decorators of its own that read a bearer token instead of the session
cookie; they declare the same kinds with ``credentials="bearer"`` through :func:`declare`.

Organisation-scoped routes pass a *resolver*: a function whose parameters are named like the route's URL
arguments (``lambda org_slug: …``, ``lambda round_id: …``). It returns the organisation the route concerns — an
``Organisation``, its id, or ``None`` when the URL names nothing (the view then answers 404). A user holding the
role only in ANOTHER organisation gets 403. Features that must hide a draft's existence from outsiders may raise
404 inside the resolver instead; that is also acceptable and should be documented at the route.

Anonymous visitors are redirected (303) to the sign-in page with a relative ``next=`` back to where they were.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .accounts.models import Organisation, Role
from .extensions import db

SIGN_IN_ENDPOINT = "accounts.sign_in"
CONFIRMATION_NEEDED_ENDPOINT = "accounts.show_confirmation_needed"

Resolver = Callable[..., Any]


@dataclass(frozen=True)
class Access:
    """What a view declares: ``kind`` is "public", "signed_in" or "role"; ``roles`` for "role" views;
    ``credentials`` says what proves who the user is: the session cookie, or an API bearer token."""

    kind: str
    roles: tuple[Role, ...] = ()
    organisation_scoped: bool = False
    credentials: str = "session"

    def allows_anonymous(self) -> bool:
        return self.kind == "public"


def declare(view: Callable, wrapper: Callable, access: Access) -> Callable:
    """Mark ``wrapper`` (the decorated ``view``) with ``access``; refuses a second access decorator."""
    if getattr(view, "pbvote_access", None) is not None:
        # Two access decorators on one view would make its declared access ambiguous.
        raise TypeError(f"{view.__qualname__} already carries an access decorator ({view.pbvote_access})")
    wrapper.pbvote_access = access  # type: ignore[attr-defined]
    return wrapper


def public(view: Callable) -> Callable:
    """Anyone may open this view."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    return declare(view, wrapper, Access("public"))


def current_path() -> str:
    """The relative path (with query string) of this request, for a ``next=`` that stays on this site."""
    full_path = request.full_path
    return full_path.removesuffix("?")


def _redirect_to_sign_in():
    return redirect(url_for(SIGN_IN_ENDPOINT, next=current_path()), code=303)


def _require_confirmed_user():
    """None when the current user may go on; otherwise the response that sends them where they must go."""
    if not current_user.is_authenticated:
        return _redirect_to_sign_in()
    if not current_user.email_confirmed:
        return redirect(url_for(CONFIRMATION_NEEDED_ENDPOINT), code=303)
    return None


def signed_in(view: Callable) -> Callable:
    """Any signed-in user with a confirmed email address."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        refusal = _require_confirmed_user()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    return declare(view, wrapper, Access("signed_in"))


def call_resolver(resolver: Resolver, view_args: dict[str, Any]) -> int | None:
    """Run ``resolver`` with the URL arguments it names; return the organisation id (None: not found)."""
    parameters = inspect.signature(resolver).parameters
    arguments = {name: view_args[name] for name in parameters if name in view_args}
    result = resolver(**arguments)
    if result is None:
        return None
    if isinstance(result, Organisation):
        return result.id
    return int(result)


def role_required(*roles: Role | str, organisation: Resolver | None = None) -> Callable[[Callable], Callable]:
    """Signed in, confirmed, and holding one of ``roles`` in the organisation the route concerns.

    Without ``organisation`` the role may be held in any organisation (the view then narrows what it shows).
    The resolved organisation id is left in ``g.organisation_id`` for the view.
    """
    if not roles:
        raise TypeError("role_required needs at least one role")
    wanted = tuple(Role(role) for role in roles)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            refusal = _require_confirmed_user()
            if refusal is not None:
                return refusal
            organisation_id = None
            if organisation is not None:
                organisation_id = call_resolver(organisation, kwargs)
                if organisation_id is None:
                    abort(404)
            if not any(current_user.has_role(role, organisation_id) for role in wanted):
                abort(403)
            g.organisation_id = organisation_id
            return view(*args, **kwargs)

        return declare(view, wrapper, Access("role", wanted, organisation is not None))

    return decorate


def organisation_by_slug(org_slug: str) -> int | None:
    """Resolver for routes with ``<org_slug>``: the organisation's id, or None when no such organisation."""
    return db.session.scalar(select(Organisation.id).where(Organisation.slug == org_slug))
