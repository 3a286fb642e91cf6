"""Delivery in a real browser (axe-core on every page): a resident follows a funded project; the council posts a
progress update with a photo without JavaScript; the resident reads it on the project page and the delivery
page, and finds it in their notifications."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.audit.conftest import vote_close_publish
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_round_proposal_journey import sign_in
from tests.web.accountability.factories import funded_and_unfunded
from tests.web.proposals.factories import png_bytes


def _context(playwright_browser, live_server, **options):
    context = playwright_browser.new_context(base_url=live_server.base_url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def test_council_posts_progress_without_javascript_resident_follows_and_reads_it(
        playwright_browser, live_server, organisation, create_user, axe_check, db, tmp_path):
    world, council = vote_close_publish(organisation, create_user)
    project = funded_and_unfunded(world.round)[0][0]
    resident = create_user(email="rita@testville.example")
    photo = tmp_path / "site.png"
    photo.write_bytes(png_bytes((120, 80), "orange"))

    # ---- the resident follows the funded project (htmx) ------------------------------------------------------
    reader = _context(playwright_browser, live_server)
    page = reader.new_page()
    sign_in(page, resident, axe_check)
    page.goto(f"/proposals/{project.id}")
    expect(page.get_by_role("heading", name="Delivery progress")).to_be_visible()
    expect(page.get_by_text("The council has not posted a progress update yet.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Follow this discussion").click()
    expect(page.get_by_role("button", name="Following — stop")).to_have_attribute("aria-pressed", "true")

    # ---- the council posts an update without JavaScript ------------------------------------------------------
    staff = _context(playwright_browser, live_server, java_script_enabled=False)
    desk = staff.new_page()
    sign_in(desk, council, lambda p: axe_check(p, javascript_enabled=False))
    desk.goto(f"/rounds/{world.round.id}")
    desk.get_by_role("link", name="Delivery of the funded projects").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Delivery of the funded projects")
    axe_check(desk, javascript_enabled=False)
    desk.get_by_role("link", name=project.title).click()
    desk.get_by_role("link", name="Post a progress update").click()
    axe_check(desk, javascript_enabled=False)
    desk.get_by_label("Spent so far").fill("-3")
    desk.get_by_role("button", name="Publish the update").click()
    expect(desk.get_by_text("Amounts cannot be negative.")).to_be_visible()  # refused, the form kept
    axe_check(desk, javascript_enabled=False)
    desk.get_by_label("In progress").check()
    desk.get_by_label("Date of this update").fill(datetime.now(UTC).date().isoformat())
    desk.get_by_label("What happened").fill("The site is fenced and **the foundations are poured**.")
    desk.get_by_label("Spent so far").fill("1,250.50")
    desk.get_by_label("Photo (optional)").set_input_files(str(photo))
    desk.get_by_role("button", name="Publish the update").click()
    expect(desk.get_by_text("The progress update is published.")).to_be_visible()
    axe_check(desk, javascript_enabled=False)
    staff.close()

    # ---- the resident reads it on the project page, the delivery page and in their notifications ------------
    page.goto(f"/proposals/{project.id}")
    timeline = page.locator(".progress-timeline li").first
    expect(timeline).to_contain_text("In progress")
    expect(timeline.locator("strong", has_text="the foundations are poured")).to_be_visible()
    expect(timeline.get_by_role("img", name="Photo with the update of")).to_be_visible()
    image = timeline.get_by_role("img", name="Photo with the update of")
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 120  # the re-encoded photo loads
    expect(page.get_by_text("Spent so far: €1,250.50", exact=False).first).to_be_visible()
    expect(page.get_by_role("link", name="Post a progress update")).to_have_count(0)
    axe_check(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Delivery of every funded project").click()
    table = page.get_by_role("table", name="Every funded project: budget, status, spent so far and cost")
    expect(table.get_by_role("row").filter(has_text=project.title)).to_contain_text("In progress")
    expect(table.get_by_role("row").filter(has_text=project.title)).to_contain_text("€1,250.50")
    expect(page.get_by_role("img", name="Money spent so far on each funded project, against its cost")).to_be_visible()
    axe_check(page)
    page.set_viewport_size({"width": 320, "height": 800})  # a small phone: no sideways scrolling of the page
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/notifications")
    expect(page.get_by_text(f"Progress on “{project.title}”: in progress")).to_be_visible()
    axe_check(page)
    reader.close()
