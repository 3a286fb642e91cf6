"""Many people writing at once through the real HTTP server: no "database is locked", no 500, nothing lost."""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from pbvote.accounts.models import User
from tests.conftest import extract_csrf_token

THREADS = 6
REGISTRATIONS_PER_THREAD = 3


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 303 after a POST visible instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


def register_over_http(base_url: str, email: str) -> int:
    """Fill in and submit the registration form like a browser would; returns the POST's status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(base_url + "/register", timeout=30) as response:
        token = extract_csrf_token(response.read().decode())
    form = {
        "csrf_token": token,
        "email": email,
        "display_name": email.split("@")[0],
        "password": "a long enough password",
        "password_again": "a long enough password",
    }
    request = urllib.request.Request(base_url + "/register", data=urllib.parse.urlencode(form).encode())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx arrive here
        return error.code


@pytest.fixture
def app_config() -> dict:
    """No rate limits: every request here comes from 127.0.0.1 on purpose."""
    return {"RATELIMIT_ENABLED": False}


def test_simultaneous_registrations_all_succeed(live_server, organisation, database, db):
    statuses: list[int] = []
    lock = threading.Lock()

    def register_several(thread: int) -> None:
        for number in range(REGISTRATIONS_PER_THREAD):
            status = register_over_http(live_server.base_url, f"t{thread}-{number}@example.org")
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=register_several, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert statuses == [303] * (THREADS * REGISTRATIONS_PER_THREAD), statuses
    db.session.rollback()  # a fresh snapshot
    assert db.session.scalar(select(func.count()).select_from(User)) == THREADS * REGISTRATIONS_PER_THREAD
