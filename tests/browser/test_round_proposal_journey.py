"""From a council's new round to a feasible proposal in the list, in a real browser (axe-core on every page).

A council member creates a round with two district budgets and opens it for proposals; a resident submits a
proposal and invites a neighbour, who accepts; the council moves the round to review and marks the proposal
feasible; the proposal then appears in the list for its district (and not in the other district's).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from pbvote.proposals.models import Proposal
from pbvote.rounds.models import Round

INVITATION_LINK = re.compile(r"https?://\S+/invitations/\S+")


def sign_in(page, user, axe_check) -> None:
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def press(page, name) -> None:
    page.get_by_role("main").get_by_role("button", name=name).click()


def add_district_budget(page, axe_check, district: str) -> None:
    page.get_by_role("link", name="Add a budget").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("budget")
    axe_check(page)
    page.get_by_label("Name").fill(f"{district} budget")
    page.get_by_label("One district").check()
    page.get_by_label("District", exact=True).select_option(label=district)
    page.get_by_label("Amount").fill("50000")
    page.get_by_label("Minimum project cost").fill("1000")
    page.get_by_label("Maximum project cost").fill("20000")
    press(page, "Save budget")
    expect(page.get_by_role("heading", name=f"{district} budget: €50,000.00")).to_be_visible()


def move_round_to(page, axe_check, phase: str) -> None:
    page.get_by_role("link", name=f"Move to {phase}…").click()
    expect(page.get_by_role("button", name=f"Yes, move to {phase}")).to_be_visible()
    axe_check(page)
    press(page, f"Yes, move to {phase}")
    expect(page.locator(".lead")).to_contain_text(f"{phase} phase")


def test_council_round_to_feasible_proposal_in_the_district_list(
    playwright_browser, live_server, organisation, create_user, mail_outbox, axe_check, db
):
    council = create_user(email="clerk@testville.example", roles=("council",), display_name="Clerk")
    alice = create_user(email="alice@testville.example", display_name="Alice")
    bob = create_user(email="bob@testville.example", display_name="Bob")

    def new_page():
        context = playwright_browser.new_context(base_url=live_server.base_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        return context, context.new_page()

    contexts = []
    try:
        # --- The council creates a round with two district budgets and opens it for proposals. --------------
        context, clerk = new_page()
        contexts.append(context)
        sign_in(clerk, council, axe_check)
        clerk.goto(f"/organisations/{organisation.slug}/rounds/new")
        axe_check(clerk)
        clerk.get_by_label("Name").fill("Green Testville 2027")
        clerk.get_by_label("Districts").fill("North\nSouth")
        clerk.get_by_label("Categories").fill("Parks\nStreets")
        press(clerk, "Create round")
        expect(clerk.get_by_role("heading", level=1, name="Green Testville 2027")).to_be_visible()
        axe_check(clerk)
        add_district_budget(clerk, axe_check, "North")
        add_district_budget(clerk, axe_check, "South")
        axe_check(clerk)
        move_round_to(clerk, axe_check, "proposals")
        db.session.rollback()  # end the test's read snapshot: the server committed the round since
        round_id = db.session.scalar(select(Round.id).where(Round.name == "Green Testville 2027"))
        assert round_id is not None

        # --- A resident submits a proposal for North and invites a neighbour. -------------------------------
        context, resident = new_page()
        contexts.append(context)
        sign_in(resident, alice, axe_check)
        resident.goto(f"/rounds/{round_id}")
        resident.get_by_role("link", name="Proposals").click()
        expect(resident.get_by_role("heading", level=1, name="Proposals")).to_be_visible()
        axe_check(resident)
        resident.get_by_role("link", name="Submit a proposal").click()
        expect(resident.get_by_role("heading", level=1, name="Submit a proposal")).to_be_visible()
        axe_check(resident)
        resident.get_by_label("Title").fill("Fruit trees in North Park")
        resident.get_by_label("Summary").fill("Twenty fruit trees anyone may pick from.")
        resident.get_by_label("Description").fill("## Why\n\nFresh fruit for **everyone**.")
        resident.get_by_label("What line 1 pays for").fill("Trees")
        resident.get_by_label("Amount of line 1 in EUR").fill("4000")
        resident.get_by_label("What line 2 pays for").fill("Planting and care")
        resident.get_by_label("Amount of line 2 in EUR").fill("1500.50")
        resident.get_by_label("District").select_option(label="North")
        resident.get_by_label("Category").select_option(label="Parks")
        resident.get_by_label("Location").fill("North Park, east lawn")
        press(resident, "Submit proposal")
        expect(resident.get_by_role("heading", level=1, name="Fruit trees in North Park")).to_be_visible()
        expect(resident.get_by_text("€5,500.50").first).to_be_visible()
        axe_check(resident)

        resident.get_by_role("link", name="Co-authors").click()
        expect(resident.get_by_role("heading", level=1, name="Co-authors")).to_be_visible()
        axe_check(resident)
        resident.get_by_label("Co-author's email").fill(bob.email)
        press(resident, "Send invitation")
        expect(resident.get_by_text(f"Invitation sent to {bob.email}")).to_be_visible()
        axe_check(resident)

        mails = [m for m in mail_outbox if m["To"] == bob.email]
        assert len(mails) == 1
        link = INVITATION_LINK.search(mails[0].get_content()).group(0)
        assert link.startswith(live_server.base_url)

        # --- The neighbour accepts. --------------------------------------------------------------------------
        context, neighbour = new_page()
        contexts.append(context)
        sign_in(neighbour, bob, axe_check)
        neighbour.goto(link)
        expect(neighbour.get_by_text("Alice invites you to co-author")).to_be_visible()
        axe_check(neighbour)
        press(neighbour, "Accept")
        expect(neighbour.get_by_role("heading", level=1, name="Fruit trees in North Park")).to_be_visible()
        expect(neighbour.get_by_text("Alice, Bob")).to_be_visible()
        expect(neighbour.get_by_role("link", name="Edit")).to_be_visible()
        axe_check(neighbour)

        # --- The council moves to review and marks it feasible. ---------------------------------------------
        clerk.goto(f"/rounds/{round_id}")
        move_round_to(clerk, axe_check, "review")
        clerk.goto(f"/rounds/{round_id}/proposals")
        clerk.get_by_role("link", name="Fruit trees in North Park").click()
        clerk.get_by_role("link", name="Review").click()
        expect(clerk.get_by_role("heading", level=1, name="Review “Fruit trees in North Park”")).to_be_visible()
        axe_check(clerk)
        clerk.get_by_label("Feasible", exact=True).check()
        clerk.get_by_label("Public reason").first.fill("The parks department will plant them in autumn.")
        press(clerk, "Record decision")
        expect(clerk.get_by_text("The parks department will plant them in autumn.").first).to_be_visible()
        axe_check(clerk)

        db.session.rollback()
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Fruit trees in North Park"))
        assert proposal.status == "feasible" and proposal.total_cost == 550_050

        # --- Anyone finds it in the list for North, with the filter form (live search via htmx). ------------
        resident.goto(f"/rounds/{round_id}/proposals")
        resident.get_by_label("District").select_option(label="North")
        resident.get_by_label("Status").select_option(label="Feasible")
        results = resident.locator("#proposal-results")
        expect(results.get_by_role("link", name="Fruit trees in North Park")).to_be_visible()
        expect(results).to_contain_text("Feasible")
        expect(resident).to_have_url(re.compile(r"district=\d+"))
        axe_check(resident)
        resident.get_by_label("District").select_option(label="South")
        expect(results).to_contain_text("0 proposals")
        resident.get_by_role("searchbox", name="Search").fill("fruit")
        expect(results).to_contain_text("0 proposals")
        resident.get_by_label("District").select_option(label="North")
        expect(results.get_by_role("link", name="Fruit trees in North Park")).to_be_visible()
        axe_check(resident)
    finally:
        for context in contexts:
            context.close()


def test_the_other_proposal_pages_are_accessible_and_search_works_without_javascript(
    playwright_browser, live_server, organisation, create_user, axe_check, db
):
    from tests.web.proposals.factories import make_proposal, make_round

    council = create_user(email="clerk@testville.example", roles=("council",))
    alice = create_user(email="alice@testville.example", display_name="Alice")
    open_round = make_round(organisation, name="Open round")
    own = make_proposal(open_round, alice, title="Alice's benches", description="Some *emphasis*.", with_image=True)
    review_round = make_round(organisation, state="review", name="Round under review")
    first = make_proposal(review_round, alice, title="Playground")
    make_proposal(review_round, alice, title="Dog park")
    make_proposal(review_round, alice, title="Community garden", district="South")

    def new_page(**options):
        context = playwright_browser.new_context(base_url=live_server.base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    contexts = []
    try:
        # Without JavaScript the search form is a plain GET form (axe needs JavaScript, so it runs below).
        page = new_page(java_script_enabled=False)
        page.goto(f"/rounds/{review_round.id}/proposals")
        page.get_by_role("searchbox", name="Search").fill("garden")
        page.get_by_role("main").get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(r"q=garden"))
        expect(page.locator("#proposal-results")).to_contain_text("1 proposal")
        expect(page.get_by_role("link", name="Community garden")).to_be_visible()

        # The author's pages at phone width.
        page = new_page(viewport={"width": 320, "height": 640})
        sign_in(page, alice, axe_check)
        page.goto(f"/rounds/{review_round.id}/proposals?q=garden")
        axe_check(page)
        for path in (f"/proposals/{own.id}", f"/proposals/{own.id}/edit", f"/proposals/{own.id}/withdraw",
                     f"/proposals/{own.id}/revisions", f"/proposals/{own.id}/coauthors"):
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            axe_check(page)

        # The council's review and exclusion-group pages.
        clerk = new_page(viewport={"width": 1280, "height": 900})
        sign_in(clerk, council, axe_check)
        clerk.goto(f"/proposals/{first.id}/review")
        axe_check(clerk)
        clerk.goto(f"/rounds/{review_round.id}/exclusion-groups")
        axe_check(clerk)
        clerk.get_by_label("Name of the group").fill("North corner of the park")
        for title in ("Playground", "Dog park"):
            clerk.get_by_label(re.compile(f"#\\d+ {title}$")).check()
        press(clerk, "Create group")
        expect(clerk.get_by_role("heading", level=2, name="North corner of the park")).to_be_visible()
        axe_check(clerk)
    finally:
        for context in contexts:
            context.close()
