"""Crash safety: while voters cast ballots through gunicorn, one worker is SIGKILLed, then the whole server;
after a restart every acknowledged ballot (a 303 to the receipt) is stored exactly once, every voter ends with
one current ballot, and the SQLite file passes PRAGMA integrity_check."""

from __future__ import annotations

import http.client
import queue
import threading
import time

from sqlalchemy import func, select, text

from pbvote.voting.models import Ballot
from tests.conftest import DEFAULT_PASSWORD
from tests.web.voting.factories import make_voter, make_voting_round

from .conftest import Browser

VOTERS = 36
CLIENTS = 4


def test_acknowledged_ballots_survive_killed_workers_and_a_killed_server(gunicorn, organisation, create_user,
                                                                        database, db):
    author = create_user(email="author@example.org")
    world = make_voting_round(organisation, author)
    voters = [create_user(email=f"voter{n}@example.org") for n in range(VOTERS)]
    for voter in voters:
        make_voter(world.round, voter, "North")
    ballot_path = f"/rounds/{world.round.id}/vote/{world.citywide.id}"
    projects = [p.id for p in world.projects["Citywide"]]

    pending: queue.Queue = queue.Queue()
    for number, voter in enumerate(voters):
        pending.put((number, voter.email))
    acknowledged: dict[str, int] = {}
    found: dict[str, int] = {}
    attempts: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + 240

    def vote(number: int, email: str) -> str:
        """"acknowledged" (303 to the receipt), "found" (an interrupted try was stored after all: the voter
        sees their ballot), or "failed"."""
        browser = Browser(gunicorn.base_url)
        browser.sign_in(email, DEFAULT_PASSWORD)
        status, body = browser.get(ballot_path + "/receipt")
        if status == 200 and "You voted on" in body:
            return "found"
        browser.get(ballot_path)
        status, body = browser.post(ballot_path, {"action": f"add:{projects[number % len(projects)]}"})
        if status != 303 and "already on your ballot" not in body:  # (a draft an interrupted try left)
            return "failed"
        status, _ = browser.post(ballot_path + "/cast", {"version": browser.draft_version(ballot_path)})
        return "acknowledged" if status == 303 else "failed"

    def client() -> None:
        while time.monotonic() < stop:
            try:
                number, email = pending.get_nowait()
            except queue.Empty:
                return
            with lock:
                attempts[email] = attempts.get(email, 0) + 1
            try:
                outcome = vote(number, email)
            # A killed worker or server breaks the connection (or a page half-way): try this voter again.
            except (OSError, http.client.HTTPException, AssertionError):
                outcome = "failed"
            if outcome != "failed":
                with lock:
                    (acknowledged if outcome == "acknowledged" else found)[email] = number
            else:
                time.sleep(0.2)
                pending.put((number, email))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()

    def wait_for(count: int) -> None:
        while len(acknowledged) + len(found) < count and time.monotonic() < stop:
            time.sleep(0.05)

    wait_for(VOTERS // 3)
    gunicorn.kill_worker()
    wait_for(2 * VOTERS // 3)
    gunicorn.kill_everything()
    time.sleep(0.5)
    gunicorn.restart()
    for thread in threads:
        thread.join(240)

    assert len(acknowledged) + len(found) == VOTERS, f"only {len(acknowledged) + len(found)} of {VOTERS} got through"
    assert sum(attempts.values()) > VOTERS, "no submission was interrupted: the crashes did not hit the stream"
    db.session.rollback()
    current = db.session.scalars(
        select(Ballot).where(Ballot.budget_id == world.citywide.id, Ballot.superseded_at.is_(None))
    ).all()
    by_voter = {ballot.voter.user.email: ballot for ballot in current}
    assert len(current) == VOTERS == len(by_voter)
    for email, number in {**acknowledged, **found}.items():
        assert by_voter[email].choices == [projects[number % len(projects)]]
    # A retried voter may have a superseded copy of the same choice; nobody has more than their attempts.
    for email, count in attempts.items():
        stored = db.session.scalar(
            select(func.count()).select_from(Ballot).join(Ballot.voter).where(Ballot.budget_id == world.citywide.id)
            .where(Ballot.voter_id == by_voter[email].voter_id)
        )
        assert 1 <= stored <= count
    if database.kind == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
