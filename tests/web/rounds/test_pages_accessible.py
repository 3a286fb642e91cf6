"""Every rounds page passes axe-core (no serious or critical violations) in a real browser, and a voter-roll
report is readable there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    axe_check,
    browser_context_options,
    browser_page,
    chromium_path,
    playwright_browser,
)

from .test_voters import BAD_ROLL

# The browser fixtures live in tests/browser/conftest.py; importing them here makes them available to this file.
__all__ = ["axe_check", "browser_context_options", "browser_page", "chromium_path", "playwright_browser"]

pytestmark = pytest.mark.browser


def _sign_in(page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_council_pages_pass_axe(browser_page, live_server, new_round, council, axe_check, tmp_path, db):
    round_ = new_round(actor=council)
    budget = round_.budgets[0]
    page = browser_page
    _sign_in(page, council)
    for path in (
        "/organisations/testville/rounds",
        "/organisations/testville/rounds/new",
        "/organisations/testville/rounds/import",
        f"/rounds/{round_.id}",
        f"/rounds/{round_.id}/edit",
        f"/rounds/{round_.id}/budgets/{budget.id}/edit",
        f"/rounds/{round_.id}/budgets/{budget.id}/ballot",
        f"/rounds/{round_.id}/schedule",
        f"/rounds/{round_.id}/transition/proposals",
        f"/rounds/{round_.id}/log",
        f"/rounds/{round_.id}/voters",
    ):
        page.goto(path)
        axe_check(page)

    # A bad roll: the report lists every bad line, and the page stays accessible.
    roll = tmp_path / "roll.csv"
    roll.write_text(BAD_ROLL)
    page.goto(f"/rounds/{round_.id}/voters")
    page.get_by_label("Voter roll (CSV)").set_input_files(str(roll))
    page.get_by_role("main").get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("alert")).to_contain_text("problems found")
    expect(page.get_by_role("alert")).to_contain_text("Line 11")
    axe_check(page)

    # A form error on the ballot settings is announced and tied to its field.
    page.goto(f"/rounds/{round_.id}/budgets/{budget.id}/ballot")
    page.get_by_label("Approval: fewest projects to tick").fill("5")
    page.get_by_label("Approval: most projects to tick").fill("2")
    page.get_by_role("main").get_by_role("button", name="Save ballot settings").click()
    expect(page.get_by_text("The maximum number of picks is below the minimum.")).to_be_visible()
    axe_check(page)


def test_resident_pages_pass_axe(browser_page, live_server, new_round, resident, axe_check, db):
    round_ = new_round(state="proposals")
    page = browser_page
    page.goto(f"/rounds/{round_.id}/code")
    axe_check(page)
    _sign_in(page, resident)
    for path in (f"/rounds/{round_.id}", f"/rounds/{round_.id}/register", f"/rounds/{round_.id}/code"):
        page.goto(path)
        axe_check(page)
