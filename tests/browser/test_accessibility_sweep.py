"""Every page of the demo, as every demo role, in English and Welsh, at 320 px and at 200 % zoom (issue 14,
item 5): axe-core finds no WCAG 2.2 A/AA violation, the page does not scroll sideways, the skip link is the first
thing the keyboard reaches, shows itself and moves focus to the main content, and every link, button and field
shows a focus indicator when tabbed to.

The pages are not listed here: :mod:`tests.demo_pages` finds them by following the demo's links as each role
(at most :data:`PER_ENDPOINT` URL per endpoint, organisation and round phase: 375 pages for the five roles), so
a new page is covered as soon as a page links to it.

200 % zoom: a browser window 1280 × 900 px zoomed to 200 % lays pages out in a 640 × 450 CSS-pixel viewport
with ``devicePixelRatio`` 2 — media queries, ``vw`` and wrapping all see 640 px. A 640 × 450 viewport with
``device_scale_factor=2`` is exactly that. (``device_scale_factor=2`` on a 1280 px viewport would be a
high-density screen, not zoom: the layout would stay 1280 px wide; CSS ``zoom`` on the root would leave media
queries at 1280 px.) The 320 px viewport is WCAG 1.4.10's reflow width (1280 px at 400 %).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from pbvote.demo import DEMO_PASSWORD, seed_demo
from pbvote.i18n import LANGUAGE_COOKIE
from tests.browser.conftest import TIMEOUT_MS, format_violations
from tests.conftest import _empty_tables, _test_config
from tests.demo_pages import DEMO_ROLES, DemoPage, crawl, playwright_fetch

# Pages look the same on either database: the sweep runs once, on SQLite (the journeys cover PostgreSQL).
pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)

#: Where a role's crawl starts besides "/": pages people open from a bookmark or a mail, and an error page.
SIGNED_IN_START = ("/account/profile", "/account/mail", "/notifications", "/notifications/settings")
START_PAGES = {
    "anonymous": ("/sign-in", "/register", "/reset-password", "/no-such-page"),
    "resident": SIGNED_IN_START,
    "council": (*SIGNED_IN_START, "/organisations/riverside/rounds", "/organisations/riverside/members"),
    "moderator": SIGNED_IN_START,
    "auditor": SIGNED_IN_START,
}
LANGUAGES = ("en", "cy")
VIEWPORTS = {
    "320px": {"viewport": {"width": 320, "height": 640}},
    "200pct-zoom": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
#: URLs per endpoint, organisation and round phase the crawl keeps (the sweep's bound).
PER_ENDPOINT = 1
#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

# Runs axe-core and keeps what a failure message needs (the full results are large).
RUN_AXE = """options => axe.run(document, options).then(results => results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, failureSummary: n.failureSummary})),
})))"""

# Where the skip link is and whether it is on screen once focused.
FOCUSED_SKIP_LINK = """() => {
    const link = document.activeElement;
    const box = link.getBoundingClientRect();
    return {
        isSkipLink: link.matches('a.skip-link[href="#main"]'),
        text: link.textContent.trim(),
        visible: box.width > 1 && box.height > 1 && box.top >= 0 && box.left >= 0
                 && box.right <= window.innerWidth && getComputedStyle(link).visibility === 'visible',
    };
}"""

# Every visible link, button and field, focused in turn (after a real Tab, so :focus-visible applies): those
# whose outline or box-shadow does not change when focused.
MISSING_FOCUS_INDICATORS = """() => {
    const look = el => { const s = getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                        && s.outlineColor !== 'rgba(0, 0, 0, 0)';
        return {ring: outline ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : '',
                shadow: s.boxShadow}; };
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]';
    const problems = [];
    let checked = 0;
    for (const el of document.querySelectorAll(selector)) {
        if (el.disabled || !el.getClientRects().length || getComputedStyle(el).visibility !== 'visible'
            || el.closest('[inert], [aria-hidden=true]')) continue;
        const box = el.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1) continue;  // visually hidden (its label shows the focus)
        const before = look(el);
        el.focus();
        if (document.activeElement !== el) continue;  // not focusable after all (e.g. tabindex on a child)
        checked += 1;
        const after = look(el);
        const shows = (after.ring && after.ring !== before.ring) || (after.shadow !== 'none'
                      && after.shadow !== before.shadow);
        if (!el.matches(':focus-visible') || !shows) {
            problems.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
                          + `${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}`
                          + ` “${(el.textContent || el.value || el.name || '').trim().slice(0, 40)}”`
                          + (el.matches(':focus-visible') ? '' : ' (not :focus-visible)'));
        }
    }
    return {checked, problems};
}"""


@dataclass
class DemoSite:
    """The seeded demo served over HTTP, with the organisation and phase of every round and proposal (for the
    crawl)."""

    base_url: str
    url_map: object
    phases: dict[tuple[str, int], tuple[int, str]]
    crawled: dict[str, tuple[dict, list[DemoPage]]] = field(default_factory=dict)

    def phase(self, endpoint: str, arguments: dict) -> tuple[int, str] | None:
        """The organisation and phase of the round a page is about: a round's pages, and a proposal's own page,
        look different in each phase and to members of the round's organisation than to others (the proposal's
        other pages, like its discussion, much less: one of those is enough)."""
        if "round_id" in arguments:
            return self.phases.get(("round_id", arguments["round_id"]))
        if endpoint == "proposals.show_proposal":
            return self.phases.get(("proposal_id", arguments["proposal_id"]))
        return None


@pytest.fixture(scope="module")
def demo_site(database) -> DemoSite:
    """``pbvote demo``'s data in this run's database, served by werkzeug in a thread for the whole module."""
    from werkzeug.serving import make_server

    from pbvote import create_app
    from pbvote.extensions import db
    from pbvote.proposals.models import Proposal
    from pbvote.rounds.models import Round

    # Rate limits off (not under test: the crawl makes hundreds of requests); static files cached, as behind a
    # production web server, so each page costs one request.
    app = create_app(_test_config(database.url, RATELIMIT_ENABLED=False, SEND_FILE_MAX_AGE_DEFAULT=3600))
    with app.app_context():
        _empty_tables(database)
        seed_demo()
        rounds = {number: (organisation, state) for number, organisation, state
                  in db.session.execute(select(Round.id, Round.organisation_id, Round.state))}
        phases = {("round_id", number): kind for number, kind in rounds.items()}
        for proposal, round_id in db.session.execute(select(Proposal.id, Proposal.round_id)):
            phases[("proposal_id", proposal)] = rounds[round_id]
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield DemoSite(f"http://127.0.0.1:{server.server_port}", app.url_map, phases)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def axe_script() -> Path:
    """axe-core's script, as axe-playwright-python ships it."""
    import axe_playwright_python

    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


