"""A real gunicorn (``pbvote serve``, several workers) on this test's database, and a small HTTP browser.

The test's ``app`` fixture has already migrated and emptied the database; data made with the factories is
committed, so the server's processes read it like any other client would.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_PASSWORD, extract_csrf_token, free_port
from tests.web.voting.factories import make_voter, make_voting_round


@dataclass
class Gunicorn:
    """``pbvote serve`` as a child process; ``restart()`` after a crash, ``stop()`` at the end."""

    database_url: str
    instance: Path
    workers: int = 2
    threads: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    #: More ``PBVOTE_*`` environment for the server (applied last), e.g. a shared rate-limit store.
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return self.instance / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        environment = {
            **os.environ,
            "PBVOTE_DATABASE_URL": self.database_url,
            "PBVOTE_SECRET_KEY": "load-test-secret-key",
            "PBVOTE_INSTANCE_PATH": str(self.instance),
            "PBVOTE_RATELIMIT_ENABLED": "false",
            "PBVOTE_MAIL_BACKEND": "outbox",
            **self.settings,
        }
        command = [str(Path(sys.executable).with_name("pbvote")), "serve", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--threads", str(self.threads), "--config", "default"]
        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:  # a file, not a pipe: nobody reads it until something fails
            self.process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            if len(self.worker_pids()) == self.workers and self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within 60 s")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_worker(self) -> int:
        """SIGKILL one worker (the master starts a new one)."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_everything(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start again on the same port (gunicorn binds with SO_REUSEADDR)."""
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def gunicorn(app, database, tmp_path) -> Iterator[Gunicorn]:
    """A started ``pbvote serve`` (2 workers × 4 threads) on this test's database."""
    server = Gunicorn(database.url, tmp_path / "instance")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and CSRF like a browser without JavaScript; ``post`` returns (status, body) without following
    redirects, so a 303 after POST stays visible."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.token: str | None = None

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base_url + path, timeout=60) as response:
                body = response.read().decode()
                self.token = extract_csrf_token(body) or self.token
                return response.status, body
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        form = {"csrf_token": self.token or "", **data}
        request = urllib.request.Request(self.base_url + path, data=urllib.parse.urlencode(form).encode())
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email: str, password: str) -> None:
        self.get("/sign-in")
        status, body = self.post("/sign-in", {"email": email, "password": password})
        assert status == 303, (status, body[:500])
        self.get("/")  # a fresh CSRF token for the new session

    def draft_version(self, ballot_path: str) -> str:
        status, body = self.get(ballot_path + "/review")
        assert status == 200, (status, body[:500])
        match = re.search(r'name="version" type="hidden" value="(\d+)"', body)
        assert match, body[:2000]
        return match.group(1)


@dataclass(frozen=True)
class ReadyDraft:
    """A voter's two-project citywide draft, signed in on ``browser`` and reviewed: ready to cast."""

    browser: Browser
    budget_id: int
    path: str
    version: str
    choices: list[int]


def ready_draft(base_url: str, organisation, create_user) -> ReadyDraft:
    """A voting round, a voter in it signed in over HTTP, and their draft of the first two citywide projects."""
    author = create_user(email="author@example.org")
    voter = create_user(email="vera@example.org")
    world = make_voting_round(organisation, author)
    make_voter(world.round, voter, "North")
    path = f"/rounds/{world.round.id}/vote/{world.citywide.id}"
    browser = Browser(base_url)
    browser.sign_in(voter.email, DEFAULT_PASSWORD)
    browser.get(path)
    choices = [project.id for project in world.projects["Citywide"][:2]]
    for project_id in choices:
        assert browser.post(path, {"action": f"add:{project_id}"})[0] == 303
    return ReadyDraft(browser, world.citywide.id, path, browser.draft_version(path), choices)


def cast_all_at_once(draft: ReadyDraft, browsers: list[Browser], count: int) -> list[int]:
    """``count`` casts of the draft released together by a barrier, spread over ``browsers``; their statuses."""
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(count)

    def submit(browser: Browser) -> None:
        start.wait()
        status, _ = browser.post(draft.path + "/cast", {"version": draft.version})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=submit, args=(browsers[n % len(browsers)],)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses
