"""Route walkers: every endpoint is declared, protected by CSRF and by role, and never answers 500.

They walk ``app.url_map`` and read ``tests/web/routes.py`` (ROUTE_CASES) for how to build each URL and who may
use it. A new route without an entry there fails ``test_every_endpoint_is_declared``.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError, IntegerConverter, Rule

from pbvote.access import CONFIRMATION_NEEDED_ENDPOINT, SIGN_IN_ENDPOINT
from tests.conftest import PbvoteClient, _empty_tables, _test_config
from tests.web.api.route_args import bearer_headers
from tests.web.routes import (
    ANONYMOUS,
    COUNCIL,
    COUNCIL_ELSEWHERE,
    FORBIDDEN,
    FORBIDDEN_OR_NOT_FOUND,
    RESIDENT,
    RESIDENT_ELSEWHERE,
    ROLES,
    ROUTE_CASES,
    TO_CONFIRM,
    TO_SIGN_IN,
    UNCONFIRMED,
    RouteCase,
    World,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
IGNORED_ENDPOINTS = {"static"}


def _url_map_app() -> Flask:
    """An app built only to read its URL map at collection time (it never connects to a database)."""
    from pbvote import create_app

    return create_app(_test_config("sqlite://"))


def _routes() -> list[tuple[str, str, Rule]]:
    """(endpoint, method, rule) for every routed method, in a stable order."""
    found = []
    for rule in _url_map_app().url_map.iter_rules():
        if rule.endpoint in IGNORED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append((rule.endpoint, method, rule))
    return sorted(found, key=lambda item: (item[0], item[1], item[2].rule))


ROUTES = _routes()
ROUTE_IDS = [f"{endpoint}-{method}" for endpoint, method, _ in ROUTES]
STATE_CHANGING_ROUTES = [route for route in ROUTES if route[1] in STATE_CHANGING]
STATE_CHANGING_IDS = [f"{endpoint}-{method}" for endpoint, method, _ in STATE_CHANGING_ROUTES]


def case_for(endpoint: str) -> RouteCase:
    """The ROUTE_CASES entry, failing the test clearly when there is none."""
    if endpoint not in ROUTE_CASES:
        pytest.fail(f"{endpoint} has no entry in tests/web/routes.py ROUTE_CASES", pytrace=False)
    return ROUTE_CASES[endpoint]


# ---------------------------------------------------------------------------------------------------------------
# The world every walker runs in: two organisations, one user per role, signed in as needed
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def world_users(create_organisation, create_user, organisation):
    """One user per role of the matrix (see tests/web/routes.py) and the other organisation."""
    other = create_organisation(slug="elsewhere", name="Elsewhere Council")
    users = {
        UNCONFIRMED: create_user(email="unconfirmed@example.org", roles=("resident",), confirmed=False),
        "resident": create_user(email="resident@example.org", roles=("resident",)),
        "moderator": create_user(email="moderator@example.org", roles=("moderator",)),
        COUNCIL: create_user(email="council@example.org", roles=("council",)),
        COUNCIL_ELSEWHERE: create_user(
            email="council@elsewhere.example.org", roles=("council",), organisation=other
        ),
        RESIDENT_ELSEWHERE: create_user(
            email="resident@elsewhere.example.org", roles=("resident",), organisation=other
        ),
        "auditor": create_user(email="auditor@example.org", roles=("auditor",)),
    }
    return organisation, other, users


@pytest.fixture
def visit(app, client, auth, world_users, request):
    """``visit(role)`` → a World with the client signed in as that role's user (or anonymous)."""
    organisation, other, users = world_users

    def sign_in_as(role: str) -> World:
        user = users.get(role)
        if user is not None:
            auth.login(user)
        return World(organisation, other, users, user, request.getfixturevalue)

    return sign_in_as


def build_url(app: Flask, endpoint: str, values: dict) -> str:
    """The path (with query string) for ``endpoint`` and ``values``."""
    with app.test_request_context():
        return url_for(endpoint, **values)


def login_path(app: Flask) -> str:
    with app.test_request_context():
        return url_for(SIGN_IN_ENDPOINT)


def confirm_path(app: Flask) -> str:
    with app.test_request_context():
        return url_for(CONFIRMATION_NEEDED_ENDPOINT)


