"""Residents sign in and out; sessions renew at sign-in and really end at sign-out."""

from __future__ import annotations

import pytest

from tests.conftest import extract_csrf_token

SIGN_IN = "/sign-in"


def sign_in(client, email, password, **extra):
    return client.post_form(SIGN_IN, {"email": email, "password": password, **extra}, token_page=SIGN_IN)


def session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def test_resident_signs_in_and_sees_their_profile(client, create_user):
    user = create_user(email="rosa@example.org", display_name="Rosa Resident")
    response = sign_in(client, "ROSA@example.org ", user.password)

    assert response.status_code == 303 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Signed in as Rosa Resident." in home
    assert "Sign out" in home


def test_wrong_password_and_unknown_address_get_the_same_answer(client, create_user):
    user = create_user(email="rosa@example.org")
    wrong = sign_in(client, user.email, "not the password at all")
    unknown = sign_in(client, "nobody@example.org", "not the password at all")

    assert wrong.status_code == unknown.status_code == 200
    message = "The email address or the password is not right."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert client.get("/account/profile").status_code == 303, "still signed out"


def test_deactivated_account_cannot_sign_in(client, create_user):
    user = create_user(email="gone@example.org", active=False)
    response = sign_in(client, user.email, user.password)
    assert response.status_code == 200
    assert "not right" in response.get_data(as_text=True)


def test_sign_in_goes_back_to_the_page_asked_for(client, create_user):
    user = create_user()
    asked = client.get("/account/profile?tab=district")
    assert asked.status_code == 303
    assert asked.headers["Location"] == "/sign-in?next=/account/profile?tab%3Ddistrict"

    form_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account/profile?tab=district"' in form_page
    response = sign_in(client, user.email, user.password, next="/account/profile?tab=district")
    assert response.headers["Location"] == "/account/profile?tab=district"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "profile"]
)
def test_sign_in_never_redirects_off_the_site(client, create_user, target):
    user = create_user()
    page = client.get(f"{SIGN_IN}?next={target}").get_data(as_text=True)
    assert "evil.example" not in page
    response = sign_in(client, user.email, user.password, next=target)
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_sign_in_renews_the_session_and_the_csrf_token(client, create_user):
    user = create_user()
    client.get(SIGN_IN)
    token_before = client.csrf_token(SIGN_IN)
    cookie_before = session_cookie(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker before sign-in"

    sign_in(client, user.email, user.password)

    assert session_cookie(client) != cookie_before
    with client.session_transaction() as session:
        assert "planted" not in session
    token_after = extract_csrf_token(client.get("/").get_data(as_text=True))
    assert token_after != token_before
    # The token handed out before signing in no longer works.
    stale = client.post("/sign-out", data={"csrf_token": token_before})
    assert stale.status_code == 400
    assert "This form has expired" in stale.get_data(as_text=True)


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, create_user, auth, db):
    user = create_user()
    auth.login(user)
    stolen = session_cookie(client)
    assert client.get("/account/profile").status_code == 200

    response = auth.logout()
    assert response.status_code == 303
    assert client.get("/account/profile").status_code == 303

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account/profile")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
    db.session.refresh(user)
    assert user.session_version == 2


def test_signing_out_on_one_device_signs_out_every_device(app, client, create_user, auth):
    user = create_user()
    phone = app.test_client()
    auth.login(user)
    auth.login(user, client=phone)
    assert phone.get("/account/profile").status_code == 200

    auth.logout()

    assert phone.get("/account/profile").status_code == 303


def test_sign_out_needs_a_post_with_a_csrf_token(client, create_user, auth):
    auth.login(create_user())
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400
    assert client.get("/account/profile").status_code == 200, "still signed in"


def test_garbage_in_the_session_id_means_signed_out(client, create_user):
    user = create_user()
    for session_id in (f"{user.id}", f"{user.id}:x", "abc:1", f"{user.id}:{user.session_version + 1}", "99999999999:1"):
        with client.session_transaction() as session:
            session["_user_id"] = session_id
        assert client.get("/account/profile").status_code == 303, session_id


class TestLoginRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_LOGIN": "3 per minute"}

    def test_the_fourth_attempt_within_a_minute_is_refused(self, client, create_user):
        user = create_user()
        for _ in range(3):
            assert sign_in(client, user.email, "wrong password, again").status_code == 200

        refused = sign_in(client, user.email, user.password)

        assert refused.status_code == 429
        assert "Too many attempts" in refused.get_data(as_text=True)
        assert client.get("/account/profile").status_code == 303, "the right password did not get through"
        assert client.get(SIGN_IN).status_code == 200, "only POSTs count against the limit"