def role_pages(site: DemoSite, browser, role: str) -> tuple[dict, list[DemoPage]]:
    """The role's signed-in storage state and its crawled pages, made once per module and role."""
    if role not in site.crawled:
        context = browser.new_context(base_url=site.base_url)
        context.set_default_timeout(TIMEOUT_MS)
        if DEMO_ROLES[role]:
            page = context.new_page()
            page.goto("/sign-in")
            page.get_by_label("Email").fill(DEMO_ROLES[role])
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("main").get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Sign out").wait_for()
        pages = crawl(playwright_fetch(context.request), site.url_map, role, ("/", *START_PAGES[role]),
                      base_url=site.base_url, per_endpoint=PER_ENDPOINT, variant=site.phase)
        site.crawled[role] = (context.storage_state(), pages)
        context.close()
    return site.crawled[role]


def check_page(page, url: str, language: str) -> list[str]:
    """What is wrong with the page at ``url`` (already loaded), one line each."""
    problems = []
    lang = page.evaluate("() => document.documentElement.lang")
    if not lang.startswith(language):
        problems.append(f'<html lang="{lang}">, not {language}: the language cookie was not honoured')
    violations = page.evaluate(RUN_AXE, {"runOnly": {"type": "tag", "values": WCAG_22_AA},
                                         "resultTypes": ["violations"]})
    if violations:
        problems.append(format_violations(violations))
    scroll_width, width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > width:
        problems.append(f"scrolls sideways: {scroll_width} px wide in a {width} px viewport")

    # From the top of the document (a comment's permalink page focuses the comment on load, on purpose).
    page.evaluate("() => { const top = document.documentElement; top.tabIndex = -1; top.focus(); }")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED_SKIP_LINK)
    if not skip["isSkipLink"]:
        problems.append(f"the first focusable element is “{skip['text']}”, not the skip link")
    else:
        if not skip["visible"]:
            problems.append("the focused skip link is not visible")
        page.keyboard.press("Enter")
        if page.evaluate("() => document.activeElement.id") != "main":
            problems.append("the skip link does not move focus to main")
        page.keyboard.press("Tab")  # keyboard modality again, for the :focus-visible of what follows
    focus = page.evaluate(MISSING_FOCUS_INDICATORS)
    if not focus["checked"]:
        problems.append("no focusable element checked")
    problems += [f"no visible focus on {where}" for where in focus["problems"]]
    return [f"{url}: {problem}" for problem in problems]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", DEMO_ROLES)
def test_every_demo_page_is_accessible(role, language, viewport, demo_site, playwright_browser):
    storage_state, pages = role_pages(demo_site, playwright_browser, role)
    assert len(pages) >= 20, f"the crawl as {role} found only {[p.url for p in pages]}"
    context = playwright_browser.new_context(base_url=demo_site.base_url, storage_state=storage_state,
                                             reduced_motion="reduce", **VIEWPORTS[viewport])
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": demo_site.base_url}])
    context.add_init_script(path=axe_script())  # in every page, before its own scripts
    problems = []
    try:
        page = context.new_page()
        for demo_page in pages:
            response = page.goto(demo_page.url)
            if response.status >= 500:
                problems.append(f"{demo_page.url}: HTTP {response.status}")
                continue
            page.wait_for_load_state("load")  # stylesheet in, before measuring
            problems += check_page(page, demo_page.url, language)
    finally:
        context.close()
    assert not problems, f"{len(problems)} problems on {len(pages)} pages as {role}, {language}, {viewport}:\n" + (
        "\n".join(problems))
