"""A newcomer's first visit, in a real browser: register, confirm by email, sign in, edit the profile, sign out.

axe-core checks every page on the way. The journey runs with JavaScript (htmx boosts links and forms) and
without it (everything must work as plain HTML forms); one page is also checked at 320 px wide.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import select

from pbvote.accounts.models import User

EMAIL = "newcomer@example.org"
PASSWORD = "a long and memorable passphrase"
LINK = re.compile(r"https?://[^\s<>\"]+")


def path_of(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def stored_newcomer(db) -> User | None:
    """The newcomer as the database has them now (a new transaction: the last one's snapshot may be stale)."""
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == EMAIL))


def confirmation_link(mail_outbox, live_server) -> str:
    """The link in the one mail sent to EMAIL; it must point at this site."""
    mails = [mail for mail in mail_outbox if mail["To"] == EMAIL]
    assert len(mails) == 1, f"expected one mail to {EMAIL}, got {[m['Subject'] for m in mail_outbox]}"
    body = mails[0].get_content()
    links = [link for link in LINK.findall(body) if "/confirm/" in link]
    assert links, f"no confirmation link in the mail:\n{body}"
    assert links[0].startswith(live_server.base_url + "/"), f"{links[0]} does not point at this site"
    return links[0]


def click_and_wait(page, locator) -> None:
    """Click and wait for the page that follows (a full load, or htmx's boosted swap and history push)."""
    with page.expect_navigation():
        locator.click()


def press(page, button_name: str) -> None:
    """Press the button of that name in the main content (the form's submit button)."""
    click_and_wait(page, page.get_by_role("main").get_by_role("button", name=button_name))


def follow(page, link_name: str) -> None:
    """Follow the site navigation's link of that name."""
    click_and_wait(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=link_name))


@pytest.fixture(params=["javascript", "no-javascript"])
def browser_context_options(request) -> dict:
    """The journey runs twice: with JavaScript and without."""
    return {"viewport": {"width": 1280, "height": 900}, "java_script_enabled": request.param == "javascript"}


def test_newcomer_registers_confirms_signs_in_edits_profile_and_signs_out(
    app, browser_page, live_server, organisation, mail_outbox, axe_check, db
):
    page = browser_page

    # A newcomer arrives on the home page and follows the link to register.
    page.goto("/")
    axe_check(page)
    follow(page, "Register")
    expect(page.get_by_role("heading", level=1)).to_contain_text("account")
    axe_check(page)

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Display name").fill("Newcomer")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    press(page, "Create account")
    expect(page.get_by_text(f"We have sent a message to {EMAIL}")).to_be_visible()
    axe_check(page)
    assert not stored_newcomer(db).email_confirmed

    # They open the link from the confirmation mail and confirm their address.
    page.goto(confirmation_link(mail_outbox, live_server))
    expect(page.get_by_text(EMAIL)).to_be_visible()
    axe_check(page)
    press(page, "Confirm my address")
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    axe_check(page)
    assert stored_newcomer(db).email_confirmed

    # They sign in.
    follow(page, "Sign in")
    axe_check(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Sign in")
    expect(page.get_by_text("Signed in as Newcomer")).to_be_visible()
    axe_check(page)

    # They edit their profile: a new display name and their district.
    follow(page, "Profile")
    axe_check(page)
    page.get_by_label("Display name").fill("Nadia Newcomer")
    page.get_by_label("District").fill("Riverside")
    press(page, "Save profile")
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_label("District")).to_have_value("Riverside")
    axe_check(page)
    newcomer = stored_newcomer(db)
    assert (newcomer.display_name, newcomer.district) == ("Nadia Newcomer", "Riverside")

    # They sign out; the profile is out of reach again.
    click_and_wait(page, page.get_by_role("button", name="Sign out"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    axe_check(page)
    page.goto(path_of(app, "accounts.edit_profile"))
    assert urlsplit(page.url).path == path_of(app, "accounts.sign_in"), f"profile still open: {page.url}"
    axe_check(page)


@pytest.mark.parametrize("browser_context_options", [{"viewport": {"width": 320, "height": 640}}])
def test_registration_page_fits_a_320_px_screen(browser_page, organisation, axe_check, browser_context_options):
    """At 320 px wide the registration page needs no sideways scrolling and passes axe."""
    page = browser_page
    page.goto("/")
    follow(page, "Register")
    axe_check(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320, f"the page is {scroll_width} px wide at a 320 px viewport"
    expect(page.get_by_label("Email address")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("button", name="Create account")).to_be_visible()
