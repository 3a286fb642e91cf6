"""Two app servers behind one address, as a city with more than one machine runs pbvote: two ``pbvote serve``
gunicorns on two ports, sharing this test's PostgreSQL database and one Redis (the rate-limit store).

What must hold across them: a session made on one is valid on the other (one SECRET_KEY, the user row holds
the session version); signing out on one ends it on both, even for a copied cookie; the login rate limit counts
requests to both; 20 simultaneous casts of one voter spread over both leave one current ballot; and
``pbvote tick`` run on both machines at the same minute makes each transition once and sends each notice once.

Runs on PostgreSQL with Redis at 127.0.0.1:6379 (database 13, flushed before and after each test). On SQLite,
or without Redis, it skips — unless PBVOTE_REQUIRE_POSTGRES=1 (CI), where a missing Redis fails it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.notices.models import utcnow
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import Phase, Round, RoundState
from pbvote.voting.models import Ballot
from tests.conftest import DEFAULT_PASSWORD, REQUIRE_POSTGRES
from tests.web.voting.factories import make_voter, make_voting_round

from .conftest import Browser, Gunicorn, cast_all_at_once, ready_draft

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
SECRET_KEY = "two-servers-shared-secret-key"
LOGIN_LIMIT = 6
SUBMISSIONS = 20


def _redis():
    """A client of the test's Redis database, or a skip (a failure in CI) when Redis does not answer."""
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"the two-server test needs Redis at {REDIS_HOST}:{REDIS_PORT} ({error})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"PBVOTE_REQUIRE_POSTGRES=1 but {message}", pytrace=False)
        pytest.skip(message)
    return client


@pytest.fixture(scope="module")
def servers(database, tmp_path_factory) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """Servers A and B: one database, one Redis, one secret key, rate limits on (``LOGIN_LIMIT`` sign-ins a
    minute per address)."""
    if database.kind != "postgresql":
        pytest.skip("two app servers share one PostgreSQL database (SQLite is one machine's file)")
    _redis()
    settings = {
        "PBVOTE_SECRET_KEY": SECRET_KEY,
        "PBVOTE_RATELIMIT_ENABLED": "true",
        "PBVOTE_RATELIMIT_STORAGE_URI": REDIS_URL,
        "PBVOTE_RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per minute",
    }
    started: list[Gunicorn] = []
    try:
        for name in ("a", "b"):
            server = Gunicorn(database.url, tmp_path_factory.mktemp(f"server-{name}"), settings=settings)
            server.start()
            started.append(server)
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def two(servers, app) -> Iterator[tuple[Gunicorn, Gunicorn]]:
    """Both servers, with empty tables (the ``app`` fixture) and an empty rate-limit store."""
    store = _redis()
    store.flushdb()
    yield servers
    store.flushdb()


def _on(browser: Browser, server: Gunicorn) -> Browser:
    """The same browser (cookies, CSRF token) pointed at another server."""
    other = Browser(server.base_url)
    other.jar, other.token = browser.jar, browser.token
    other.opener = browser.opener
    return other


def _copy(browser: Browser, server: Gunicorn) -> Browser:
    """Another browser holding a copy of ``browser``'s cookies (a stolen or backed-up cookie)."""
    other = Browser(server.base_url)
    for cookie in browser.jar:
        other.jar.set_cookie(cookie)
    return other


def _signed_in(browser: Browser) -> bool:
    status, _ = browser.get("/account/mail")
    assert status in (200, 302, 303), status
    return status == 200


def test_a_session_made_on_one_server_is_valid_on_the_other_and_sign_out_on_one_ends_it_on_both(
        two, create_user):
    a, b = two
    user = create_user(email="vera@example.org")
    on_a = Browser(a.base_url)
    assert not _signed_in(on_a)
    on_a.sign_in(user.email, DEFAULT_PASSWORD)
    on_b = _on(on_a, b)
    assert _signed_in(on_a) and _signed_in(on_b)
    copied = _copy(on_a, b)
    assert _signed_in(copied)

    status, _ = on_a.post("/sign-out", {})
    assert status == 303
    assert not _signed_in(on_b)
    assert not _signed_in(copied)  # the old cookie, replayed on the other server, is dead too


