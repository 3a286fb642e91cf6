"""Every endpoint of the application, how to build an example URL for it, and who may use it.

The route walkers in ``tests/web/test_routes.py`` fail for any endpoint in ``app.url_map`` without an entry
here. WHEN YOU ADD A ROUTE, ADD ITS ENTRY (a small edit in your feature's section below).

An entry is a ``RouteCase``:

- ``access``: ``PUBLIC`` (anyone), ``SIGNED_IN`` (any signed-in user with a confirmed email) or
  ``roles(COUNCIL, …)`` (holding one of the roles *in the organisation the URL concerns*, which is the world's
  ``organisation``).
- ``url_args``: a function ``world -> dict`` building the URL's values. ``world`` holds two organisations
  (``organisation``, where every role below is granted, and ``other_organisation``, where
  ``council_elsewhere`` sits on the council and ``resident_elsewhere`` lives), the signed-in ``user`` for the role under test, and
  ``world.fixture("create_round")`` to reach any fixture visible from ``tests/web/`` (put the factories your
  URLs need in ``tests/conftest.py`` or ``tests/web/conftest.py``).
- ``expect``: per-role overrides of the expected status for GET (e.g. a sign-in page that sends signed-in
  users home with 303); ``FORBIDDEN`` there also means that role's POST must answer 403.
- ``ok``: the status allowed users get for GET (default 200).

Default expectations, checked by the role matrix:

=================  =================================  ==========================================
access             allowed users                      everyone else
=================  =================================  ==========================================
PUBLIC             everyone → ``ok``                  —
SIGNED_IN          confirmed users → ``ok``           anonymous → 302/303 to sign-in with ``next=``;
                                                      unconfirmed → 302/303 to the confirm page
roles(…)           those roles here → ``ok``          anonymous → sign-in; unconfirmed → confirm page;
                                                      other roles → 403; roles held elsewhere → 403
                                                      (or 404 where ``hide_from_elsewhere``)
=================  =================================  ==========================================

``roles(…, organisation_scoped=False)``: as ``roles(…)``, but a role held in any organisation counts (so the
council member elsewhere is let in where council is, the resident elsewhere where resident is).

The declared ``access`` must match what the view's decorator says (``view.pbvote_access``): the walker checks
both, so a route cannot quietly become more open than its entry says.

The JSON API authenticates with bearer tokens, not the session cookie: its entries use ``BEARER`` (any valid
token) or ``bearer_roles(COUNCIL, …)``. For them the walker sends ``Authorization: Bearer <token>`` for the
role's user (a token issued directly, see ``tests/web/api/route_args.py``), and the defaults change to:
anonymous (no token) → 401 problem JSON, unconfirmed → 403; everyone else as for ``roles(…)``. Instead of
the CSRF check, the walker checks that a signed-in browser session alone (cookies, no token) gets 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.web.accountability import route_args as accountability_args
from tests.web.api import route_args as api_args
from tests.web.content_languages import route_args as content_language_args
from tests.web.deliberation import route_args as deliberation_args
from tests.web.notices import route_args as notice_args
from tests.web.paper import route_args as paper_args
from tests.web.proposals import route_args as proposal_args
from tests.web.results import route_args as results_args
from tests.web.rounds import route_args as round_args
from tests.web.voting import route_args as voting_args

# The roles the matrix walks. Every user but ANONYMOUS and the two *_ELSEWHERE holds their role in
# world.organisation; COUNCIL_ELSEWHERE is on the council of world.other_organisation and RESIDENT_ELSEWHERE
# a resident there (a Hillview resident trying a Riverside round).
ANONYMOUS = "anonymous"
UNCONFIRMED = "unconfirmed"
RESIDENT = "resident"
RESIDENT_ELSEWHERE = "resident_elsewhere"
MODERATOR = "moderator"
COUNCIL = "council"
COUNCIL_ELSEWHERE = "council_elsewhere"
AUDITOR = "auditor"
ROLES = (ANONYMOUS, UNCONFIRMED, RESIDENT, RESIDENT_ELSEWHERE, MODERATOR, COUNCIL, COUNCIL_ELSEWHERE, AUDITOR)
#: Where a role was granted elsewhere: the role it holds in world.other_organisation.
ELSEWHERE = {COUNCIL_ELSEWHERE: COUNCIL, RESIDENT_ELSEWHERE: RESIDENT}
SIGNED_IN_ROLES = tuple(role for role in ROLES if role != ANONYMOUS)

#: Expected outcomes that are not a single status code.
TO_SIGN_IN = "redirect to sign-in"
TO_CONFIRM = "redirect to confirm email"
FORBIDDEN = "403"
FORBIDDEN_OR_NOT_FOUND = "403 or 404"
UNAUTHORIZED = 401


@dataclass(frozen=True)
class Access:
    """Who may use a route: ``kind`` is public / signed_in / role; for "role", the ``roles`` and whether they
    must be held in the organisation the URL concerns (``organisation_scoped``) or in any organisation;
    ``credentials``: "session" (the cookie) or "bearer" (an API token)."""

    kind: str
    roles: tuple[str, ...] = ()
    organisation_scoped: bool = True
    credentials: str = "session"

    @property
    def bearer(self) -> bool:
        return self.credentials == "bearer"

    def allows(self, role: str) -> bool:
        """Whether a user in ``role`` (one of ROLES) is let in."""
        if self.kind == "public":
            return True
        if role in (ANONYMOUS, UNCONFIRMED):
            return False
        if self.kind == "signed_in":
            return True
        if role in ELSEWHERE:
            return ELSEWHERE[role] in self.roles and not self.organisation_scoped
        return role in self.roles


PUBLIC = Access("public")
SIGNED_IN = Access("signed_in")
BEARER = Access("signed_in", credentials="bearer")


def roles(*names: str, organisation_scoped: bool = True) -> Access:
    """Access for users holding one of ``names`` (resident/moderator/council/auditor) in the URL's organisation
    (or, with ``organisation_scoped=False``, in any organisation: the view narrows what it shows)."""
    return Access("role", tuple(names), organisation_scoped)


def bearer_roles(*names: str) -> Access:
    """Access for API tokens (from email and password) of users holding one of ``names`` in the URL's
    organisation."""
    return Access("role", tuple(names), True, credentials="bearer")


class World:
    """What a URL builder can use: organisations, the user under test, and any fixture by name."""

    def __init__(self, organisation, other_organisation, users: dict, user, fixture: Callable[[str], Any]):
        self.organisation = organisation
        self.other_organisation = other_organisation
        self.users = users
        self.user = user
        self.fixture = fixture


def no_args(world: World) -> dict:
    """For URLs without variables."""
    return {}


@dataclass(frozen=True)
class RouteCase:
    """One endpoint: its example URL values, who may use it, and status overrides."""

    access: Access
    url_args: Callable[[World], dict] = no_args
    ok: int = 200
    expect: dict[str, int | str] = field(default_factory=dict)
    hide_from_elsewhere: bool = False  # roles of another organisation get 404 (drafts they must not know of)

    def expected(self, role: str) -> int | str:
        """The expected GET outcome for ``role``: a status code or one of TO_SIGN_IN, TO_CONFIRM, FORBIDDEN…"""
        if role in self.expect:
            return self.expect[role]
        if self.access.allows(role):
            return self.ok
        if self.access.bearer:
            return UNAUTHORIZED if role == ANONYMOUS else FORBIDDEN
        if role == ANONYMOUS:
            return TO_SIGN_IN
        if role == UNCONFIRMED:
            return TO_CONFIRM
        if role in ELSEWHERE and self.hide_from_elsewhere:
            return FORBIDDEN_OR_NOT_FOUND
        return FORBIDDEN


# ---- URL builders ------------------------------------------------------------------------------------------


def org_slug(world: World) -> dict:
    """The organisation where the roles of the matrix are held."""
    return {"org_slug": world.organisation.slug}


def confirmation_token(world: World) -> dict:
    """A valid confirmation link for the unconfirmed user."""
    from pbvote.accounts.tokens import make_confirmation_token

    return {"token": make_confirmation_token(world.users[UNCONFIRMED])}


def reset_token(world: World) -> dict:
    """A valid password-reset link for the resident."""
    from pbvote.accounts.tokens import make_reset_token

    return {"token": make_reset_token(world.users[RESIDENT])}


def moderator_grant(world: World) -> dict:
    """The moderator's role grant in the organisation (something a council member may revoke)."""
    return {**org_slug(world), "grant_id": world.users[MODERATOR].role_grants[0].id}


