"""Results in a real browser (axe-core on every page): the council previews the tallied round and compares
rules, then publishes; a resident who voted reads the results, the chart and their own ballot's story; an
auditor downloads the audit bundle and it verifies."""

from __future__ import annotations

from playwright.sync_api import expect

from pbvote.audit.keys import public_key_hex
from pbvote.audit.verify import verify_bundle
from pbvote.database import write_transaction
from pbvote.rounds.models import Round
from pbvote.voting.operations import BallotContent, cast_ballot, close_voting
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_round_proposal_journey import sign_in
from tests.web.voting.factories import make_voter, make_voting_round


def _context(playwright_browser, live_server):
    context = playwright_browser.new_context(base_url=live_server.base_url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def test_council_publishes_resident_reads_auditor_verifies(playwright_browser, live_server, organisation,
                                                             create_user, axe_check, db, tmp_path):
    council = create_user(email="clerk@testville.example", roles=("council",))
    resident = create_user(email="rita@testville.example")
    auditor = create_user(email="audrey@testville.example", roles=("auditor",))
    world = make_voting_round(organisation, resident, kind="approval", amount=10_000_00)
    city = world.projects["Citywide"]
    make_voter(world.round, resident, "North")
    cast_ballot(world.round.id, world.citywide.id, resident, BallotContent([city[0].id, city[1].id]))
    for number in range(4):
        other = create_user(email=f"v{number}@testville.example")
        make_voter(world.round, other, "South")
        cast_ballot(world.round.id, world.citywide.id, other, BallotContent([city[number % 4].id]))
    with write_transaction():
        close_voting(db.session.get(Round, world.round.id), council)

    # ---- the council previews, compares rules, publishes ------------------------------------------------------
    context = _context(playwright_browser, live_server)
    page = context.new_page()
    sign_in(page, council, axe_check)
    page.goto(f"/rounds/{world.round.id}")
    page.get_by_role("link", name="Preview and publish the results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results (preview)")
    axe_check(page)
    page.get_by_role("link", name="Compare with other rules").first.click()
    expect(page.get_by_role("table", name="Rules side by side")).to_contain_text("greedy (stored)")
    expect(page.get_by_role("table", name="Rules side by side")).to_contain_text("mes")
    axe_check(page)
    page.go_back()
    page.get_by_role("button", name="Publish the results").click()
    expect(page.get_by_text("The results are published.")).to_be_visible()
    axe_check(page)
    context.close()

    # ---- the resident reads the results, the chart and their ballot's story -----------------------------------
    context = _context(playwright_browser, live_server)
    page = context.new_page()
    sign_in(page, resident, axe_check)
    page.goto(f"/rounds/{world.round.id}/results")
    expect(page.get_by_role("heading", name="What your ballot achieved")).to_be_visible()
    expect(page.get_by_role("img", name=f"Votes per project in {world.citywide.name}")).to_be_visible()
    expect(page.get_by_role("table", name=f"Every project of {world.citywide.name}: votes, cost, funded")
           ).to_contain_text(city[0].title)
    expect(page.locator(".trace li").first).to_contain_text("Funded:")
    axe_check(page)
    context.close()

    # ---- the auditor downloads the bundle; it verifies --------------------------------------------------------
    context = _context(playwright_browser, live_server)
    page = context.new_page()
    sign_in(page, auditor, axe_check)
    page.goto(f"/rounds/{world.round.id}/results")
    with page.expect_download() as download:
        page.get_by_role("link", name="Audit bundle (signed zip)").click()
    path = tmp_path / "bundle.zip"
    download.value.save_as(path)
    context.close()
    report = verify_bundle(path.read_bytes(), public_key_hex(world.round.id))
    assert report.ok, report.headline()
