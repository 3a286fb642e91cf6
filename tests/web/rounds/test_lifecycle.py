"""The lifecycle: every action in every state is allowed or refused exactly as the product says."""

from __future__ import annotations

import pytest

from pbvote.rounds import lifecycle, operations
from pbvote.rounds.lifecycle import Action, ActionNotAllowed, IllegalTransition, require_action
from pbvote.rounds.models import RoundState

# The specification, written independently of lifecycle.ALLOWED_ACTIONS: one row per action, one column per
# state (draft, proposals, review, deliberation, voting, tallied, published, archived); Y allowed, . refused.
SPEC = """
view_round            . Y Y Y Y Y Y Y
edit_settings         Y Y Y Y . . . .
edit_schedule         Y Y Y Y . . . .
edit_ballot_settings  Y Y Y Y . . . .
manage_voters         Y Y Y Y . . . .
register_voter        . Y Y Y Y . . .
submit_proposal       . Y . . . . . .
edit_proposal         . Y . . . . . .
withdraw_proposal     . Y . . . . . .
review_proposal       . . Y . . . . .
comment               . Y Y Y . . . .
vote                  . . . . Y . . .
tally                 . . . . Y . . .
publish               . . . . . Y . .
archive               . . . . . . Y .
view_results          . . . . . . Y Y
"""
STATES = list(RoundState)


def _spec() -> dict[tuple[Action, RoundState], bool]:
    table = {}
    for line in SPEC.strip().splitlines():
        name, *marks = line.split()
        assert len(marks) == len(STATES), line
        for state, mark in zip(STATES, marks):
            table[(Action(name), state)] = mark == "Y"
    return table


class FakeRound:
    def __init__(self, state: RoundState, imported: bool = False):
        self.state = state.value
        self.name = "Green streets"
        self.imported = imported


def test_the_specification_covers_every_action():
    assert {action for action, _ in _spec()} == set(Action)


@pytest.mark.parametrize("state", STATES, ids=[s.value for s in STATES])
def test_every_action_in_every_state_is_allowed_or_refused_as_specified(state):
    spec = _spec()
    unexpected_allows, unexpected_refusals = [], []
    for action in Action:
        allowed = spec[(action, state)]
        try:
            require_action(FakeRound(state), action)
            refused = False
        except ActionNotAllowed as refusal:
            refused = True
            assert state.label.lower() in str(refusal)  # the message names the phase
        if refused and allowed:
            unexpected_refusals.append(action.value)
        if not refused and not allowed:
            unexpected_allows.append(action.value)
    assert unexpected_allows == []
    assert unexpected_refusals == []


@pytest.mark.parametrize("state", [RoundState.PUBLISHED, RoundState.ARCHIVED])
def test_an_imported_round_allows_nothing_but_looking(state):
    round_ = FakeRound(state, imported=True)
    assert lifecycle.allowed_actions(round_) == {Action.VIEW_ROUND, Action.VIEW_RESULTS}
    with pytest.raises(ActionNotAllowed, match="read-only"):
        require_action(round_, Action.ARCHIVE)


def test_other_features_get_their_own_exception_with_the_message():
    class ProposalError(Exception):
        pass

    with pytest.raises(ProposalError, match="cannot submit a proposal while the round is in the voting phase"):
        require_action(FakeRound(RoundState.VOTING), "SUBMIT_PROPOSAL", ProposalError)


def test_transitions_follow_the_lifecycle_order_only(app, new_round, council):
    round_ = new_round(actor=council)
    with pytest.raises(IllegalTransition, match="cannot move to voting"):
        operations.transition_round(round_, RoundState.VOTING, council)
    for target in ("proposals", "review", "deliberation", "voting"):
        operations.transition_round(round_, target, council)
        assert round_.state == target
    with pytest.raises(IllegalTransition, match="own step"):
        operations.transition_round(round_, RoundState.TALLIED, council)  # the tally does that
    operations.transition_round(round_, RoundState.TALLIED, council, reason="tally")
    with pytest.raises(IllegalTransition):
        operations.transition_round(round_, RoundState.DRAFT, council)


def test_a_round_without_a_budget_cannot_open_for_proposals(app, new_round, organisation, council):
    from pbvote.extensions import db

    round_ = operations.create_round(organisation, council, operations.RoundSettings(name="Empty"))
    db.session.commit()
    with pytest.raises(IllegalTransition, match="budget"):
        operations.transition_round(round_, RoundState.PROPOSALS, council)
    assert round_.state == "draft"


def _operations(round_, council, resident):
    """The rounds feature's real operations, one per action it owns."""
    from pbvote.rounds import voters

    budget = round_.budgets[0]
    return {
        Action.EDIT_SETTINGS: lambda: operations.update_round(round_, council, operations.RoundSettings(
            name="Renamed", currency="EUR", timezone="UTC", districts=["North", "South"])),
        Action.EDIT_SCHEDULE: lambda: operations.set_schedule(round_, council, {}),
        Action.EDIT_BALLOT_SETTINGS: lambda: operations.update_ballot_settings(budget, council, operations.BallotSettings(
            ballot_type="approval", rule_id="greedy", min_picks=0, max_picks=2)),
        Action.MANAGE_VOTERS: lambda: voters.generate_voter_codes(round_, council, 1, round_.districts[0].id),
        Action.REGISTER_VOTER: lambda: voters.register_voter(round_, resident, round_.districts[0].id),
    }


@pytest.mark.parametrize("state", STATES, ids=[s.value for s in STATES])
def test_the_real_operations_obey_the_table_in_every_state(app, new_round, council, resident, state):
    from pbvote.extensions import db

    spec = _spec()
    round_ = new_round(actor=council, state=state)
    unexpected = []
    for action, operation in _operations(round_, council, resident).items():
        try:
            operation()
            allowed = True
        except ActionNotAllowed:
            allowed = False
        db.session.rollback()
        db.session.refresh(round_)
        if allowed != spec[(action, state)]:
            unexpected.append((action.value, "allowed" if allowed else "refused"))
    assert unexpected == []
