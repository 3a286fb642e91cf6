"""Two council members acting at once cannot fork a round's log."""

from __future__ import annotations

import threading

from pbvote.database import write_transaction
from pbvote.extensions import db
from pbvote.rounds import operations
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import BudgetScope, Round


def test_concurrent_changes_append_one_after_the_other(app, new_round, council):
    round_ = new_round(actor=council, district_budgets=False)
    round_id, errors = round_.id, []
    start = threading.Barrier(4)

    def add_budgets(worker: int) -> None:
        with app.app_context():
            try:
                start.wait()
                for i in range(5):
                    with write_transaction():
                        target = db.session.get(Round, round_id)
                        operations.update_budget(target.budgets[0], None, operations.BudgetInput(
                            name=f"Citywide {worker}-{i}", scope=BudgetScope.CITYWIDE.value,
                            amount=10_000_000 + worker * 100 + i))
            except Exception as error:  # noqa: BLE001 - any failure is reported below with the worker number
                errors.append((worker, repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=add_budgets, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.rollback()  # end this test's own read snapshot before looking
    events = round_events(round_id)
    assert len(events) == 2 + 20  # created, citywide budget added, then every change
    assert [e.sequence for e in events] == list(range(1, 23))
    assert verify_chain(round_id).ok
