"""Languages (pbvote/i18n.py): the switcher, and which language a page is in — the person's choice (profile,
then cookie), else the browser's Accept-Language, else the organisation's default, else English.

The Welsh and Polish strings asserted here are from the i18n-accounts part of the catalogues (the navigation):
they need the merged catalogues compiled (``make catalogues``).
"""

from __future__ import annotations

import re

import pytest

from pbvote.i18n import LANGUAGE_COOKIE

SWITCH = "/language"
HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def html_lang(response) -> str:
    match = HTML_LANG.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def switch(client, language: str, next_page: str | None = "/"):
    data = {"language": language}
    if next_page is not None:
        data["next"] = next_page
    return client.post_form(SWITCH, data)


def test_the_switcher_sets_the_cookie_and_goes_back_to_the_page(client):
    response = switch(client, "cy", "/sign-in?next=/account/profile")

    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?next=/account/profile"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "cy" and cookie.http_only
    assert html_lang(client.get("/")) == "cy"


def test_the_switcher_stores_the_choice_in_the_profile_of_a_signed_in_person(client, create_user, auth, db):
    user = create_user()
    auth.login(user)

    assert switch(client, "pl", "/account/profile").headers["Location"] == "/account/profile"

    db.session.refresh(user)
    assert user.language == "pl"
    # Another device without the cookie: the profile decides.
    other = client.application.test_client()
    auth.login(user, client=other)
    assert html_lang(other.get("/")) == "pl"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil", ""])
def test_the_switcher_never_sends_anyone_to_another_site(client, target):
    response = switch(client, "cy", target)

    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_the_switcher_without_next_goes_home(client):
    assert switch(client, "pl", None).headers["Location"] == "/"


def test_the_switcher_refuses_a_post_without_csrf_token(client, create_user, auth, db):
    user = create_user()
    auth.login(user)

    response = client.post(SWITCH, data={"language": "cy", "next": "/"})

    assert response.status_code == 400
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    db.session.refresh(user)
    assert user.language is None


@pytest.mark.parametrize("language", ["de", "", "cy<script>", "../en"])
def test_an_unknown_language_changes_nothing(client, create_user, auth, db, language):
    user = create_user()
    auth.login(user)

    response = switch(client, language, "/account/profile")

    assert response.status_code == 303 and response.headers["Location"] == "/account/profile"
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    db.session.refresh(user)
    assert user.language is None
    assert html_lang(client.get("/")) == "en-GB"


def test_the_cookie_beats_accept_language(client):
    client.set_cookie(LANGUAGE_COOKIE, "pl")

    response = client.get("/", headers={"Accept-Language": "cy"})

    assert html_lang(response) == "pl"
    assert "Zaloguj się" in response.get_data(as_text=True)


def test_the_profile_beats_the_cookie(client, create_user, auth):
    auth.login(create_user(language="cy"))
    client.set_cookie(LANGUAGE_COOKIE, "pl")

    response = client.get("/", headers={"Accept-Language": "pl"})

    assert html_lang(response) == "cy"
    assert "Allgofnodi" in response.get_data(as_text=True)  # "Sign out"


@pytest.mark.parametrize(("accept", "lang", "sign_in"), [
    ("cy-GB,cy;q=0.9", "cy", "Mewngofnodi"),
    ("pl-PL", "pl", "Zaloguj się"),
    ("en-US,en;q=0.5", "en-GB", "Sign in"),
    (None, "en-GB", "Sign in"),
])
def test_accept_language_chooses_among_the_languages_pbvote_speaks(client, accept, lang, sign_in):
    response = client.get("/sign-in", headers={"Accept-Language": accept} if accept else {})

    assert html_lang(response) == lang
    assert f">{sign_in}</h1>" in response.get_data(as_text=True)


def test_a_language_pbvote_does_not_speak_falls_back_to_the_organisations_default(
        client, create_organisation, create_user, auth):
    cardiff = create_organisation(default_language="cy")
    auth.login(create_user(organisation=cardiff))

    welsh = client.get("/", headers={"Accept-Language": "de"})
    assert html_lang(welsh) == "cy" and "Allgofnodi" in welsh.get_data(as_text=True)
    # A visitor of no organisation with a language pbvote does not speak gets English.
    assert html_lang(client.application.test_client().get("/", headers={"Accept-Language": "de"})) == "en-GB"


def test_the_switcher_is_a_plain_form_that_works_without_javascript(client):
    page = client.get("/sign-in?next=/account/profile").get_data(as_text=True)

    form = re.search(r'<form class="language-switcher" action="/language" method="post"[^>]*>(.*?)</form>', page,
                     re.DOTALL)
    assert form, "the switcher is a form posting to /language"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))
    assert set(fields) == {"csrf_token", "next"}
    # The sign-in page's own next= is not echoed into the switcher (it may name another site).
    assert fields["next"] == "/sign-in"
    options = re.findall(r'<option value="([^"]+)" lang="([^"]+)"', form.group(1))
    assert options == [("en_GB", "en-GB"), ("cy", "cy"), ("pl", "pl")]
    assert '<button type="submit">' in form.group(1)

    # What a browser sends when the person picks Cymraeg and presses the button.
    response = client.post(SWITCH, data={**fields, "language": "cy"})

    assert response.status_code == 303 and response.headers["Location"] == "/sign-in"
    assert html_lang(client.get(response.headers["Location"])) == "cy"


def test_the_switcher_keeps_the_query_of_an_ordinary_page(client):
    page = client.get("/?tab=open").get_data(as_text=True)

    assert '<input type="hidden" name="next" value="/?tab=open">' in page


def test_i18n_accounts_error_pages_speak_the_visitors_language(client):
    polish = client.get("/no-such-page", headers={"Accept-Language": "pl"})
    assert polish.status_code == 404 and html_lang(polish) == "pl"
    assert "<h1>Nie znaleziono strony</h1>" in polish.get_data(as_text=True)

    welsh = client.post("/language", data={"language": "cy"}, headers={"Accept-Language": "cy"})
    assert welsh.status_code == 400 and html_lang(welsh) == "cy"
    assert "<h1>Mae’r ffurflen hon wedi dod i ben</h1>" in welsh.get_data(as_text=True)  # no CSRF token
