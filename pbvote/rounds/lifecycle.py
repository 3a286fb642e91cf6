"""The round lifecycle, written once: states, the transitions between them and what each state allows.

draft → proposals → review → deliberation → voting → tallied → published → archived

Every operation of every feature asks :func:`require_action` before it changes anything; the table
:data:`ALLOWED_ACTIONS` is the single place that says what a state allows. Transitions themselves (and their
scheduling) live in ``operations.py``, which logs each one.
"""

from __future__ import annotations

import enum
from typing import Any

from ..i18n import _, _l
from .models import RoundState


class Action(str, enum.Enum):
    """Things people do to or within a round."""

    VIEW_ROUND = "view_round"  # residents see the round (councils see drafts too)
    EDIT_SETTINGS = "edit_settings"  # name, description, currency, timezone, districts, categories, budgets
    EDIT_SCHEDULE = "edit_schedule"  # phase start/end times
    EDIT_BALLOT_SETTINGS = "edit_ballot_settings"  # ballot type, limits, rule and parameters, explanation
    MANAGE_VOTERS = "manage_voters"  # voter roll upload, voter codes, open registration
    REGISTER_VOTER = "register_voter"  # a resident registers or claims a code
    SUBMIT_PROPOSAL = "submit_proposal"
    EDIT_PROPOSAL = "edit_proposal"
    WITHDRAW_PROPOSAL = "withdraw_proposal"
    REVIEW_PROPOSAL = "review_proposal"
    COMMENT = "comment"
    VOTE = "vote"
    TALLY = "tally"
    PUBLISH = "publish"
    ARCHIVE = "archive"
    VIEW_RESULTS = "view_results"

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self])


ACTION_LABELS = {
    Action.VIEW_ROUND: _l("view the round"),
    Action.EDIT_SETTINGS: _l("change the round's settings"),
    Action.EDIT_SCHEDULE: _l("change the schedule"),
    Action.EDIT_BALLOT_SETTINGS: _l("change the ballot settings"),
    Action.MANAGE_VOTERS: _l("manage who may vote"),
    Action.REGISTER_VOTER: _l("register as a voter"),
    Action.SUBMIT_PROPOSAL: _l("submit a proposal"),
    Action.EDIT_PROPOSAL: _l("edit a proposal"),
    Action.WITHDRAW_PROPOSAL: _l("withdraw a proposal"),
    Action.REVIEW_PROPOSAL: _l("review proposals"),
    Action.COMMENT: _l("comment"),
    Action.VOTE: _l("vote"),
    Action.TALLY: _l("tally the votes"),
    Action.PUBLISH: _l("publish the results"),
    Action.ARCHIVE: _l("archive the round"),
    Action.VIEW_RESULTS: _l("see the results"),
}

S = RoundState
A = Action

_BEFORE_VOTING = {A.EDIT_SETTINGS, A.EDIT_SCHEDULE, A.EDIT_BALLOT_SETTINGS, A.MANAGE_VOTERS}

#: What each state allows. Anything not listed is refused. Settings and ballot settings freeze when voting opens.
ALLOWED_ACTIONS: dict[RoundState, frozenset[Action]] = {
    S.DRAFT: frozenset(_BEFORE_VOTING),
    S.PROPOSALS: frozenset(
        _BEFORE_VOTING
        | {A.VIEW_ROUND, A.REGISTER_VOTER, A.SUBMIT_PROPOSAL, A.EDIT_PROPOSAL, A.WITHDRAW_PROPOSAL, A.COMMENT}
    ),
    S.REVIEW: frozenset(_BEFORE_VOTING | {A.VIEW_ROUND, A.REGISTER_VOTER, A.REVIEW_PROPOSAL, A.COMMENT}),
    S.DELIBERATION: frozenset(_BEFORE_VOTING | {A.VIEW_ROUND, A.REGISTER_VOTER, A.COMMENT}),
    S.VOTING: frozenset({A.VIEW_ROUND, A.REGISTER_VOTER, A.VOTE, A.TALLY}),
    S.TALLIED: frozenset({A.VIEW_ROUND, A.PUBLISH}),
    S.PUBLISHED: frozenset({A.VIEW_ROUND, A.VIEW_RESULTS, A.ARCHIVE}),
    S.ARCHIVED: frozenset({A.VIEW_ROUND, A.VIEW_RESULTS}),
}

#: Imported rounds are read-only history: only looking is allowed.
IMPORTED_ALLOWED = frozenset({A.VIEW_ROUND, A.VIEW_RESULTS})

