"""What the API does, as plain functions over the voting, rounds and accounts features.

Nothing here decides what a ballot may hold: casting goes through :func:`pbvote.voting.operations.cast_ballot`
(which checks with ``check_ballot``), closing through ``close_voting`` (which tallies), codes through
``generate_voter_codes`` and ``claim_voter_code``. This module only shapes their answers for JSON.
"""

from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..accounts.operations import authenticate
from ..database import write_transaction
from ..extensions import db
from ..results.operations import result_for
from ..rounds import lifecycle
from ..rounds.models import Budget, Round, RoundState, as_utc
from ..rounds.operations import describe_ballot, transition_round
from ..rounds.voters import claim_voter_code, generate_voter_codes
from ..voting import operations as voting
from .auth import issue_token
from .models import ApiToken, TokenKind


def visible_round(round_id: int, user: Any = None) -> Round | None:
    """The round, unless there is none or ``user`` may not know it exists (drafts)."""
    round_ = db.session.get(Round, round_id)
    if round_ is None or not lifecycle.can_view_round(user, round_):
        return None
    return round_


def token_document(token: str, record: ApiToken) -> dict[str, Any]:
    return {"token": token, "token_type": "Bearer", "kind": record.kind, "expires_at": record.expires_at}


def sign_in_with_code(round_: Round, code: str) -> dict[str, Any]:
    """Claim a one-time voter code (a code-only identity becomes a voter) and hand out a token for it.

    The code works once, exactly as on the web page: a second sign-in with it is refused.
    """
    round_id = round_.id  # read now: the transaction's start expires the object, and reading it would reload it
    with write_transaction():
        round_ = db.session.get(Round, round_id, populate_existing=True)
        user = claim_voter_code(round_, code)
        # The document is made before the commit expires the token's row (reading it after would reload it).
        return token_document(*issue_token(user, TokenKind.VOTER_CODE))


def sign_in_with_password(email: str, password: str) -> tuple[User | None, dict[str, Any] | None]:
    """(user, token document) for a confirmed account's email and password; (user, None) when the email is not
    confirmed; (None, None) when the email or password is wrong."""
    user = authenticate(email, password)
    if user is None or not user.email_confirmed:
        return user, None
    with write_transaction():
        return user, token_document(*issue_token(user, TokenKind.PASSWORD))


def ballot_definition(round_: Round, voter: Any) -> dict[str, Any]:
    """The round and every budget ``voter`` may vote in: its rules, its projects, and whether they voted."""
    budgets = []
    for budget in voting.budgets_for_voter(round_, voter):
        rules = voting.ballot_rules(budget)
        budgets.append({
            "id": budget.id, "name": budget.name, "scope": budget.scope, "amount": budget.amount,
            "how_to": describe_ballot(budget, round_.currency), "explanation": budget.explanation or "",
            "rules": {
                "ballot_type": rules.kind.value, "min_choices": rules.min_choices, "max_choices": rules.max_choices,
                "min_spend": rules.min_spend, "points_total": rules.points_total,
                "points_per_project_max": rules.points_per_project_max,
                "points_per_rank": list(rules.points_per_rank),
            },
            "projects": [vars(option) for option in voting.ballot_options(budget)],
            "has_ballot": voting.current_ballot(budget, voter) is not None,
        })
    return {"round": {"id": round_.id, "name": round_.name, "state": round_.state, "currency": round_.currency},
            "budgets": budgets}


def receipt_document(receipt: voting.Receipt) -> dict[str, Any]:
    """The receipt as returned once at casting (with the tracking code)."""
    return {"round_id": receipt.round_id, "budget_id": receipt.budget_id, "budget_name": receipt.budget_name,
            "tracking_code": receipt.printed, "cast_at": as_utc(receipt.cast_at), "replaced": receipt.replaced}


def own_ballot_document(budget: Budget, voter: Any) -> dict[str, Any] | None:
    """The voter's own current ballot in ``budget`` without its tracking code, or None."""
    ballot = voting.current_ballot(budget, voter)
    if ballot is None:
        return None
    return {"round_id": ballot.round_id, "budget_id": ballot.budget_id, "choices": list(ballot.choices),
            "points": ballot.points, "cast_at": as_utc(ballot.cast_at)}


def create_voter_codes(round_id: int, actor: User, count: int, district_id: int | None) -> list[dict[str, Any]]:
    """``count`` new one-time codes (logged in the round's event log), in clear this once."""
    with write_transaction():
        round_ = db.session.get(Round, round_id, populate_existing=True)
        issued = generate_voter_codes(round_, actor, count, district_id)
    return [{"code": code.printed, "district": code.district} for code in issued]


def open_voting(round_id: int, actor: User) -> Round:
    """Move the round to voting by hand (from review or deliberation), logged like the council page does."""
    with write_transaction():
        round_ = db.session.get(Round, round_id, populate_existing=True)
        transition_round(round_, RoundState.VOTING, actor, reason="manual")
    return round_


def close_round_voting(round_id: int, actor: User) -> Round:
    """Close voting through the voting feature (which logs the counts and tallies every budget)."""
    with write_transaction():
        voting.close_voting(db.session.get(Round, round_id, populate_existing=True), actor)
    return db.session.get(Round, round_id)


def round_state_document(round_: Round) -> dict[str, Any]:
    """The round's state and, once tallied, each budget's counted ballots and funded projects."""
    budgets = []
    for budget in round_.budgets:
        result = result_for(budget)
        if result is not None:
            budgets.append({"budget_id": budget.id, "name": budget.name, "ballots": result.ballots_counted,
                            "selected": list(result.selected)})
    return {"id": round_.id, "state": round_.state, "budgets": budgets}
