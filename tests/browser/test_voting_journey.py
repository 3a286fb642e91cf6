"""A voter with a code from the council's letter votes in a real browser (axe-core on every page): signs in
with the code and ranks three projects without JavaScript, submits and sees the receipt; then, with
JavaScript (htmx partial updates) and the keyboard only, changes the ballot and submits again. Only the last
ballot counts."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from pbvote.voting.models import Ballot
from tests.browser.conftest import TIMEOUT_MS
from tests.web.voting.factories import make_voting_round
from tests.web.voting.test_code_voters import issue_code

TRACKING_CODE = re.compile(r"^[3-9A-Y]{4}(-[3-9A-Y]{4}){4}$")


def test_a_code_voter_ranks_submits_changes_and_only_the_last_ballot_counts(
    playwright_browser, live_server, organisation, create_user, axe_check, db
):
    author = create_user(email="author@example.org")
    world = make_voting_round(organisation, author)
    code = issue_code(world.round, "North")
    city = world.projects["Citywide"]

    # ---- without JavaScript: every button is a plain form ----------------------------------------------------
    plain = playwright_browser.new_context(base_url=live_server.base_url, java_script_enabled=False,
                                           viewport={"width": 390, "height": 844})
    plain.set_default_timeout(TIMEOUT_MS)
    page = plain.new_page()
    page.goto(f"/rounds/{world.round.id}/code")
    axe_check(page, javascript_enabled=False)
    page.get_by_label("Voter code").fill(code)
    page.get_by_role("main").get_by_role("button", name=re.compile("code", re.IGNORECASE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballots")
    axe_check(page, javascript_enabled=False)
    page.get_by_role("link", name="Start your ballot for Citywide").click()
    axe_check(page, javascript_enabled=False)
    for project in (city[0], city[1], city[2]):
        page.get_by_role("button", name=f"Rank {project.title}").click()
    page.get_by_role("button", name=f"Move up {city[2].title}").click()  # 1, 3, 2
    ranking = page.locator(".ballot-choices .ballot-item strong")
    expect(ranking).to_have_text([city[0].title, city[2].title, city[1].title])
    expect(page.locator(".ballot-status")).to_contain_text("3 ranked of at most 3")
    axe_check(page, javascript_enabled=False)
    page.get_by_role("link", name="Review and submit").click()
    axe_check(page, javascript_enabled=False)
    page.get_by_role("button", name="Submit my ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot is stored")
    first_code = page.locator("#tracking-code").inner_text()
    assert TRACKING_CODE.match(first_code), first_code
    axe_check(page, javascript_enabled=False)
    cookies = plain.storage_state()
    plain.close()

    # ---- with JavaScript, keyboard only: htmx swaps the editor in place --------------------------------------
    rich = playwright_browser.new_context(base_url=live_server.base_url, storage_state=cookies,
                                          viewport={"width": 1280, "height": 900})
    rich.set_default_timeout(TIMEOUT_MS)
    page = rich.new_page()
    page.goto(f"/rounds/{world.round.id}/vote/{world.citywide.id}")
    axe_check(page)
    ranking = page.locator(".ballot-choices .ballot-item strong")
    page.evaluate("window.pbvoteMarker = 'same document'")  # survives only if nothing reloads the page

    def keyboard_press(name: str) -> None:
        # htmx enables the swapped-in form only once it settles (settle delay 20 ms); a key press before that
        # would take the no-JavaScript path, which works but reloads the page.
        page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request')")
        page.get_by_role("button", name=name).focus()
        page.keyboard.press("Enter")

    keyboard_press(f"Remove {city[0].title}")
    expect(ranking).to_have_text([city[2].title, city[1].title])
    keyboard_press(f"Rank {city[3].title}")
    expect(ranking).to_have_text([city[2].title, city[1].title, city[3].title])
    keyboard_press(f"Move up {city[3].title}")
    expect(ranking).to_have_text([city[2].title, city[3].title, city[1].title])
    assert page.evaluate("window.pbvoteMarker") == "same document"
    # Focus stays on the moved project, so a keyboard user can keep moving it.
    page.wait_for_function("id => document.activeElement.closest('li')?.id === id", arg=f"project-{city[3].id}")
    axe_check(page)
    page.get_by_role("link", name="Review and submit").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review your ballot")
    expect(page.get_by_text("replaces the ballot you cast")).to_be_visible()
    keyboard_press("Submit my ballot")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot is stored")
    second_code = page.locator("#tracking-code").inner_text()
    assert TRACKING_CODE.match(second_code) and second_code != first_code
    axe_check(page)
    rich.close()

    db.session.rollback()
    ballots = db.session.scalars(select(Ballot).order_by(Ballot.id)).all()
    assert len(ballots) == 2
    assert ballots[0].superseded_at is not None and ballots[1].superseded_at is None
    assert ballots[1].choices == [city[2].id, city[3].id, city[1].id]
