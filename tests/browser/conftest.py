"""Browser fixtures: Playwright (sync API) driving Debian's Chromium against the live server, and axe-core.

Without a ``chromium`` executable these tests skip with a message; with ``PBVOTE_REQUIRE_BROWSER=1`` (CI) they
fail instead. They run on SQLite and PostgreSQL alike, through the ``live_server`` fixture.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import REQUIRE_BROWSER

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: axe-core impacts that fail a page.
BLOCKING_IMPACTS = {"serious", "critical"}
#: How long an action or navigation may take before the test fails (ms): generous, the machine is shared.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items):
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out)."""
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system Chromium; skips (or fails, with PBVOTE_REQUIRE_BROWSER=1) when it is not installed."""
    path = shutil.which("chromium")
    if path is None:
        message = "browser tests need Debian's chromium (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"PBVOTE_REQUIRE_BROWSER=1 but {message}", pytrace=False)
        pytest.skip(message)
    return path


class _SharedBrowser:
    """One Playwright and one Chromium per test process, however many modules ask for the fixture.

    Playwright's sync API cannot be started twice in one thread, and a module that imports the fixture
    functions gets its own copy of each session fixture; so they share this, counting users.
    """

    users = 0
    playwright = None
    browser = None

    @classmethod
    def acquire(cls, chromium_path: str):
        if cls.users == 0:
            from playwright.sync_api import sync_playwright

            cls.playwright = sync_playwright().start()
            cls.browser = cls.playwright.chromium.launch(
                executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
            )
        cls.users += 1
        return cls.browser

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users == 0:
            cls.browser.close()
            cls.playwright.stop()
            cls.browser = cls.playwright = None


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: str) -> Iterator:
    """One headless Chromium for the whole session."""
    browser = _SharedBrowser.acquire(chromium_path)
    try:
        yield browser
    finally:
        _SharedBrowser.release()


@pytest.fixture
def browser_context_options() -> dict:
    """Options for this test's browser context (viewport, java_script_enabled …); override per test."""
    return {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def browser_page(playwright_browser, live_server, browser_context_options) -> Iterator:
    """A fresh page (own cookies) whose relative ``goto`` paths go to the live server."""
    context = playwright_browser.new_context(base_url=live_server.base_url, **browser_context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def format_violations(violations: list[dict]) -> str:
    """One line per violation and node, for a readable failure message."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


@functools.cache
def axe_runner():
    """The axe-core runner, made once (it reads axe.min.js, which it injects into each page checked)."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def axe_check(playwright_browser, live_server, browser_context_options) -> Iterator[Callable]:
    """``axe_check(page)``: run axe-core on the page and fail on any serious or critical violation.

    axe-core is JavaScript: on a page whose context has JavaScript disabled it would never finish, so there the
    page's current HTML is checked in a JavaScript-enabled twin page on the same site (same viewport, same
    stylesheets), which sees exactly the document the no-JavaScript visitor got.
    """
    twin = {}
    javascript = browser_context_options.get("java_script_enabled", True)

    def twin_page():
        if "page" not in twin:
            options = {**browser_context_options, "java_script_enabled": True}
            twin["context"] = playwright_browser.new_context(base_url=live_server.base_url, **options)
            twin["context"].set_default_timeout(TIMEOUT_MS)
            twin["page"] = twin["context"].new_page()
            # Any page of the site: the snapshot's "/static/…" links then resolve. (Not the checked page's own
            # URL: fetching it again could have effects, like showing a one-time secret a second time.)
            twin["page"].goto("/healthz")
        return twin["page"]

    def check(page, *, context=None, javascript_enabled: bool | None = None) -> list[dict]:
        """``javascript_enabled=False`` for a page of a context made without JavaScript by the test itself."""
        target = page
        if not (javascript if javascript_enabled is None else javascript_enabled):
            target = twin_page()
            target.set_content(page.content())
        results = axe_runner().run(target, context=context)
        violations = results.response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core found serious/critical violations on {page.url}:\n" + format_violations(
            blocking
        )
        return violations

    yield check
    if "context" in twin:
        twin["context"].close()