#: Where each state may go next. Deliberation is optional: review may go straight to voting.
TRANSITIONS: dict[RoundState, tuple[RoundState, ...]] = {
    S.DRAFT: (S.PROPOSALS,),
    S.PROPOSALS: (S.REVIEW,),
    S.REVIEW: (S.DELIBERATION, S.VOTING),
    S.DELIBERATION: (S.VOTING,),
    S.VOTING: (S.TALLIED,),
    S.TALLIED: (S.PUBLISHED,),
    S.PUBLISHED: (S.ARCHIVED,),
    S.ARCHIVED: (),
}

#: Transitions a council member makes from the round's page (after a confirmation step). Voting → tallied
#: happens through the tally (it must compute the outcome), tallied → published through publishing results.
MANUAL_TRANSITIONS: dict[RoundState, tuple[RoundState, ...]] = {
    S.DRAFT: (S.PROPOSALS,),
    S.PROPOSALS: (S.REVIEW,),
    S.REVIEW: (S.DELIBERATION, S.VOTING),
    S.DELIBERATION: (S.VOTING,),
    S.PUBLISHED: (S.ARCHIVED,),
}

#: Transitions that may happen on a schedule (when the next phase's start time, or the current phase's end
#: time, has passed). Voting → tallied needs the tally: at the voting phase's end `apply_due_transitions` runs
#: `close_voting` (pbvote.voting.operations), which tallies first.
SCHEDULABLE = {(S.DRAFT, S.PROPOSALS), (S.PROPOSALS, S.REVIEW), (S.REVIEW, S.DELIBERATION),
               (S.REVIEW, S.VOTING), (S.DELIBERATION, S.VOTING)}


class RoundError(Exception):
    """Something a user asked for that the round's rules refuse (shown to them; never a 500)."""


class ActionNotAllowed(RoundError):
    """The round's current state does not allow this action."""

    def __init__(self, round_: Any, action: Action):
        self.round = round_
        self.action = action
        state = RoundState(round_.state)
        if getattr(round_, "imported", False) and state in (S.PUBLISHED, S.ARCHIVED):
            message = _("“%(round)s” was imported from a file and is read-only: you cannot %(action)s.",
                        round=round_.name, action=action.label)
        else:
            message = _("You cannot %(action)s while the round is in the %(phase)s phase.",
                        action=action.label, phase=state.label.lower())
        super().__init__(message)


class IllegalTransition(RoundError):
    """The round cannot move from its state to the one asked for."""


def allowed_actions(round_: Any) -> frozenset[Action]:
    """The actions the round's current state allows."""
    state = RoundState(round_.state)
    allowed = ALLOWED_ACTIONS[state]
    if getattr(round_, "imported", False):
        return allowed & IMPORTED_ALLOWED
    return allowed


def allows(round_: Any, action: Action | str) -> bool:
    """True when ``action`` is allowed in the round's current state."""
    return Action(action) in allowed_actions(round_)


def require_action(round_: Any, action: Action | str, error: type[Exception] | None = None) -> None:
    """Raise :class:`ActionNotAllowed` (or ``error(message)``) unless the round's state allows ``action``.

    Callers from other features may pass their own domain exception class so their views handle it as usual.
    """
    action = Action(action.lower() if isinstance(action, str) and not isinstance(action, Action) else action)
    if action in allowed_actions(round_):
        return
    refusal = ActionNotAllowed(round_, action)
    if error is not None and not issubclass(error, ActionNotAllowed):
        raise error(str(refusal)) from refusal
    raise refusal


def can_transition(from_state: RoundState | str, to_state: RoundState | str) -> bool:
    return RoundState(to_state) in TRANSITIONS[RoundState(from_state)]


def next_states(round_: Any) -> tuple[RoundState, ...]:
    return TRANSITIONS[RoundState(round_.state)]


def manual_next_states(round_: Any) -> tuple[RoundState, ...]:
    """States a council member may move the round to by hand (imported rounds: none)."""
    if getattr(round_, "imported", False):
        return ()
    return MANUAL_TRANSITIONS.get(RoundState(round_.state), ())


def can_view_round(user: Any, round_: Any) -> bool:
    """Drafts are seen only by the council and auditors of the round's organisation; other states by anyone."""
    if RoundState(round_.state) != RoundState.DRAFT:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role("council", round_.organisation_id) or user.has_role("auditor", round_.organisation_id)


def apply_due_transitions(round_: Any) -> Any:
    """Make the round's due scheduled transitions now (committed); for features that load a round themselves.

    Views that take ``<round_id>`` in their URL get this automatically before the request (see blueprint.py).
    """
    from .operations import refresh_round  # operations builds on this module

    return refresh_round(round_.id)
