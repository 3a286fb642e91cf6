"""The paper-ballot pages pass axe-core in a real browser, and a staff member enters a paper ballot with the
keyboard alone, without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    axe_check,
    browser_page,
    chromium_path,
    playwright_browser,
)
from tests.web.rounds.test_pages_accessible import _sign_in

from .factories import make_mismatch

# The browser fixtures live in tests/browser/conftest.py; importing them here makes them available to this file.
__all__ = ["axe_check", "browser_page", "chromium_path", "playwright_browser"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_options() -> dict:
    """Plain forms only: the paper pages need no JavaScript."""
    return {"java_script_enabled": False}


def test_paper_pages_pass_axe_and_an_entry_works_by_keyboard(browser_page, live_server, clerks, paper_round,
                                                              axe_check, db):
    from pbvote.rounds.models import VoterRollEntry

    a, b, *_ = paper_round.projects["Citywide"]
    roll_entry = db.session.query(VoterRollEntry).filter_by(identifier="NL-0002").one()
    make_mismatch(paper_round.round, paper_round.citywide, roll_entry, clerks[1:], [[a.id], [b.id]])
    page = browser_page
    _sign_in(page, clerks[0])
    round_id = paper_round.round.id

    page.goto(f"/rounds/{round_id}/paper")
    axe_check(page)
    page.get_by_role("link", name="Enter a paper ballot for Citywide").click()
    axe_check(page)
    page.get_by_label("Voter's roll id, email address or voter code").fill("NL-0001")
    page.get_by_label(b.title).fill("1")
    page.get_by_label(a.title).fill("2")
    page.get_by_label(a.title).press("Enter")  # submits the form from the keyboard
    expect(page.get_by_role("status")).to_contain_text("is recorded (first entry)")
    axe_check(page)

    page.get_by_label("Voter's roll id, email address or voter code").fill("NL-0001")
    page.get_by_label(a.title).fill("1")
    page.get_by_label(b.title).fill("1")
    page.get_by_role("button", name="Record this entry").click()
    expect(page.get_by_role("alert")).to_contain_text("each rank goes to one project")
    axe_check(page)

    page.goto(f"/rounds/{round_id}/paper/mismatches")
    expect(page.get_by_role("heading", level=2)).to_contain_text("Citywide")
    axe_check(page)
