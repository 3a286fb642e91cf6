"""One voter submitting the same ballot 20 times at once through a live gunicorn (2 workers × 4 threads):
every submission is answered, and exactly one ballot is current. The database's partial unique index is what
guarantees it on PostgreSQL (without it, two racing first votes both insert a current ballot)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from pbvote.voting.models import Ballot
from tests.conftest import DEFAULT_PASSWORD
from tests.web.voting.factories import make_voter, make_voting_round

from .conftest import Browser

SUBMISSIONS = 20


def test_twenty_simultaneous_casts_leave_one_current_ballot(gunicorn, organisation, create_user, db):
    author = create_user(email="author@example.org")
    voter = create_user(email="vera@example.org")
    world = make_voting_round(organisation, author)
    make_voter(world.round, voter, "North")
    ballot_path = f"/rounds/{world.round.id}/vote/{world.citywide.id}"

    browser = Browser(gunicorn.base_url)
    browser.sign_in(voter.email, DEFAULT_PASSWORD)
    browser.get(ballot_path)
    first, second = world.projects["Citywide"][:2]
    for project in (first, second):
        assert browser.post(ballot_path, {"action": f"add:{project.id}"})[0] == 303
    version = browser.draft_version(ballot_path)

    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(SUBMISSIONS)

    def submit() -> None:
        start.wait()
        status, _ = browser.post(ballot_path + "/cast", {"version": version})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=submit) for _ in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert statuses == [303] * SUBMISSIONS, statuses
    db.session.rollback()
    current = db.session.scalars(
        select(Ballot).where(Ballot.budget_id == world.citywide.id, Ballot.superseded_at.is_(None))
    ).all()
    assert len(current) == 1
    assert current[0].choices == [first.id, second.id]
    # A submission that finds the draft already cast is answered with that ballot; one that read the draft
    # just before another committed casts it again on top (superseding it). Nothing else is stored.
    assert 1 <= db.session.scalar(select(func.count()).select_from(Ballot)) <= SUBMISSIONS
