"""The security baseline: headers on every response, friendly errors, CSRF, safe redirects, access decorators."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from pbvote.access import Access, organisation_by_slug, public, role_required, signed_in
from pbvote.accounts.models import Role
from pbvote.security import CONTENT_SECURITY_POLICY, is_safe_next

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("path", ["/", "/sign-in", "/no-such-page", "/static/css/pbvote.css", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers, "HSTS only in production (https)"
    response.close()  # static files are streamed from an open file


class TestProduction:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}

    def test_hsts_and_secure_cookies(self, client, create_user, auth):
        response = client.get("/")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        set_cookie = response.headers.get("Set-Cookie", "")
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_pages_have_no_inline_script_or_style(client, create_user, auth):
    auth.login(create_user(roles=("council",)))
    for path in ["/", "/account/profile", "/organisations/testville/members", "/no-such-page"]:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert "<style" not in html and " style=" not in html, f"inline style on {path}"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), f"inline event handler on {path}"


def test_base_layout_is_accessible_and_configures_htmx_safely(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert '<html lang="en-GB">' in html
    assert 'role="status" aria-live="polite"' in html
    assert '<meta name="htmx-config" content=\'{"allowEval":false,"selfRequestsOnly":true,' \
           '"includeIndicatorStyles":false}\'>' in html
    assert re.search(r'<body hx-boost="true" hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'>', html)
    assert '<meta name="csrf-token" content="' in html
    assert "/static/vendor/htmx/htmx-2.0.11.min.js" in html


@pytest.mark.parametrize(
    ("method", "path", "status", "words"),
    [
        ("get", "/no-such-page", 404, "Page not found"),
        ("post", "/", 405, "does not accept that kind of request"),
        ("post", "/sign-in", 400, "This form has expired"),
    ],
)
def test_errors_get_friendly_pages(client, method, path, status, words):
    response = getattr(client, method)(path)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert words in page and "Traceback" not in page
    assert response.headers["Content-Type"].startswith("text/html")


def test_405_keeps_the_allow_header(client):
    assert "GET" in client.post("/").headers["Allow"]


class TestTooLarge:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 1024}

    def test_an_oversized_form_gets_the_413_page(self, client):
        token = client.csrf_token("/sign-in")
        response = client.post("/sign-in", data={"csrf_token": token, "email": "x" * 5000, "password": "y"})
        assert response.status_code == 413
        assert "too large" in response.get_data(as_text=True)


def test_a_bug_shows_the_500_page_without_a_traceback(app, client):
    bp = Blueprint("explode", __name__)

    @public
    def explode():
        raise RuntimeError("secret internal detail")

    bp.add_url_rule("/explode-for-test", "explode", explode)
    app.register_blueprint(bp)

    response = client.get("/explode-for-test")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "secret internal detail" not in page and "Traceback" not in page


def test_a_request_without_csrf_token_changes_nothing(client, create_user, auth, db):
    user = create_user(display_name="Before")
    auth.login(user)
    response = client.post("/account/profile", data={"display_name": "After"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.display_name == "Before"


def test_htmx_requests_may_send_the_token_in_a_header(client, create_user, auth, db):
    user = create_user(display_name="Before")
    auth.login(user)
    token = client.csrf_token("/account/profile")
    response = client.post("/account/profile", data={"display_name": "After"}, headers={"X-CSRFToken": token})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.display_name == "After"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/rounds/3?tab=results", True),
        ("/", True),
        ("", False),
        (None, False),
        ("https://evil.example/", False),
        ("//evil.example/path", False),
        ("/\\evil.example", False),
        ("\\\\evil.example", False),
        ("javascript:alert(1)", False),
        ("relative/path", False),
        ("/line\nbreak", False),
    ],
)
def test_next_accepts_only_paths_on_this_site(target, safe):
    assert is_safe_next(target) is safe


@pytest.mark.parametrize("query", ["?next=" + "a" * 5000, "?email[]=x&password=%ff", "?%ff%fe=1"])
def test_garbage_query_strings_never_break_the_sign_in_page(client, query):
    assert client.get("/sign-in" + query).status_code == 200


@pytest.mark.parametrize("query", ["?next=%00", "?q=a%00b", "?%00=1"])
def test_nul_characters_in_a_query_are_refused_with_a_clear_page(client, query):
    response = client.get("/sign-in" + query)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_garbage_form_bodies_are_refused_kindly(client):
    token = client.csrf_token("/sign-in")
    response = client.post(
        "/sign-in", data=b"csrf_token=" + token.encode() + b"&email=%ff%fe&password=%01%02",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_a_nul_character_in_a_form_changes_nothing(client, auth, create_user, db):
    user = create_user(display_name="Ada")
    auth.login(user)
    token = client.csrf_token("/account/profile")
    response = client.post(
        "/account/profile", data={"csrf_token": token, "display_name": "Ada\x00Lovelace", "district": ""},
    )
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.get(type(user), user.id).display_name == "Ada"


# --- the access decorators themselves -----------------------------------------------------------------------


def test_decorators_declare_the_access_they_enforce():
    @public
    def a():
        pass

    @signed_in
    def b():
        pass

    @role_required(Role.COUNCIL, Role.AUDITOR, organisation=organisation_by_slug)
    def c(org_slug):
        pass

    @role_required("moderator")
    def d():
        pass

    assert a.pbvote_access == Access("public")
    assert b.pbvote_access == Access("signed_in")
    assert c.pbvote_access == Access("role", (Role.COUNCIL, Role.AUDITOR), organisation_scoped=True)
    assert d.pbvote_access == Access("role", (Role.MODERATOR,), organisation_scoped=False)


def test_a_view_cannot_carry_two_access_decorators():
    with pytest.raises(TypeError, match="already carries"):
        @signed_in
        @public
        def view():
            pass


def test_unknown_organisation_in_the_url_is_404_for_council(client, create_user, auth):
    auth.login(create_user(roles=("council",)))
    assert client.get("/organisations/atlantis/members").status_code == 404


def _sign_in_attempt(client, forwarded_for):
    token = client.csrf_token("/sign-in")
    return client.post("/sign-in", data={"csrf_token": token, "email": "a@example.org", "password": "wrong"},
                       headers={"X-Forwarded-For": forwarded_for})


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"PROXY_COUNT": 1, "RATELIMIT_LOGIN": "1 per minute"}

    def test_rate_limits_count_each_client_behind_the_proxy(self, client):
        assert _sign_in_attempt(client, "203.0.113.1").status_code == 200
        assert _sign_in_attempt(client, "203.0.113.1").status_code == 429
        assert _sign_in_attempt(client, "203.0.113.2").status_code == 200


class TestWithoutAProxy:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_LOGIN": "1 per minute"}

    def test_a_forged_forwarded_for_header_does_not_escape_the_limit(self, client):
        assert _sign_in_attempt(client, "203.0.113.1").status_code == 200
        assert _sign_in_attempt(client, "203.0.113.2").status_code == 429
