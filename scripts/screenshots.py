"""Screenshots of the demo's main pages at a phone (390 px) and a desktop (1280 px) width.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

Seeds what ``pbvote demo`` seeds into a temporary SQLite instance, serves it on a free local port, signs in as
the demo roles with Playwright driving Chromium and saves each page full length as ``<out>/<page>-<width>.png``.
``tests/browser/test_visual_pages.py`` visits the same pages (:data:`PAGES`, :func:`demo_targets`,
:func:`open_page`) with axe-core.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (390, 1280)
#: Tall pages are cut here (px) so the PNGs stay small; the top of a page is what a reader sees first.
MAX_HEIGHT = 3600
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--hide-scrollbars"]

RESIDENT = "resident@riverside.example"
COUNCIL = "council@riverside.example"
AUDITOR = "auditor@riverside.example"


@dataclass(frozen=True)
class Targets:
    """Ids of the demo records the pages show."""

    voting_round: int
    ballot_budget: int
    discussed_proposal: int
    results_round: int


@dataclass(frozen=True)
class Page:
    """One page to visit: its name (file name), who is signed in (None: nobody) and its path."""

    name: str
    account: str | None
    path: Callable[[Targets], str]
    # The receipt exists only right after casting: the page is reached by submitting a ballot.
    casts_ballot: bool = False


PAGES = (
    Page("home", RESIDENT, lambda t: "/"),
    Page("round", RESIDENT, lambda t: f"/rounds/{t.voting_round}"),
    Page("proposals", RESIDENT, lambda t: f"/rounds/{t.voting_round}/proposals"),
    Page("proposal", RESIDENT, lambda t: f"/proposals/{t.discussed_proposal}"),
    Page("ballot", RESIDENT, lambda t: f"/rounds/{t.voting_round}/vote/{t.ballot_budget}"),
    Page("receipt", RESIDENT, lambda t: f"/rounds/{t.voting_round}/vote/{t.ballot_budget}", casts_ballot=True),
    Page("results", None, lambda t: f"/rounds/{t.results_round}/results"),
    Page("council-settings", COUNCIL, lambda t: f"/rounds/{t.voting_round}/edit"),
    Page("event-log", COUNCIL, lambda t: f"/rounds/{t.voting_round}/log"),
    Page("audit", AUDITOR, lambda t: f"/rounds/{t.results_round}/tracking"),
)


def demo_targets(demo) -> Targets:
    """The records of the seeded demo (``seed_demo()``'s result) the pages show; needs an app context."""
    from sqlalchemy import func, select

    from pbvote.deliberation.models import Comment
    from pbvote.extensions import db
    from pbvote.proposals.models import Proposal
    from pbvote.rounds.models import Budget

    citywide = db.session.scalar(select(Budget.id).where(Budget.round_id == demo.voting_round_id,
                                                         Budget.scope == "citywide"))
    most_discussed = db.session.scalar(
        select(Comment.proposal_id).join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.round_id == demo.voting_round_id)
        .group_by(Comment.proposal_id).order_by(func.count().desc(), Comment.proposal_id).limit(1)
    )
    return Targets(demo.voting_round_id, citywide, most_discussed, demo.results_round_id)


def sign_in(page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def open_page(page, target: Page, targets: Targets) -> None:
    """Go to the page; for the receipt, rank a project and submit the ballot (again: it replaces the last one)."""
    page.goto(target.path(targets))
    if target.casts_ballot:
        main = page.get_by_role("main")
        rank = main.get_by_role("button", name="Rank", exact=False).first
        if rank.count():
            rank.click()
            main.get_by_role("button", name="Remove", exact=False).first.wait_for()  # htmx swapped the ballot in
        main.get_by_role("link", name="Review and submit").click()
        main.get_by_role("button", name="Submit my ballot").click()
        main.get_by_role("heading", name="Your ballot is stored").wait_for()


@contextmanager
def demo_server() -> Iterator[tuple[str, Targets]]:
    """Seed the demo into a temporary instance folder and serve it; yields (base URL, targets)."""
    with tempfile.TemporaryDirectory(prefix="pbvote-screenshots-") as instance:
        os.environ["PBVOTE_INSTANCE_PATH"] = instance  # nothing of the real instance/ folder is read or written
        import flask_migrate
        from werkzeug.serving import make_server

        from pbvote import create_app
        from pbvote.cli import demo_overrides
        from pbvote.demo import seed_demo

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        app = create_app({**demo_overrides(Path(instance), "127.0.0.1", port), "MAIL_BACKEND": "memory",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade()
            targets = demo_targets(seed_demo())
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per screenshot, not per request
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{port}", targets
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


def take_screenshots(out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from pbvote.demo import DEMO_PASSWORD

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with demo_server() as (base_url, targets), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        for width in WIDTHS:
            contexts = {}
            for target in PAGES:
                if target.account not in contexts:
                    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900},
                                                  reduced_motion="reduce")
                    context.set_default_timeout(30_000)
                    contexts[target.account] = context.new_page()
                    if target.account:
                        sign_in(contexts[target.account], target.account, DEMO_PASSWORD)
                page = contexts[target.account]
                open_page(page, target, targets)
                height = min(page.evaluate("() => document.documentElement.scrollHeight"), MAX_HEIGHT)
                path = out / f"{target.name}-{width}.png"
                page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height},
                                full_page=True)
                saved.append(path)
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {width}×{height}")
            for page in contexts.values():
                page.context.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots", help="Folder for the PNGs.")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="Chromium executable.")
    args = parser.parse_args(argv)
    saved = take_screenshots(args.out, args.chromium)
    total = sum(path.stat().st_size for path in saved)
    print(f"{len(saved)} screenshots, {total / 1_000_000:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
