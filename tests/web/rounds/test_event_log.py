"""The event log: every creation, settings change and transition is chained; tampering is detected."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.events import GENESIS_HASH, round_events, verify_chain
from pbvote.rounds.models import AppendOnlyError, RoundState


def _tamper(sql: str, **params) -> None:
    """Change the log behind the application's back, the way someone with database access could."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # The append-only trigger refuses this; a superuser can switch triggers off for the session.
        connection.execute(text("SET session_replication_role = replica"))
    connection.execute(text(sql), params)
    db.session.commit()
    db.session.expire_all()


def test_creation_budget_settings_and_transitions_are_chained(app, new_round, council):
    round_ = new_round(actor=council, state="draft")
    operations.update_round(
        round_, council, operations.RoundSettings(name="Greener streets", currency="EUR", timezone="Europe/Amsterdam",
                                                  districts=["North", "South"], categories=["Parks", "Streets"])
    )
    operations.transition_round(round_, RoundState.PROPOSALS, council)
    db.session.commit()

    events = round_events(round_.id)
    assert [e.kind for e in events] == [
        "round_created", "budget_added", "budget_added", "settings_changed", "transition",
    ]
    assert events[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert events[3].payload["changes"]["name"] == {"from": "Green streets 2027", "to": "Greener streets"}
    assert events[4].payload == {"from": "draft", "to": "proposals", "reason": "manual"}
    assert events[4].actor_label == "clerk@testville.example"
    assert verify_chain(round_.id).ok


def test_a_changed_payload_is_detected_at_that_event(app, new_round, council):
    round_ = new_round(actor=council)
    events = round_events(round_.id)
    _tamper("UPDATE round_event SET payload = :payload WHERE id = :id",
            payload='{"name": "Citywide", "amount": 99999999}', id=events[1].id)
    report = verify_chain(round_.id)
    assert not report.ok
    assert report.broken_sequence == 2
    assert "changed" in report.reason


def test_a_deleted_event_is_detected(app, new_round, council):
    round_ = new_round(actor=council)
    events = round_events(round_.id)
    _tamper("DELETE FROM round_event WHERE id = :id", id=events[1].id)
    report = verify_chain(round_.id)
    assert (report.ok, report.broken_sequence) == (False, 3)
    assert "missing" in report.reason


def test_the_application_refuses_to_change_or_delete_events(app, new_round, council):
    round_ = new_round(actor=council)
    event = round_events(round_.id)[0]
    event.kind = "something_else"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.delete(round_events(round_.id)[0])
        db.session.flush()
    db.session.rollback()
    assert verify_chain(round_.id).ok


def test_the_database_refuses_updates_on_postgresql(app, new_round, council):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    round_ = new_round(actor=council)
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE round_event SET kind = 'x' WHERE round_id = :id"), {"id": round_.id})
    db.session.rollback()


def test_verify_log_command_exits_1_naming_the_broken_event(app, new_round, council, pbvote_cli):
    round_ = new_round(actor=council)
    result = pbvote_cli("audit", "verify-log", str(round_.id))
    assert result.exit_code == 0, result.output
    assert "3 events" in result.output and "intact" in result.output

    second = round_events(round_.id)[1]
    _tamper("UPDATE round_event SET actor_label = 'someone-else' WHERE id = :id", id=second.id)
    result = pbvote_cli("audit", "verify-log", str(round_.id))
    assert result.exit_code == 1
    assert f"event #2 (id {second.id})" in result.output

    result = pbvote_cli("audit", "verify-log", "999999")
    assert result.exit_code == 2
    assert "no round" in result.output.lower()
