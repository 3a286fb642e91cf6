"""The demo's pages, found by following its links the way a visitor would (GET only), for sweeps over every page.

:func:`crawl` starts breadth-first from ``/`` and a role's own start pages, follows same-site ``<a href>`` links
and returns the HTML pages it reached as :class:`DemoPage` rows. It works from HTML text and a ``fetch``
function, so it serves a browser sweep (:func:`playwright_fetch`, the browser context's own cookies) as well as a
test-client check (:func:`client_fetch`, Flask's test client).

It never follows what could change state or is not a page: sign-out and unsubscribe links and the other GETs
that act (:data:`NEVER_FOLLOW`), ``/api/``, static files and downloads (by suffix, ``download`` attribute or the
response's content type). To stay bounded it takes at most ``per_endpoint`` URLs of each Flask endpoint (matched
with the app's ``url_map``): ``/proposals/1`` … ``/proposals/40`` are one page pattern; error pages count
apart, per status, so a link that fails does not use up its endpoint's examples. ``variant`` may split an
endpoint's quota, e.g. by the phase of the round a URL is about, so every phase gets its examples.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect

#: The demo's accounts a sweep looks as, by role (None: nobody signed in); all sign in with pbvote.demo's
#: DEMO_PASSWORD.
DEMO_ROLES = {
    "anonymous": None,
    "resident": "resident@riverside.example",
    "council": "council@riverside.example",
    "moderator": "moderator@riverside.example",
    "auditor": "auditor@riverside.example",
}

#: Endpoints whose GET acts (or whose tokens are one-time): never fetched, even when a page links to them.
NEVER_FOLLOW = frozenset({
    "accounts.sign_out",
    "accounts.confirm_email",
    "accounts.reset_password",
    "deliberation.unsubscribe",
    "notices.unsubscribe",
    "proposals.show_invitation",
    "static",
})
#: Words in a path that mark a link never to follow, whatever endpoint it has.
NEVER_FOLLOW_WORDS = ("sign-out", "logout", "unsubscribe")
#: Paths under these prefixes are not pages.
SKIPPED_PREFIXES = ("/api/", "/static/")
#: Downloads and files, by the path's ending.
DOWNLOAD_SUFFIXES = (".pb", ".zip", ".pdf", ".csv", ".json", ".txt", ".xml", ".png", ".jpg", ".jpeg", ".webp",
                     ".svg", ".ico")
#: The endpoint key of a link the url_map does not know (a broken link: kept, so a sweep sees its 404).
UNKNOWN_ENDPOINT = "<no endpoint>"


class DemoPage(NamedTuple):
    """One page reached: who looked (the role's name), its path with query, its endpoint and HTTP status."""

    role: str
    url: str
    endpoint: str
    status: int


@dataclass(frozen=True)
class Fetched:
    """What ``fetch(url)`` returns: the final URL after redirects, the status, the content type and the body."""

    url: str
    status: int
    content_type: str
    text: str


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` that is not a download, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href") and "download" not in attributes:
            self.hrefs.append(attributes["href"])


def links(html: str) -> list[str]:
    """The link targets of an HTML page, as written (relative or absolute)."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.hrefs


def _path(url: str) -> str:
    """``/path?query`` of an absolute URL (no fragment)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _skipped(path: str) -> bool:
    lowered = urlsplit(path).path.lower()
    return (lowered.startswith(SKIPPED_PREFIXES) or lowered.endswith(DOWNLOAD_SUFFIXES)
            or any(word in lowered for word in NEVER_FOLLOW_WORDS))


def match_endpoint(url_map: Map, path: str) -> tuple[str, dict]:
    """The endpoint and view arguments a GET of ``path`` reaches (:data:`UNKNOWN_ENDPOINT` when none)."""
    parts = urlsplit(path)
    adapter = url_map.bind("localhost", query_args=parts.query)
    try:
        return adapter.match(parts.path, method="GET")
    except RequestRedirect as redirect:  # a missing trailing slash: the endpoint it redirects to
        return match_endpoint(url_map, _path(redirect.new_url))
    except HTTPException:
        return UNKNOWN_ENDPOINT, {}


def crawl(
    fetch: Callable[[str], Fetched],
    url_map: Map,
    role: str,
    start: Iterable[str] = ("/",),
    *,
    base_url: str = "http://localhost",
    per_endpoint: int = 3,
    variant: Callable[[str, dict], Hashable] | None = None,
    max_pages: int = 500,
) -> list[DemoPage]:
    """The HTML pages reachable from ``start`` (paths), breadth-first, in the order reached: at most
    ``per_endpoint`` per endpoint (and ``variant(endpoint, view_args)``, when given) that answer, and as many
    again per error status, so that a link which fails or redirects leaves its endpoint's quota to the next one.

    ``fetch(path)`` GETs a path as the role and follows redirects; a redirect's target is recorded once, as a
    page of its own endpoint. Pages that are not HTML (files, images) are left out.
    """
    site = urlsplit(base_url).netloc
    taken: Counter = Counter()
    seen: set[str] = set()
    queue: deque[str] = deque()
    pages: dict[str, DemoPage] = {}

    def kind(endpoint: str, arguments: dict, status: int = 200) -> tuple:
        return endpoint, variant(endpoint, arguments) if variant else None, status if status >= 400 else None

    def offer(path: str) -> None:
        if path not in seen and not _skipped(path) and match_endpoint(url_map, path)[0] not in NEVER_FOLLOW:
            seen.add(path)
            queue.append(path)

    for path in start:
        offer(path)
    while queue and len(pages) < max_pages:
        path = queue.popleft()
        if path in pages or taken[kind(*match_endpoint(url_map, path))] >= per_endpoint:
            continue  # reached through a redirect already, or enough pages of its kind
        response = fetch(path)
        final = _path(urljoin(base_url + path, response.url))
        if final in pages or not response.content_type.startswith("text/html"):
            continue
        endpoint, arguments = match_endpoint(url_map, final)
        key = kind(endpoint, arguments, response.status)
        if taken[key] >= per_endpoint:
            continue  # e.g. one more redirect to the sign-in page
        taken[key] += 1
        seen.add(final)
        pages[final] = DemoPage(role, final, endpoint, response.status)
        here = urljoin(base_url, final)
        for href in links(response.text):
            target = urljoin(here, href)
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") and parts.netloc == site:
                offer(_path(target))
    return list(pages.values())


def playwright_fetch(request_context) -> Callable[[str], Fetched]:
    """``fetch`` through a Playwright ``APIRequestContext`` (``browser_context.request``: same cookies)."""

    def fetch(path: str) -> Fetched:
        response = request_context.get(path)
        content_type = response.headers.get("content-type", "")
        text = response.text() if content_type.startswith("text/html") else ""
        return Fetched(response.url, response.status, content_type, text)

    return fetch


def client_fetch(client, headers: dict | None = None) -> Callable[[str], Fetched]:
    """``fetch`` through Flask's test client (its cookies: sign it in first for a role), with ``headers`` on
    every request (e.g. ``{"Accept-Language": "cy"}``)."""

    def fetch(path: str) -> Fetched:
        response = client.get(path, headers=headers, follow_redirects=True)
        url = response.request.path + (f"?{response.request.query_string.decode()}"
                                       if response.request.query_string else "")
        content_type = response.content_type or ""
        text = response.get_data(as_text=True) if content_type.startswith("text/html") else ""
        return Fetched(url, response.status_code, content_type, text)

    return fetch
