"""i18n-voting (issue 14 item 1): the ballot pages, their htmx partials, the rules' refusals and the receipt mail
speak Welsh and Polish. These need the compiled catalogues (``make catalogues``)."""

from __future__ import annotations

from html import unescape

from flask_babel import refresh

from .test_ballot_pages import ballot_url, cast_reviewed, press


def speaking(client, language: str):
    """Every request of ``client`` from now on asks for ``language`` the way a browser does. (The test's app
    context outlives its requests, so Flask-Babel's cached choice of the earlier ones is dropped.)"""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    refresh()
    return client


def test_the_ballot_page_and_its_running_checks_are_in_welsh(client, auth, ranked, voter_user):
    auth.login(voter_user)
    speaking(client, "cy")
    url = ballot_url(ranked, ranked.citywide)
    page = unescape(client.get(url).get_data(as_text=True))
    assert '<html lang="cy"' in page
    assert "Eich trefn" in page and "Prosiectau ar y bleidlais" in page and "Adolygu a chyflwyno" in page
    assert "0 wedi'u rhestru yn ôl trefn o 3 ar y mwyaf; rhestrwch o leiaf 1." in page

    project = ranked.projects["Citywide"][0]
    partial = unescape(client.post_form(url, {"action": f"add:{project.id}"}, token_page=url,
                                        headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "<html" not in partial  # the editor alone, as htmx swaps it in
    assert "1 wedi'u rhestru yn ôl trefn o 3 ar y mwyaf; rhestrwch o leiaf 1." in partial
    assert "Symud i lawr" in partial and "Tynnu" in partial

    refused = unescape(client.post_form(url, {"action": f"add:{project.id}"}, token_page=url,
                                        headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "Mae'r prosiect hwnnw ar eich pleidlais yn barod." in refused


def test_review_receipt_and_the_receipt_mail_are_in_polish(client, auth, ranked, voter_user, db, mail_outbox):
    voter_user.language = "pl"  # the mail follows the voter's own choice, whatever the request asks for
    db.session.commit()
    auth.login(voter_user)
    speaking(client, "pl")
    url = ballot_url(ranked, ranked.citywide)
    press(client, url, f"add:{ranked.projects['Citywide'][0].id}")
    review = unescape(client.get(url + "/review").get_data(as_text=True))
    assert '<html lang="pl"' in review
    assert "Przejrzyj swój głos w budżecie" in review and "<p>1 projekt.</p>" in review
    assert "Wyślij mój głos" in review
    response = cast_reviewed(client, url)
    receipt = unescape(client.get(response.location).get_data(as_text=True))
    assert "Twój głos został zapisany" in receipt and "Twój kod weryfikacyjny:" in receipt
    mail = mail_outbox[-1]
    assert mail["Subject"].startswith("Potwierdzenie oddania głosu:")
    assert "Kod weryfikacyjny: " in mail.get_content()