def check_outcome(app: Flask, response, expected, *, url: str, method: str, role: str) -> None:
    """Assert ``response`` matches ``expected`` (a status, or TO_SIGN_IN / TO_CONFIRM / FORBIDDEN…)."""
    where = f"{role} {method} {url}"
    status = response.status_code
    location = response.headers.get("Location", "")
    assert status < 500, f"{where} gave {status}"
    if expected == TO_SIGN_IN:
        assert status in (302, 303), f"{where}: expected a redirect to sign-in, got {status}"
        target = urlsplit(location)
        assert target.path == login_path(app), f"{where}: redirected to {location}, not to sign-in"
        next_values = parse_qs(target.query).get("next", [])
        assert next_values, f"{where}: sign-in redirect without next= ({location})"
        next_url = next_values[0]
        assert next_url.startswith("/") and not next_url.startswith("//"), f"{where}: unsafe next={next_url}"
        assert urlsplit(next_url).path == urlsplit(url).path, f"{where}: next={next_url} is not the page asked for"
    elif expected == TO_CONFIRM:
        assert status in (302, 303), f"{where}: expected a redirect to the confirm-email page, got {status}"
        assert urlsplit(location).path == confirm_path(app), f"{where}: redirected to {location}, not to confirm"
    elif expected == FORBIDDEN:
        assert status == 403, f"{where}: expected 403, got {status} {location}"
    elif expected == FORBIDDEN_OR_NOT_FOUND:
        assert status in (403, 404), f"{where}: expected 403 or 404, got {status} {location}"
    else:
        assert status == expected, f"{where}: expected {expected}, got {status} {location}"


def _allowed_role(case: RouteCase, preferences=(ANONYMOUS, COUNCIL)) -> str:
    """A role that may use the route: the first of ``preferences`` allowed, else the first allowed at all."""
    allowed = [role for role in ROLES if case.access.allows(role) and role not in case.expect]
    for preferred in preferences:
        if preferred in allowed:
            return preferred
    assert allowed, "no role may use this route; fix its RouteCase"
    return allowed[0]


@pytest.fixture(scope="module")
def walker_app(database) -> Iterator[Flask]:
    """One app per database for this whole module: building an app compiles every URL rule (~0.1 s), and the
    walkers run hundreds of tests that never change the app itself. Rate limits are off: the walkers send many
    requests to one route (limits have their own tests)."""
    from pbvote import create_app
    from pbvote.extensions import db

    application = create_app(_test_config(database.url, RATELIMIT_ENABLED=False))
    application.test_client_class = PbvoteClient
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app(walker_app: Flask, database) -> Iterator[Flask]:
    """The module's app with a fresh state for this test: empty tables, no mails, limiter off."""
    from pbvote import mail
    from pbvote.extensions import db, limiter

    limiter.enabled = False  # the limiter object is global; another module's app may have switched it on
    mail.outbox(walker_app).clear()
    with walker_app.app_context():
        _empty_tables(database)
        yield walker_app
        db.session.remove()


# ---------------------------------------------------------------------------------------------------------------
# (a) Every endpoint is declared, and its view declares its access
# ---------------------------------------------------------------------------------------------------------------


def test_every_endpoint_is_declared_and_its_view_declares_access():
    app = _url_map_app()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED_ENDPOINTS
    missing = sorted(endpoints - ROUTE_CASES.keys())
    assert not missing, f"endpoints without an entry in tests/web/routes.py ROUTE_CASES: {missing}"
    stale = sorted(ROUTE_CASES.keys() - endpoints)
    assert not stale, f"ROUTE_CASES entries for endpoints that do not exist: {stale}"
    undeclared = sorted(
        endpoint for endpoint in endpoints if getattr(app.view_functions[endpoint], "pbvote_access", None) is None
    )
    assert not undeclared, f"views without an access decorator (@public/@signed_in/@role_required): {undeclared}"


def test_each_view_declares_the_access_its_route_case_expects():
    """The decorator on the view and the entry in ROUTE_CASES say the same thing."""
    app = _url_map_app()
    mismatches = []
    for endpoint, case in sorted(ROUTE_CASES.items()):
        view = app.view_functions.get(endpoint)
        declared = getattr(view, "pbvote_access", None)
        if declared is None:
            continue  # reported by the test above
        declared_roles = {getattr(role, "value", role) for role in declared.roles}
        same = (declared.kind == case.access.kind and declared_roles == set(case.access.roles)
                and declared.credentials == case.access.credentials)
        if declared.kind == "role":
            same = same and declared.organisation_scoped == case.access.organisation_scoped
        if not same:
            mismatches.append(f"{endpoint}: view says {declared}, ROUTE_CASES says {case.access}")
    assert not mismatches, "\n".join(mismatches)


