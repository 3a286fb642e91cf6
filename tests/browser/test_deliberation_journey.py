"""A discussion from first comment to restored appeal, in a real browser (axe-core on every page).

Resident A posts "for"; resident B replies "against" with JavaScript switched off; A finds the notification;
C flags A's comment; a moderator hides it with a reason; the public moderation log shows the decision; A
appeals; the moderator restores the comment.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS
from tests.web.proposals.factories import make_proposal, make_round


def open_as(playwright_browser, live_server, user, axe_check, *, javascript: bool = True):
    """A new browser (own cookies) signed in as ``user``."""
    context = playwright_browser.new_context(base_url=live_server.base_url, java_script_enabled=javascript,
                                             viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def check_without_javascript(page, twin, axe_check) -> None:
    """axe-core needs JavaScript: check the no-JavaScript page's document in a JavaScript-enabled twin."""
    twin.set_content(page.content())
    axe_check(twin)


def test_a_discussion_from_comment_to_restored_appeal(app, create_user, organisation, playwright_browser,
                                                      live_server, axe_check):
    alice = create_user(email="alice@example.org", display_name="Alice")
    bob = create_user(email="bob@example.org", display_name="Bob")
    carol = create_user(email="carol@example.org", display_name="Carol")
    moderator = create_user(email="mod@example.org", display_name="Mo", roles=("resident", "moderator"))
    round_ = make_round(organisation)
    proposal = make_proposal(round_, bob, title="A skate park")
    pages = []
    try:
        # A posts "for" (htmx swaps the discussion in place).
        a = open_as(playwright_browser, live_server, alice, axe_check)
        pages.append(a)
        a.goto(f"/proposals/{proposal.id}")
        axe_check(a)
        a.get_by_label("For", exact=True).check()
        a.get_by_label("Your comment").fill("Our teenagers have **nowhere** to go.")
        a.get_by_role("button", name="Post comment").click()
        expect(a.locator("#discussion-status")).to_contain_text("Your comment is posted.")
        expect(a.locator(".comment__text strong")).to_have_text("nowhere")
        axe_check(a)

        # B replies "against" without JavaScript: plain forms, 303, full pages.
        b = open_as(playwright_browser, live_server, bob, axe_check, javascript=False)
        pages.append(b)
        twin = a.context.new_page()
        twin.goto("/healthz")
        b.goto(f"/proposals/{proposal.id}")
        b.get_by_role("link", name="Reply", exact=True).click()
        expect(b.get_by_role("heading", name="Reply to Alice")).to_be_visible()
        check_without_javascript(b, twin, axe_check)
        b.get_by_label("Against").check()
        b.get_by_label("Your reply to Alice").fill("The noise will keep the neighbours awake.")
        b.get_by_role("button", name="Post reply").click()
        expect(b.get_by_text("Your comment is posted.")).to_be_visible()
        expect(b.locator(".comment--depth-2")).to_contain_text("The noise will keep the neighbours awake.")
        check_without_javascript(b, twin, axe_check)

        # A sees the notification count and the notification.
        a.goto("/")
        expect(a.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
        a.get_by_role("link", name="Notifications 1 unread").click()
        axe_check(a)
        a.get_by_role("link", name="Bob replied to your comment on “A skate park”.").click()
        expect(a.locator("[data-focus]")).to_contain_text("The noise will keep the neighbours awake.")
        expect(a.locator("[data-focus]")).to_be_focused()

        # C flags A's comment.
        c = open_as(playwright_browser, live_server, carol, axe_check)
        pages.append(c)
        c.goto(f"/proposals/{proposal.id}/discussion")
        c.locator(".comment--depth-1").get_by_role("link", name="Flag", exact=True).first.click()
        c.get_by_label("Abuse or harassment").check()
        axe_check(c)
        c.get_by_role("button", name="Send to the moderators").click()
        expect(c.get_by_text("The moderators will look at this comment.")).to_be_visible()

        # The moderator hides it with a public reason, from the queue.
        m = open_as(playwright_browser, live_server, moderator, axe_check)
        pages.append(m)
        m.goto(f"/rounds/{round_.id}/moderation")
        axe_check(m)
        m.get_by_role("link", name="Decide about this comment").click()
        axe_check(m)
        m.get_by_label("Public reason (required)").first.fill("Generalises about a group of residents.")
        m.get_by_role("button", name="Hide with a public reason").click()
        expect(m.get_by_text("The decision is recorded in the public moderation log.")).to_be_visible()

        # Anyone sees the placeholder and the public log.
        b.goto(f"/proposals/{proposal.id}")
        expect(b.get_by_text("Hidden by moderation: Generalises about a group of residents.")).to_be_visible()
        expect(b.get_by_text("nowhere")).to_have_count(0)
        b.get_by_role("link", name="Public moderation log").click()
        expect(b.get_by_role("cell", name="Generalises about a group of residents.")).to_be_visible()
        check_without_javascript(b, twin, axe_check)

        # A appeals once.
        a.goto(f"/proposals/{proposal.id}")
        a.get_by_role("link", name="Appeal", exact=True).click()
        axe_check(a)
        a.get_by_label("Why should the comment be restored?").fill("It was about the lack of places, not people.")
        a.get_by_role("button", name="Send my appeal").click()
        expect(a.get_by_text("Your appeal is with the moderators")).to_be_visible()

        # The moderator restores it; the log shows both decisions, newest first.
        m.goto(f"/rounds/{round_.id}/moderation")
        expect(m.get_by_text("It was about the lack of places, not people.")).to_be_visible()
        m.get_by_role("link", name="Decide about this comment").click()
        m.get_by_role("button", name="Restore").click()
        expect(m.get_by_text("The decision is recorded in the public moderation log.")).to_be_visible()
        a.goto(f"/proposals/{proposal.id}")
        expect(a.locator(".comment__text strong")).to_have_text("nowhere")
        a.goto(f"/rounds/{round_.id}/moderation-log")
        expect(a.locator("tbody tr").first).to_contain_text("Restored")
        expect(a.locator("tbody tr").nth(1)).to_contain_text("Hidden by moderation")
        axe_check(a)
    finally:
        for page in pages:
            page.context.close()
