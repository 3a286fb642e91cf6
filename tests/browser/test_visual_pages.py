"""The demo's main pages, the ones ``scripts/screenshots.py`` photographs, at a phone (390 px) and a desktop
(1280 px) width: axe-core finds no WCAG 2.2 A/AA violation at all (not only serious ones), no page is wider than the
phone's screen (issue 17, acceptance), and the navigation is one bar at most 60 px high, whole at 1280 px
(issue 17, item 5)."""

from __future__ import annotations

import pytest

from pbvote.demo import DEMO_PASSWORD, seed_demo
from scripts.screenshots import PAGES, WIDTHS, demo_targets, open_page, sign_in
from tests.browser.conftest import TIMEOUT_MS, axe_runner, format_violations

#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture
def demo(app):
    """The demo data seeded into this test's database, as ``pbvote demo`` seeds it."""
    return demo_targets(seed_demo())


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_have_no_wcag_violation_and_fit_the_screen(width, demo, playwright_browser, live_server):
    contexts = {}
    problems = []
    try:
        for target in PAGES:
            if target.account not in contexts:
                context = playwright_browser.new_context(base_url=live_server.base_url,
                                                         viewport={"width": width, "height": 900})
                context.set_default_timeout(TIMEOUT_MS)
                contexts[target.account] = context
                page = context.new_page()
                if target.account:
                    sign_in(page, target.account, DEMO_PASSWORD)
            page = contexts[target.account].pages[0]
            open_page(page, target, demo)
            page.wait_for_load_state("load")  # stylesheet and icons in, before measuring
            violations = axe_runner().run(page, options={
                "runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"],
            }).response["violations"]
            if violations:
                problems.append(f"{target.name} at {width} px ({page.url}):\n{format_violations(violations)}")
            scroll_width, inner_width = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            if scroll_width > inner_width:
                problems.append(f"{target.name} at {width} px scrolls sideways: {scroll_width} px > {inner_width} px")
            nav_height, nav_overflow = page.evaluate("""() => {
                const bar = document.querySelector('.site-nav ul');
                return [bar.getBoundingClientRect().height, bar.scrollWidth - bar.clientWidth];
            }""")
            if nav_height > 60:
                problems.append(f"{target.name} at {width} px: the navigation is {nav_height} px high")
            if width >= 1280 and nav_overflow > 0:
                problems.append(f"{target.name} at {width} px: {nav_overflow} px of the navigation are hidden")
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, "\n".join(problems)
