"""i18n-accounts: the account pages and mails in Welsh and Polish.

The strings asserted are from the i18n-accounts part of the catalogues (/work/parts/i18n-accounts/*.po, merged
into pbvote/translations and compiled with ``make catalogues``).
"""

from __future__ import annotations

from .conftest import mail_body


def test_i18n_accounts_sign_in_page_in_welsh(client):
    response = client.get("/sign-in", headers={"Accept-Language": "cy"})

    page = response.get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert "<title>Mewngofnodi · pbvote</title>" in page
    assert '<label class="field__label" for="email">Cyfeiriad e-bost' in page
    assert '<span class="field__required">(gofynnol)</span>' in page
    assert "Wedi anghofio eich cyfrinair?" in page


def test_i18n_accounts_register_page_and_its_errors_in_polish(client, organisation):
    response = client.post_form("/register", {"email": "nie-adres", "display_name": "", "password": "krótkie",
                                              "password_again": "inne"},
                                token_page="/register", headers={"Accept-Language": "pl"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="pl">' in page
    assert "<h1>Załóż konto</h1>" in page
    assert "Wpisz adres e-mail w postaci nazwa@example.org." in page
    assert "Użyj co najmniej 12 znaków (i najwyżej 1024)." in page
    assert "Podane hasła się różnią." in page


def test_i18n_accounts_a_welsh_speakers_confirmation_mail_is_welsh(client, create_user, auth, mails_to):
    user = create_user(email="siwan@example.org", display_name="Siwan", confirmed=False, language="cy")
    auth.login(user)

    client.post_form("/confirm/resend", token_page="/confirm")

    (mail,) = mails_to("siwan@example.org")
    assert mail["Subject"] == "Cadarnhau eich cyfeiriad e-bost ar gyfer pbvote"
    body = mail_body(mail)
    assert body.startswith("Annwyl Siwan,")
    assert "yn dod i ben ymhen 72 awr." in body


def test_i18n_accounts_the_already_registered_mail_is_in_the_owners_language_not_the_visitors(
        client, create_user, mails_to):
    create_user(email="siwan@example.org", display_name="Siwan", language="cy")

    response = client.post_form("/register", {"email": "siwan@example.org", "display_name": "Someone",
                                              "password": "a long enough password",
                                              "password_again": "a long enough password"},
                                token_page="/register", follow_redirects=True)

    assert "We have sent a message to siwan@example.org." in response.get_data(as_text=True)
    (mail,) = mails_to("siwan@example.org")
    assert mail["Subject"] == "Ceisiodd rhywun gofrestru gyda’ch cyfeiriad"
    body = mail_body(mail)
    assert body.startswith("Annwyl Siwan,")
    assert "Os mai chi oedd hyn, mewngofnodwch yma: http" in body


def test_i18n_accounts_reset_mail_follows_the_organisations_default_language(client, create_organisation,
                                                                              create_user, mails_to):
    krakow = create_organisation(name="Miasto Kraków", default_language="pl")
    create_user(email="jan@example.org", display_name="Jan", organisation=krakow)

    client.post_form("/reset-password", {"email": "jan@example.org"}, token_page="/reset-password",
                     headers={"Accept-Language": "cy"})

    (mail,) = mails_to("jan@example.org")
    assert mail["Subject"] == "Zresetuj hasło do pbvote"
    body = mail_body(mail)
    assert body.startswith("Dzień dobry, Jan!")
    assert "czas jego ważności: 60 minut." in body


def test_i18n_accounts_members_page_counts_in_welsh(client, create_user, auth, council):
    create_user(email="one@example.org")
    auth.login(council)

    page = client.get("/organisations/testville/members", headers={"Accept-Language": "cy"}).get_data(as_text=True)

    assert "<h1>Aelodau Testville Council</h1>" in page
    assert "2 aelod cofrestredig;" in page and "1 preswylydd yn eu plith" in page
    assert '<span class="role">cyngor</span>' in page