# Voting is for residents of the round's organisation or people on its roll: the page lets any signed-in user
# knock, then refuses everyone else (GET and POST) with 403.
_NOT_ELIGIBLE_TO_VOTE = {role: FORBIDDEN for role in (RESIDENT_ELSEWHERE, MODERATOR, COUNCIL, COUNCIL_ELSEWHERE,
                                                      AUDITOR)}

# Confirmed users are sent home from "please confirm your email"; the unconfirmed user sees the resend button,
# and anonymous visitors a form asking for their address.
_CONFIRMATION_PAGE_REDIRECTS = {role: 303 for role in ROLES if role not in (UNCONFIRMED, ANONYMOUS)}

ROUTE_CASES: dict[str, RouteCase] = {
    # ---- core ------------------------------------------------------------------------------------------------
    "core.show_home": RouteCase(PUBLIC),
    "core.check_health": RouteCase(PUBLIC),
    "core.show_favicon": RouteCase(PUBLIC),
    "switch_language": RouteCase(PUBLIC),
    # ---- accounts --------------------------------------------------------------------------------------------
    "accounts.register": RouteCase(PUBLIC),
    "accounts.sign_in": RouteCase(PUBLIC),
    "accounts.sign_out": RouteCase(PUBLIC),
    "accounts.show_confirmation_needed": RouteCase(PUBLIC, expect=_CONFIRMATION_PAGE_REDIRECTS),
    "accounts.resend_confirmation": RouteCase(PUBLIC),
    "accounts.confirm_email": RouteCase(PUBLIC, url_args=confirmation_token),
    "accounts.request_password_reset": RouteCase(PUBLIC),
    "accounts.reset_password": RouteCase(PUBLIC, url_args=reset_token),
    "accounts.edit_profile": RouteCase(SIGNED_IN),
    "accounts.list_members": RouteCase(roles(COUNCIL), url_args=org_slug),
    "accounts.grant_role": RouteCase(roles(COUNCIL), url_args=org_slug),
    "accounts.revoke_role": RouteCase(roles(COUNCIL), url_args=moderator_grant),
    # ---- rounds (URL builders in tests/web/rounds/route_args.py) ---------------------------------------------
    # Council pages of a round answer 403 to the council of another organisation (drafts included).
    "rounds.list_rounds": RouteCase(PUBLIC, url_args=round_args.organisation),
    "rounds.new_round": RouteCase(roles(COUNCIL), url_args=round_args.organisation),
    "rounds.import_round": RouteCase(roles(COUNCIL), url_args=round_args.organisation),
    "rounds.show_round": RouteCase(PUBLIC, url_args=round_args.open_round),
    "rounds.edit_round": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.new_budget": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.edit_budget": RouteCase(roles(COUNCIL), url_args=round_args.budget),
    "rounds.delete_budget": RouteCase(roles(COUNCIL), url_args=round_args.budget),
    "rounds.edit_ballot_settings": RouteCase(roles(COUNCIL), url_args=round_args.budget),
    "rounds.edit_schedule": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.transition_round": RouteCase(roles(COUNCIL), url_args=round_args.transition),
    "rounds.show_round_log": RouteCase(roles(COUNCIL, AUDITOR), url_args=round_args.draft_round),
    "rounds.manage_voters": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.upload_voter_roll": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.generate_voter_codes": RouteCase(roles(COUNCIL), url_args=round_args.draft_round),
    "rounds.register_voter": RouteCase(SIGNED_IN, url_args=round_args.open_round, expect=_NOT_ELIGIBLE_TO_VOTE),
    "rounds.claim_voter_code": RouteCase(PUBLIC, url_args=round_args.open_round),
    # ---- proposals (URL builders in tests/web/proposals/route_args.py) ---------------------------------------
    "proposals.list_proposals": RouteCase(PUBLIC, url_args=proposal_args.open_round),
    "proposals.submit_proposal": RouteCase(roles(RESIDENT), url_args=proposal_args.open_round),
    "proposals.show_proposal": RouteCase(PUBLIC, url_args=proposal_args.proposal),
    "proposals.show_proposal_image": RouteCase(PUBLIC, url_args=proposal_args.proposal),
    "proposals.list_revisions": RouteCase(PUBLIC, url_args=proposal_args.proposal),
    "proposals.edit_proposal": RouteCase(SIGNED_IN, url_args=proposal_args.own_proposal),
    "proposals.withdraw_proposal": RouteCase(SIGNED_IN, url_args=proposal_args.own_proposal),
    "proposals.invite_coauthor": RouteCase(SIGNED_IN, url_args=proposal_args.own_proposal),
    "proposals.show_invitation": RouteCase(SIGNED_IN, url_args=proposal_args.invitation),
    "proposals.answer_invitation": RouteCase(SIGNED_IN, url_args=proposal_args.invitation),
    "proposals.review_proposal": RouteCase(roles(COUNCIL), url_args=proposal_args.proposal_under_review),
    "proposals.revise_cost": RouteCase(roles(COUNCIL), url_args=proposal_args.proposal_under_review),
    "proposals.merge_proposal": RouteCase(roles(COUNCIL), url_args=proposal_args.proposal_under_review),
    "proposals.list_exclusion_groups": RouteCase(roles(COUNCIL), url_args=proposal_args.review_round),
    "proposals.delete_exclusion_group": RouteCase(roles(COUNCIL), url_args=proposal_args.exclusion_group),
    # ---- translations of round and proposal texts (URL builders in tests/web/content_languages/route_args.py) -
    "content_languages.translate_round": RouteCase(roles(COUNCIL), url_args=content_language_args.round_),
    "content_languages.translate_proposal": RouteCase(SIGNED_IN, url_args=content_language_args.own_proposal),
    # ---- results (URL builders in tests/web/results/route_args.py; unpublished results: tests/web/results) --
    "results.show_results": RouteCase(PUBLIC, url_args=results_args.results),
    "results.compare_rules": RouteCase(PUBLIC, url_args=results_args.budget),
    "results.publish_results": RouteCase(roles(COUNCIL), url_args=results_args.results),
    "results.download_results_csv": RouteCase(PUBLIC, url_args=results_args.results),
    "results.download_results_json": RouteCase(PUBLIC, url_args=results_args.results),
    "results.download_bundle": RouteCase(PUBLIC, url_args=results_args.results),
    "results.check_tracking_code": RouteCase(PUBLIC, url_args=results_args.results),
    "results.check_tracking_code_json": RouteCase(PUBLIC, url_args=results_args.results),
    # ---- accountability (URL builders in tests/web/accountability/route_args.py) ------------------------------
    "accountability.show_delivery": RouteCase(PUBLIC, url_args=accountability_args.delivery),
    "accountability.post_update": RouteCase(roles(COUNCIL), url_args=accountability_args.funded_project),
    "accountability.edit_update": RouteCase(roles(COUNCIL), url_args=accountability_args.update),
    "accountability.show_update_photo": RouteCase(PUBLIC, url_args=accountability_args.update),
    # ---- voting (URL builders in tests/web/voting/route_args.py) ---------------------------------------------
    "voting.show_voting": RouteCase(SIGNED_IN, url_args=voting_args.voting_round),
    "voting.edit_ballot": RouteCase(SIGNED_IN, url_args=voting_args.ballot),
    "voting.review_ballot": RouteCase(SIGNED_IN, url_args=voting_args.ballot),
    "voting.cast_ballot": RouteCase(SIGNED_IN, url_args=voting_args.ballot),
    "voting.show_receipt": RouteCase(SIGNED_IN, url_args=voting_args.cast),
    "voting.close_voting": RouteCase(roles(COUNCIL), url_args=voting_args.voting_round),
    # ---- paper ballots (URL builders in tests/web/paper/route_args.py) ---------------------------------------
    # Council staff of the round's organisation only; the council of another organisation gets 403.
    "paper.show_paper_ballots": RouteCase(roles(COUNCIL), url_args=paper_args.voting_round),
    "paper.set_paper_policy": RouteCase(roles(COUNCIL), url_args=paper_args.voting_round),
    "paper.enter_paper_ballot": RouteCase(roles(COUNCIL), url_args=paper_args.entry_form),
    "paper.list_mismatches": RouteCase(roles(COUNCIL), url_args=paper_args.voting_round),
    "paper.discard_paper_ballot": RouteCase(roles(COUNCIL), url_args=paper_args.mismatch),
    # ---- deliberation (URL builders in tests/web/deliberation/route_args.py) ---------------------------------
    "deliberation.show_discussion": RouteCase(PUBLIC, url_args=deliberation_args.proposal),
    "deliberation.show_comment": RouteCase(PUBLIC, url_args=deliberation_args.comment),
    "deliberation.list_comment_versions": RouteCase(PUBLIC, url_args=deliberation_args.comment),
    "deliberation.post_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.proposal),
    "deliberation.reply_to_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.comment),
    "deliberation.edit_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.own_comment),
    "deliberation.delete_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.own_comment),
    "deliberation.mark_helpful": RouteCase(SIGNED_IN, url_args=deliberation_args.comment),
    "deliberation.follow_proposal": RouteCase(SIGNED_IN, url_args=deliberation_args.proposal),
    "deliberation.flag_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.comment),
    "deliberation.appeal_comment": RouteCase(SIGNED_IN, url_args=deliberation_args.own_hidden_comment),
    "deliberation.show_moderation_queue": RouteCase(roles(MODERATOR, COUNCIL), url_args=deliberation_args.round_),
    "deliberation.moderate_comment": RouteCase(roles(MODERATOR, COUNCIL), url_args=deliberation_args.comment),
    "deliberation.block_author": RouteCase(roles(MODERATOR, COUNCIL), url_args=deliberation_args.comment),
    "deliberation.show_moderation_log": RouteCase(PUBLIC, url_args=deliberation_args.round_),
    "deliberation.edit_deliberation_settings": RouteCase(roles(COUNCIL), url_args=deliberation_args.round_),
    "deliberation.list_notifications": RouteCase(SIGNED_IN),
    "deliberation.mark_notifications_read": RouteCase(SIGNED_IN),
    "deliberation.edit_notification_settings": RouteCase(SIGNED_IN),
    "deliberation.unsubscribe": RouteCase(PUBLIC, url_args=deliberation_args.unsubscribe_token),
    # Notices: mail settings, and the one-click unsubscribe link of every notice.
    "notices.edit_mail_settings": RouteCase(SIGNED_IN),
    "notices.unsubscribe": RouteCase(PUBLIC, url_args=notice_args.unsubscribe_token),
    # ---- JSON API (URL builders in tests/web/api/route_args.py; bearer tokens, see the module docstring) -----
    "api_docs.show_openapi": RouteCase(PUBLIC),
    "api_docs.show_docs": RouteCase(PUBLIC),
    "api.create_code_token": RouteCase(PUBLIC),
    "api.create_account_token": RouteCase(PUBLIC),
    "api.delete_current_token": RouteCase(BEARER),
    "api.show_ballot_definition": RouteCase(BEARER, url_args=api_args.voting_round),
    "api.cast_ballot": RouteCase(BEARER, url_args=api_args.budget),
    "api.show_receipt": RouteCase(BEARER, url_args=api_args.cast_budget),
    "api.create_voter_codes": RouteCase(bearer_roles(COUNCIL), url_args=api_args.review_round),
    "api.open_voting": RouteCase(bearer_roles(COUNCIL), url_args=api_args.review_round),
    "api.close_voting": RouteCase(bearer_roles(COUNCIL), url_args=api_args.voting_round),
}
