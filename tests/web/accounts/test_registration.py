"""A newcomer registers, confirms their address from the mail, and can then use the site."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.accounts.models import Role, User

from .conftest import link_path

NEW_PASSWORD = "a long enough password"


def register(client, **overrides):
    data = {
        "email": "Newcomer@Example.org",
        "display_name": "Nia Newcomer",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "district": "Old Town",
    }
    data.update(overrides)
    return client.post_form("/register", data, token_page="/register")


def _flash_of(page: str) -> str:
    start = page.index('<div class="flashes"')
    return page[start:page.index("</div>", start)]


def count_users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_newcomer_registers_confirms_and_signs_in(client, organisation, db, mails_to, auth):
    response = register(client)

    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "newcomer@example.org"))
    assert user is not None, "the address is stored in lower case"
    assert user.display_name == "Nia Newcomer" and user.district == "Old Town"
    assert user.organisation_id == organisation.id
    assert user.has_role(Role.RESIDENT, organisation.id)
    assert not user.email_confirmed
    assert user.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in user.password_hash

    (mail,) = mails_to("newcomer@example.org")
    confirm_path = link_path(mail, "/confirm/")
    # Opening the link shows a button; only the POST confirms (mail scanners follow links with GET).
    assert client.get(confirm_path).status_code == 200
    db.session.refresh(user)
    assert not user.email_confirmed
    assert client.post_form(confirm_path, token_page=confirm_path).status_code == 303
    db.session.refresh(user)
    assert user.email_confirmed

    auth.login(user, NEW_PASSWORD)
    assert client.get("/account/profile").status_code == 200


def test_confirmation_link_works_only_once(client, organisation, db, mails_to):
    register(client)
    confirm_path = link_path(mails_to("newcomer@example.org")[0], "/confirm/")
    assert client.post_form(confirm_path, token_page=confirm_path).status_code == 303

    again = client.get(confirm_path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_tampered_confirmation_link_is_refused(client, organisation, mails_to):
    register(client)
    confirm_path = link_path(mails_to("newcomer@example.org")[0], "/confirm/")
    response = client.get(confirm_path[:-3] + "abc")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_unconfirmed_user_is_sent_to_confirm_and_can_resend(client, create_user, auth, mails_to):
    user = create_user(email="late@example.org", confirmed=False)
    response = auth.login(user)
    assert response.headers["Location"].endswith("/confirm")

    profile = client.get("/account/profile")
    assert profile.status_code == 303 and profile.headers["Location"].endswith("/confirm")

    assert client.post_form("/confirm/resend", token_page="/confirm").status_code == 303
    (mail,) = mails_to("late@example.org")
    confirm_path = link_path(mail, "/confirm/")
    client.post_form(confirm_path, token_page=confirm_path)
    assert client.get("/account/profile").status_code == 200


def test_visitor_asks_for_a_new_link_with_the_same_answer_for_any_address(client, create_user, mails_to):
    create_user(email="late@example.org", confirmed=False)
    create_user(email="done@example.org", confirmed=True)

    answers = []
    for email in ("late@example.org", "done@example.org", "nobody@example.org"):
        response = client.post_form("/confirm/resend", {"email": email}, token_page="/confirm")
        answers.append((response.status_code, response.headers.get("Location")))
    assert len(set(answers)) == 1
    assert len(mails_to("late@example.org")) == 1
    assert mails_to("done@example.org") == [] and mails_to("nobody@example.org") == []


def test_registering_a_taken_address_answers_the_same_and_warns_its_owner(
    client, organisation, create_user, db, mails_to
):
    owner = create_user(email="taken@example.org", display_name="Olga Owner")
    answers = []
    for email in ("fresh@example.org", "taken@example.org"):
        response = register(client, email=email, display_name="Impostor")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert email in page
        answers.append((response.status_code, response.headers["Location"], _flash_of(page).replace(email, "…")))
    assert answers[0] == answers[1]
    assert count_users(db) == 2, "no second account for the taken address"
    db.session.refresh(owner)
    assert owner.display_name == "Olga Owner"

    (notice,) = mails_to("taken@example.org")
    assert "already have one" in notice.get_content()
    assert "/confirm/" not in notice.get_content()


def test_short_password_is_refused_and_nothing_is_stored(client, organisation, db, mail_outbox):
    response = register(client, password="too short", password_again="too short")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "at least 12 characters" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="password-hint password-error"' in page
    assert count_users(db) == 0
    assert mail_outbox == []


def test_mismatched_passwords_and_bad_email_are_explained(client, organisation, db):
    response = register(client, email="not-an-address", password_again="something else entirely")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an email address like name@example.org." in page
    assert "The two passwords are different." in page
    assert count_users(db) == 0


def test_with_several_organisations_the_newcomer_chooses_one(client, organisation, create_organisation, db):
    other = create_organisation(slug="riverside", name="Riverside Housing")
    page = client.get("/register").get_data(as_text=True)
    assert "Riverside Housing" in page and "Testville Council" in page

    missing = register(client)
    assert missing.status_code == 200 and count_users(db) == 0

    assert register(client, organisation="riverside").status_code == 303
    user = db.session.scalar(select(User))
    assert user.organisation_id == other.id and user.has_role(Role.RESIDENT, other.id)


def test_unknown_organisation_choice_is_refused(client, organisation, create_organisation, db):
    create_organisation(slug="riverside", name="Riverside Housing")
    response = register(client, organisation="atlantis")
    assert response.status_code == 200
    assert count_users(db) == 0


def test_without_any_organisation_nobody_can_register(client, db):
    page = client.get("/register")
    assert page.status_code == 200
    assert "nothing to register for" in page.get_data(as_text=True)
    assert register(client).status_code == 200
    assert count_users(db) == 0