# ---------------------------------------------------------------------------------------------------------------
# (b) Every state-changing route refuses a request without a CSRF token
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "method", "rule"), STATE_CHANGING_ROUTES, ids=STATE_CHANGING_IDS)
def test_state_changing_route_rejects_a_missing_csrf_token(app, client, visit, endpoint, method, rule):
    case = case_for(endpoint)
    role = _allowed_role(case, preferences=(COUNCIL, RESIDENT))  # signed in, as the brief of the walker says
    world = visit(role)
    url = build_url(app, endpoint, case.url_args(world))
    if case.access.bearer:
        # The API never reads cookies, so there is nothing to forge: a signed-in session alone is refused.
        response = client.open(url, method=method, data={"anything": "x"})
        assert response.status_code == 401, f"{role} {method} {url} with only a session gave {response.status_code}"
        return
    if rule.rule.startswith("/api/"):
        # Public API operations (signing in) take JSON bodies only; a cross-site form post is refused.
        response = client.open(url, method=method, data={"anything": "x"})
        assert response.status_code == 422, f"{role} {method} {url} as a form gave {response.status_code}"
        return

    response = client.open(url, method=method, data={"anything": "x"})
    assert response.status_code == 400, f"{role} {method} {url} without a CSRF token gave {response.status_code}"

    response = client.open(url, method=method, data={"csrf_token": "forged-token"})
    assert response.status_code == 400, f"{role} {method} {url} with a forged CSRF token gave {response.status_code}"


# ---------------------------------------------------------------------------------------------------------------
# (c) The role matrix: every route × role answers as declared
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=ROUTE_IDS)
def test_route_answers_each_role_as_declared(app, client, visit, endpoint, method, rule, role):
    case = case_for(endpoint)
    world = visit(role)
    url = build_url(app, endpoint, case.url_args(world))
    expected = case.expected(role)
    headers = bearer_headers(world) if case.access.bearer else {}

    if method == "GET":
        response = client.get(url, headers=headers)
        check_outcome(app, response, expected, url=url, method=method, role=role)
        return

    data = {"csrf_token": client.csrf_token()}
    response = client.open(url, method=method, data=data, headers=headers)
    where = f"{role} {method} {url}"
    if (case.access.allows(role) or role in case.expect) and expected not in (FORBIDDEN, FORBIDDEN_OR_NOT_FOUND):
        # Allowed (an empty form may be refused as invalid input, but never as a permission problem).
        assert response.status_code < 500, f"{where} gave {response.status_code}"
        assert response.status_code not in (401, 403, 405), f"{where} refused an allowed user: {response.status_code}"
        location = urlsplit(response.headers.get("Location", "")).path
        assert location != login_path(app), f"{where} sent an allowed user to sign in"
    else:
        check_outcome(app, response, expected, url=url, method=method, role=role)


# ---------------------------------------------------------------------------------------------------------------
# (d) No route gives a 500 for garbage query strings, form bodies or URL values
# ---------------------------------------------------------------------------------------------------------------

NASTY_VALUES = [
    "x" * 20_000,
    "\x00",
    "before\x00after",
    "ünïcødé ☃ 𝔘𝔫𝔦 \u202eevil\u202c 中文 🙂",
    "-1",
    "0",
    "-99999999999999999999999",
    "99999999999999999999999999",
    "9223372036854775808",
    "1e309",
    "NaN",
    "0x1F",
    "3.5",
    "",
    " ",
    "2026-13-45T25:61",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
]
# Raw query strings that are not even valid UTF-8 once decoded, or repeat keys as arrays.
RAW_QUERY_STRINGS = [
    "q=%ff%fe%80&page=%C0%AF&next=%E0%80",
    "page[]=1&page[]=2&page=3&page=x&sort[$ne]=1",
    "%ff=%ff&=&&&==",
    "next=%2F%2Fevil.example&next=https://evil.example/",
]
COMMON_KEYS = ["q", "page", "per_page", "sort", "order", "status", "district", "next", "id", "format", "tab"]
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "sqlalchemy.exc", "werkzeug.exceptions.", "jinja2.exceptions")


