"""Two ``pbvote tick`` runs at the same moment (cron on two app servers) make each due transition once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import RoundState

TICKS = 4


def test_simultaneous_ticks_make_each_transition_once(app, new_round, council):
    rounds = [new_round(actor=council, name=f"Due {n}") for n in range(3)]
    now = datetime.now(UTC)
    for round_ in rounds:
        operations.set_schedule(round_, council, {RoundState.PROPOSALS: (now - timedelta(hours=1), now + timedelta(days=1))})
    db.session.commit()
    start = threading.Barrier(TICKS)
    errors: list[Exception] = []

    def one_tick() -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                operations.tick()
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one_tick) for _ in range(TICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    for round_ in rounds:
        moves = [(e.payload["from"], e.payload["to"]) for e in round_events(round_.id) if e.kind == "transition"]
        assert moves == [("draft", "proposals")], moves
        assert verify_chain(round_.id).ok