def test_the_login_rate_limit_counts_sign_ins_on_both_servers(two, create_user):
    a, b = two
    user = create_user(email="vera@example.org")
    browsers = [Browser(a.base_url), Browser(b.base_url)]
    for browser in browsers:
        browser.get("/sign-in")
    statuses = [
        browsers[attempt % 2].post("/sign-in", {"email": user.email, "password": "wrong password"})[0]
        for attempt in range(LOGIN_LIMIT + 1)
    ]
    # Three wrong passwords on each server, then the limit: the attempt over it went to A ...
    assert statuses == [200] * LOGIN_LIMIT + [429], statuses
    # ... and B refuses too, even the right password (the limit is per address, on both).
    assert browsers[1].post("/sign-in", {"email": user.email, "password": DEFAULT_PASSWORD})[0] == 429


def test_twenty_simultaneous_casts_over_both_servers_leave_one_current_ballot(two, organisation, create_user):
    a, b = two
    draft = ready_draft(a.base_url, organisation, create_user)
    statuses = cast_all_at_once(draft, [draft.browser, _on(draft.browser, b)], SUBMISSIONS)

    assert statuses == [303] * SUBMISSIONS, statuses
    db.session.rollback()
    current = db.session.scalars(
        select(Ballot).where(Ballot.budget_id == draft.budget_id, Ballot.superseded_at.is_(None))
    ).all()
    assert len(current) == 1 and current[0].choices == draft.choices


def _tick(database_url: str, instance: Path, smtp_server) -> subprocess.Popen:
    """``pbvote tick`` as cron starts it on one machine: its own process, the shared database, real SMTP."""
    environment = {
        **os.environ,
        "PBVOTE_DATABASE_URL": database_url,
        "PBVOTE_SECRET_KEY": SECRET_KEY,
        "PBVOTE_INSTANCE_PATH": str(instance),
        "PBVOTE_MAIL_BACKEND": "smtp",
        "PBVOTE_MAIL_HOST": smtp_server.host,
        "PBVOTE_MAIL_PORT": str(smtp_server.port),
        "PBVOTE_SERVER_NAME": "pb.example.org",
    }
    instance.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("pbvote")), "tick"], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_tick_on_both_machines_at_once_makes_each_transition_and_sends_each_notice_once(
        two, database, organisation, create_user, smtp_server, tmp_path):
    author = create_user(email="author@example.org")
    world = make_voting_round(organisation, author)
    for number in range(30):
        make_voter(world.round, create_user(email=f"voter{number}@example.org"), "North")
    round_ = db.session.get(Round, world.round.id)
    round_.state = RoundState.REVIEW.value  # voting is due to open: its phase started a minute ago
    round_.phases.append(Phase(state=RoundState.VOTING.value, starts_at=utcnow() - timedelta(minutes=1),
                               ends_at=utcnow() + timedelta(days=7)))
    db.session.commit()

    ticks = [_tick(database.url, tmp_path / name, smtp_server) for name in ("a", "b")]
    outputs = [tick.communicate(timeout=180)[0] for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0], outputs

    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == RoundState.VOTING.value
    moves = [(e.payload["from"], e.payload["to"]) for e in round_events(round_.id) if e.kind == "transition"]
    assert moves.count(("review", "voting")) == 1, moves
    assert verify_chain(round_.id).ok
    assert sum("now voting" in output for output in outputs) == 1, outputs

    recipients = [m["To"] for m in smtp_server.messages if m["Subject"].startswith("Voting is open")]
    assert len(recipients) == 31 and len(set(recipients)) == 31, sorted(recipients)  # 30 voters, the author
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
