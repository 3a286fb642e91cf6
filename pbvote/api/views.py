"""The API's views: parse (flask-smorest validates the bodies), authorize, call one operation, answer JSON.

Refusals are problem JSON with the status that says why: 401 no or bad token, 403 not allowed (not a voter
here, another district's budget, not council of this organisation), 404 no such round or budget (or no ballot
yet), 409 the round's phase does not allow it, 422 the input (or the ballot) breaks the rules.
"""

from __future__ import annotations

from flask import current_app, g

from ..access import public
from ..accounts.models import Role
from ..extensions import db, limiter
from ..i18n import _
from ..rounds import lifecycle
from ..rounds.lifecycle import Action, ActionNotAllowed, RoundError
from ..rounds.models import Budget, Round, RoundVoter
from ..rounds.operations import organisation_id_of_round
from ..rounds.voters import VoterError, voter_record
from ..voting import operations as voting
from ..voting.models import BallotChannel
from . import operations
from .auth import rate_limit_key, revoke_token, token_required, token_role_required
from .problems import refuse
from .schemas import (
    AccountSignInSchema,
    BallotDefinitionSchema,
    BallotInputSchema,
    CodeSignInSchema,
    CurrentBallotSchema,
    ReceiptSchema,
    RoundStateSchema,
    TokenSchema,
    VoterCodesInputSchema,
    VoterCodesSchema,
)
from .spec import bp


def _limit(name: str):
    return lambda: current_app.config[name]


# ---- tokens ----------------------------------------------------------------------------------------------------


@public
@limiter.limit(_limit("RATELIMIT_API_CODE"))
@bp.arguments(CodeSignInSchema())
@bp.response(201, TokenSchema)
def create_code_token(data: dict):
    """Sign in with a one-time voter code: the code's holder becomes a voter of the round (once)."""
    round_ = operations.visible_round(data["round_id"])
    if round_ is None:
        refuse(404, _("There is no such round."))
    try:
        document = operations.sign_in_with_code(round_, data["code"])
    except ActionNotAllowed as refusal:
        refuse(409, str(refusal))
    except VoterError as refusal:
        refuse(422, str(refusal), errors={"code": [str(refusal)]})
    return document


@public
@limiter.limit(_limit("RATELIMIT_API_SIGN_IN"))
@bp.arguments(AccountSignInSchema())
@bp.response(201, TokenSchema)
def create_account_token(data: dict):
    """Sign in with an account's email and password (council staff, integrations)."""
    user, document = operations.sign_in_with_password(data["email"], data["password"])
    if user is None:
        refuse(401, _("The email address or password is wrong."))
    if document is None:
        refuse(403, _("Confirm your email address before using the API."))
    return document


@token_required
@bp.response(204)
def delete_current_token():
    """Sign out: this token stops working now."""
    revoke_token(g.api_token)
    db.session.commit()


# ---- voters ----------------------------------------------------------------------------------------------------


def _voting_round(round_id: int) -> tuple[Round, RoundVoter]:
    """The round and the token holder's voter record in it, or the problem saying why not."""
    round_ = operations.visible_round(round_id, g.api_user)
    if round_ is None:
        refuse(404, _("There is no such round."))
    voter = voter_record(round_, g.api_user)
    if voter is None:
        refuse(403, _("You are not on this round's voters."))
    if not lifecycle.allows(round_, Action.VOTE):
        refuse(409, _("Voting is not open: the round is in the %(phase)s phase.",
                      phase=round_.state_enum.label.lower()))
    return round_, voter


def _voter_budget(round_: Round, voter: RoundVoter, budget_id: int) -> Budget:
    budget = db.session.get(Budget, budget_id)
    if budget is None or budget.round_id != round_.id:
        refuse(404, _("This round has no such budget."))
    if not voting.may_vote_in(budget, voter):
        refuse(403, _("%(budget)s is for the voters of another district.", budget=budget.name))
    return budget


@token_required
@bp.response(200, BallotDefinitionSchema)
def show_ballot_definition(round_id: int):
    """The budgets the token holder may vote in, their projects and rules."""
    round_, voter = _voting_round(round_id)
    return operations.ballot_definition(round_, voter)


@token_required
@limiter.limit(_limit("RATELIMIT_API_BALLOT"), key_func=rate_limit_key("api-ballot"))
@bp.arguments(BallotInputSchema())
@bp.response(201, ReceiptSchema)
def cast_ballot(data: dict, round_id: int, budget_id: int):
    """Cast (or replace) the ballot for one budget; the answer carries the tracking code, this once."""
    content = voting.BallotContent(list(data["choices"]), data["points"])
    try:
        receipt = voting.cast_ballot(round_id, budget_id, g.api_user, content, channel=BallotChannel.API)
    except voting.BallotError as refusal:
        db.session.rollback()
        # cast_ballot checked everything; these say which status fits (no round, not a voter, not open …).
        round_, voter = _voting_round(round_id)
        _voter_budget(round_, voter, budget_id)
        refuse(422, str(refusal), errors={"ballot": refusal.problems})
    return operations.receipt_document(receipt)


@token_required
@bp.response(200, CurrentBallotSchema)
def show_receipt(round_id: int, budget_id: int):
    """The token holder's current ballot for the budget (without the tracking code); 404 before voting."""
    round_ = operations.visible_round(round_id, g.api_user)
    voter = voter_record(round_, g.api_user) if round_ is not None else None
    if voter is None:
        refuse(404, _("You have no ballot in this round."))
    budget = db.session.get(Budget, budget_id)
    document = operations.own_ballot_document(budget, voter) if budget and budget.round_id == round_id else None
    if document is None:
        refuse(404, _("You have no ballot for this budget."))
    return document


# ---- council ---------------------------------------------------------------------------------------------------


@token_role_required(Role.COUNCIL, organisation=organisation_id_of_round)
@bp.arguments(VoterCodesInputSchema())
@bp.response(201, VoterCodesSchema)
def create_voter_codes(data: dict, round_id: int):
    """Make one-time voter codes in bulk (at most 20,000 at a time); returned in clear this once."""
    try:
        codes = operations.create_voter_codes(round_id, g.api_user, data["count"], data["district_id"])
    except ActionNotAllowed as refusal:
        refuse(409, str(refusal))
    except VoterError as refusal:
        refuse(422, str(refusal), errors={"district_id": [str(refusal)]})
    return {"round_id": round_id, "codes": codes}


def _change_phase(change, round_id: int):
    """Run a phase change for the council member; a refusal by the round's lifecycle is a 409."""
    try:
        round_ = change(round_id, g.api_user)
    except RoundError as refusal:
        refuse(409, str(refusal))
    return operations.round_state_document(round_)


@token_role_required(Role.COUNCIL, organisation=organisation_id_of_round)
@bp.response(200, RoundStateSchema)
def open_voting(round_id: int):
    """Open voting (from review or deliberation); ballot settings freeze."""
    return _change_phase(operations.open_voting, round_id)


@token_role_required(Role.COUNCIL, organisation=organisation_id_of_round)
@bp.response(200, RoundStateSchema)
def close_voting(round_id: int):
    """Close voting: log each budget's count and tracking-code digest, tally every budget."""
    return _change_phase(operations.close_round_voting, round_id)
