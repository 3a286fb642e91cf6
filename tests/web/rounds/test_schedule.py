"""Scheduled transitions happen on time without anyone clicking: by `pbvote tick`, or when the round is loaded."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import Phase, Round, RoundState
from tests.sql_log import SentStatements


def _schedule(round_, council, **windows):
    """Phases relative to now, in hours: proposals=(-2, -1) means it started 2 h ago and ended 1 h ago."""
    now = datetime.now(UTC)
    operations.set_schedule(round_, council, {
        RoundState(name): tuple(now + timedelta(hours=h) if h is not None else None for h in hours)
        for name, hours in windows.items()
    })
    db.session.commit()


def _state(round_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Round, round_id).state


def test_tick_moves_rounds_whose_time_has_come(app, new_round, council, pbvote_cli):
    due = new_round(actor=council, name="Due")
    later = new_round(actor=council, name="Later")
    _schedule(due, council, proposals=(-1, 24), review=(24, 48))
    _schedule(later, council, proposals=(1, 24))

    result = pbvote_cli("tick")
    assert result.exit_code == 0, result.output
    assert "now proposals" in result.output and "1 round moved on" in result.output
    assert (_state(due.id), _state(later.id)) == ("proposals", "draft")
    last = round_events(due.id)[-1]
    assert (last.kind, last.payload["reason"], last.actor_label) == ("transition", "scheduled", "system")
    assert pbvote_cli("tick").output.strip().endswith("0 rounds moved on.")


def test_a_round_several_phases_behind_catches_up_in_order(app, new_round, council):
    round_ = new_round(actor=council)
    _schedule(round_, council, proposals=(-30, -20), review=(-20, -10), voting=(-5, 10))
    operations.tick()
    assert _state(round_.id) == "voting"  # deliberation had no window of its own: skipped
    moves = [(e.payload["from"], e.payload["to"]) for e in round_events(round_.id) if e.kind == "transition"]
    assert moves == [("draft", "proposals"), ("proposals", "review"), ("review", "voting")]
    assert verify_chain(round_.id).ok


def test_the_end_of_a_phase_moves_the_round_on(app, new_round, council):
    round_ = new_round(actor=council, state="proposals")
    _schedule(round_, council, proposals=(-10, -1))
    operations.tick()
    assert _state(round_.id) == "review"


def test_opening_a_page_applies_the_due_transition(app, new_round, council, resident, client_for):
    round_ = new_round(actor=council)
    _schedule(round_, council, proposals=(-1, 24))
    assert _state(round_.id) == "draft"
    page = client_for(resident).get(f"/rounds/{round_.id}")  # a draft would be 404 to a resident
    assert page.status_code == 200
    assert "proposals</strong> phase" in page.get_data(as_text=True)
    assert _state(round_.id) == "proposals"


def test_phase_times_are_stored_utc_and_shown_in_the_round_timezone(app, new_round, council, client_for):
    round_ = new_round(actor=council, timezone="Europe/Amsterdam")
    client = client_for(council)
    response = client.post_form(f"/rounds/{round_.id}/schedule", {
        "proposals_starts_at": "2031-06-01T09:00", "proposals_ends_at": "2031-06-30T18:00"})
    assert response.status_code == 303
    db.session.expire_all()
    phase = db.session.get(Round, round_.id).phase_for("proposals")
    assert phase.starts_at_utc == datetime(2031, 6, 1, 7, 0, tzinfo=UTC)  # CEST is UTC+2
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "1 June 2031, 09:00 CEST" in page


def test_a_schedule_out_of_order_is_refused(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    response = client_for(council).post_form(f"/rounds/{round_.id}/schedule", {
        "proposals_starts_at": "2031-06-01T09:00", "proposals_ends_at": "2031-05-01T09:00"})
    assert response.status_code == 200
    assert "must end after it starts" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Round, round_.id).phases == []


def test_the_cheap_check_before_each_request_never_misses_a_due_transition(app, new_round, council):
    """``may_be_due`` lets requests skip loading the round; it must be True whenever something is due."""
    windows = [None, (-3, -2), (-2, 1), (1, 2), (-1, None), (None, -1), (None, 1)]
    states = [RoundState.DRAFT, RoundState.PROPOSALS, RoundState.REVIEW, RoundState.DELIBERATION, RoundState.VOTING]
    checked = 0
    for state in states:
        round_ = new_round(actor=council, state=state.value)
        for proposals, voting in itertools.product(windows, windows):
            schedule = {name: window for name, window in (("proposals", proposals), ("voting", voting)) if window}
            for phase in list(round_.phases):
                db.session.delete(phase)
            db.session.flush()
            now = datetime.now(UTC)
            for name, (start, end) in schedule.items():
                round_.phases.append(Phase(
                    state=name, starts_at=now + timedelta(hours=start) if start is not None else None,
                    ends_at=now + timedelta(hours=end) if end is not None else None))
            db.session.commit()
            due = operations.due_transition(round_, now) is not None or operations.voting_due_to_close(round_, now)
            if due:
                assert operations.may_be_due(round_.id, now), (state, schedule)
                checked += 1
    assert checked >= 10
    # And nothing scheduled: nothing can be due.
    quiet = new_round(actor=council, state=RoundState.VOTING.value)
    assert not operations.may_be_due(quiet.id, datetime.now(UTC))


def _schedule_reads(round_id: int, moments: list[datetime]) -> tuple[list[bool], int]:
    """``may_be_due`` at each moment, and how many times it read the schedule from the database."""
    with SentStatements(db.engine) as sent:
        answers = [operations.may_be_due(round_id, moment) for moment in moments]
    return answers, sent.count("SELECT")


def test_the_schedule_read_is_trusted_until_its_next_moment(app, new_round, council):
    """Within SCHEDULE_TRUST_SECONDS a worker reads a round's schedule once, and still answers True from the
    moment the next phase is due to start — without being told."""
    round_ = new_round(actor=council, state=RoundState.PROPOSALS.value)
    _schedule(round_, council, proposals=(-1, None), review=(1, None))
    now = datetime.now(UTC)
    answers, reads = _schedule_reads(round_.id, [now, now + timedelta(minutes=59), now + timedelta(minutes=61)])
    assert answers == [False, False, True]
    assert reads == 2  # the second answer came from what the first read; the third read again (it may be due)


def test_a_schedule_changed_in_this_process_is_seen_at_once(app, new_round, council):
    round_ = new_round(actor=council, state=RoundState.PROPOSALS.value)
    _schedule(round_, council, proposals=(-1, 2))
    assert not operations.may_be_due(round_.id, datetime.now(UTC))
    _schedule(round_, council, proposals=(-2, -1))  # the council moves the end into the past
    assert operations.may_be_due(round_.id, datetime.now(UTC))


def test_a_schedule_changed_elsewhere_is_seen_within_the_trusted_time(app, new_round, council, monkeypatch):
    """Another worker's change reaches this one's cache through no event: it is read again once
    SCHEDULE_TRUST_SECONDS have passed. (Closing or opening by hand needs no wait: casting reads the state.)"""
    round_ = new_round(actor=council, state=RoundState.PROPOSALS.value)
    _schedule(round_, council, proposals=(-1, 2))
    assert not operations.may_be_due(round_.id, datetime.now(UTC))
    past = datetime.now(UTC) - timedelta(hours=1)
    with db.engine.begin() as other_worker:  # a plain statement: no ORM event of this session sees it
        other_worker.execute(update(Phase).where(Phase.round_id == round_.id).values(ends_at=past))
    assert not operations.may_be_due(round_.id, datetime.now(UTC))
    later = time.monotonic() + operations.SCHEDULE_TRUST_SECONDS
    monkeypatch.setattr(operations.time, "monotonic", lambda: later)
    db.session.rollback()  # a new request, a new transaction (SQLite's would still see its old snapshot)
    assert operations.may_be_due(round_.id, datetime.now(UTC))
