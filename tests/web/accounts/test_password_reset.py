"""A resident who forgot their password gets a single-use, expiring link by mail."""

from __future__ import annotations

import time

from pbvote.accounts.tokens import make_confirmation_token, make_reset_token

from .conftest import link_path

NEW_PASSWORD = "my brand new passphrase"


def ask_for_reset(client, email):
    return client.post_form("/reset-password", {"email": email}, token_page="/reset-password")


def choose_password(client, path, password=NEW_PASSWORD, again=None):
    return client.post_form(
        path, {"password": password, "password_again": again or password}, token_page="/reset-password"
    )


def test_resident_resets_their_password_and_signs_in_with_it(client, create_user, mails_to, auth):
    user = create_user(email="forgetful@example.org")
    assert ask_for_reset(client, "Forgetful@example.org").status_code == 303

    (mail,) = mails_to("forgetful@example.org")
    path = link_path(mail, "/reset-password/")
    assert client.get(path).status_code == 200
    response = choose_password(client, path)

    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    auth.login(user, NEW_PASSWORD)
    assert client.get("/account/profile").status_code == 200


def test_old_password_stops_working(client, create_user, mails_to):
    user = create_user(email="forgetful@example.org")
    ask_for_reset(client, user.email)
    choose_password(client, link_path(mails_to(user.email)[0], "/reset-password/"))

    response = client.post_form("/sign-in", {"email": user.email, "password": user.password}, token_page="/sign-in")
    assert response.status_code == 200 and "not right" in response.get_data(as_text=True)


def test_reset_link_works_only_once(client, create_user, mails_to):
    user = create_user(email="forgetful@example.org")
    ask_for_reset(client, user.email)
    path = link_path(mails_to(user.email)[0], "/reset-password/")
    assert choose_password(client, path).status_code == 303

    again = choose_password(client, path, password="someone else's password")
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    assert client.get(path).status_code == 400


def test_reset_link_expires_after_an_hour(app, client, create_user, monkeypatch):
    user = create_user(email="slow@example.org")
    issued_at = time.time() - app.config["TOKEN_MAX_AGE_RESET"] - 5
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued_at)
        token = make_reset_token(user)

    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert choose_password(client, f"/reset-password/{token}").status_code == 400


def test_a_confirmation_token_cannot_reset_a_password(client, create_user):
    user = create_user(email="unconfirmed@example.org", confirmed=False)
    token = make_confirmation_token(user)
    assert choose_password(client, f"/reset-password/{token}").status_code == 400


def test_reset_ends_every_existing_session(app, client, create_user, auth, mails_to):
    user = create_user(email="hacked@example.org")
    attacker = app.test_client()
    auth.login(user, client=attacker)
    ask_for_reset(client, user.email)

    choose_password(client, link_path(mails_to(user.email)[0], "/reset-password/"))

    assert attacker.get("/account/profile").status_code == 303


def test_reset_asks_the_same_of_known_and_unknown_addresses(client, create_user, mail_outbox):
    create_user(email="known@example.org")
    known = ask_for_reset(client, "known@example.org")
    unknown = ask_for_reset(client, "unknown@example.org")

    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert [message["To"] for message in mail_outbox] == ["known@example.org"]


def test_mismatched_new_passwords_change_nothing(client, create_user, mails_to, auth):
    user = create_user(email="forgetful@example.org")
    ask_for_reset(client, user.email)
    path = link_path(mails_to(user.email)[0], "/reset-password/")

    response = choose_password(client, path, again="a different long passphrase")
    assert response.status_code == 200
    assert "The two passwords are different." in response.get_data(as_text=True)
    auth.login(user)  # the old password still works