class _FieldNames(HTMLParser):
    """Collects the names of form fields on a page."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea", "button"):
            name = dict(attrs).get("name")
            if name and name != "csrf_token":
                self.names.add(name)


def field_names(html: str) -> list[str]:
    parser = _FieldNames()
    parser.feed(html)
    return sorted(parser.names)


def is_text(response) -> bool:
    return response.mimetype.startswith("text/") or response.mimetype in (
        "application/json", "application/problem+json", "application/xml")


def assert_no_crash(response, where: str) -> None:
    """Not a 500, no traceback or internal exception text, no unescaped script echoed back."""
    assert response.status_code < 500, f"{where} gave {response.status_code}"
    if not is_text(response):
        return  # an image or a download: nothing to read
    body = response.get_data(as_text=True)
    for marker in TRACEBACK_MARKERS:
        assert marker not in body, f"{where} leaked {marker!r}"
    assert "<script>alert(1)</script>" not in body, f"{where} echoed a script tag unescaped"


def _with_huge_url_values(app: Flask, endpoint: str, rule: Rule, values: dict) -> list[tuple[str, bool]]:
    """Variants of the URL with each variable replaced by a hostile value; True where 404 is expected."""
    variants = []
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            for number in (2**31, 2**63, 10**30):
                variants.append((build_url(app, endpoint, {**values, name: number}), True))
        else:
            for text in ("ünïcødé-☃", "x" * 500, "..", "%00", "\x00"):
                try:
                    variants.append((build_url(app, endpoint, {**values, name: text}), False))
                except (BuildError, ValueError):  # the converter refuses the value: no such URL to send
                    pass
            # A raw NUL and an invalid UTF-8 sequence in the path itself (url_for would escape the percent).
            placeholder = "PLACEHOLDER4WALKER"
            template = build_url(app, endpoint, {**values, name: placeholder})
            for raw in ("%00", "abc%00def", "%ff%fe", "%C0%AF"):
                variants.append((template.replace(placeholder, raw), False))
    return variants


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=ROUTE_IDS)
def test_route_survives_garbage_input(app, client, visit, endpoint, method, rule):
    case = case_for(endpoint)
    role = _allowed_role(case)
    world = visit(role)
    values = case.url_args(world)
    url = build_url(app, endpoint, values)
    where = f"{role} {method} {url}"
    if case.access.bearer:
        client.environ_base["HTTP_AUTHORIZATION"] = bearer_headers(world)["Authorization"]

    names = list(COMMON_KEYS)
    if "GET" in (rule.methods or ()):
        page = client.get(url)
        if is_text(page):
            names += field_names(page.get_data(as_text=True))

    if method == "GET":
        for nasty in NASTY_VALUES:
            query = urlencode({name: nasty for name in names})
            assert_no_crash(client.get(url, query_string=query), f"{where}?…={nasty[:30]!r}")
        for raw in RAW_QUERY_STRINGS:
            assert_no_crash(client.get(url, query_string=raw), f"{where}?{raw!r}")
        for variant, expect_not_found in _with_huge_url_values(app, endpoint, rule, values):
            response = client.get(variant)
            assert_no_crash(response, f"{role} GET {variant[:120]}")
            if expect_not_found:
                assert response.status_code == 404, f"{role} GET {variant} gave {response.status_code}, not 404"
        return

    token = client.csrf_token()
    for nasty in NASTY_VALUES:
        data = {name: nasty for name in names}
        data["csrf_token"] = token
        assert_no_crash(client.open(url, method=method, data=data), f"{where} form={nasty[:30]!r}")
    # Repeated keys (arrays) and keys nobody expects.
    data = MultiDict([(name, value) for name in names for value in ("1", "-1", "x" * 300)])
    data.add("csrf_token", token)
    assert_no_crash(client.open(url, method=method, data=data), f"{where} form with repeated keys")
    for raw in RAW_QUERY_STRINGS:
        body = f"{raw}&csrf_token={token}".encode()
        response = client.open(
            url, method=method, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert_no_crash(response, f"{where} body={raw!r}")
