"""The proposal pages and mails in Welsh and Polish (issue 14, the i18n-proposals part).

These need the compiled catalogues with the proposals' translations (``make catalogues`` after the parts are
merged into pbvote/translations)."""

from __future__ import annotations

WELSH = {"Accept-Language": "cy"}
POLISH = {"Accept-Language": "pl"}


def test_the_list_of_proposals_is_in_welsh(round_, alice, create_proposal, client):
    create_proposal(round_, alice, title="Community garden")
    page = client.get(f"/rounds/{round_.id}/proposals", headers=WELSH).get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "<h1>Cynigion</h1>" in page
    assert "1 cynnig" in page  # the count, in its Welsh plural form
    assert "Wedi&#39;i gyflwyno" in page  # the status label
    assert "Trefnu yn ôl" in page and "Proposals" not in page


def test_the_counts_of_the_list_take_the_polish_and_welsh_plural_forms(round_, alice, create_proposal, client):
    url = f"/rounds/{round_.id}/proposals"
    polish = {1: "1 wniosek", 2: "2 wnioski", 3: "3 wnioski", 4: "4 wnioski", 5: "5 wniosków"}
    welsh = {1: "1 cynnig", 2: "2 gynnig", 3: "3 chynnig", 4: "4 cynnig", 5: "5 cynnig"}
    for number in range(1, 6):
        create_proposal(round_, alice, title=f"Idea {number}")
        page = client.get(url, headers=POLISH).get_data(as_text=True)
        assert '<html lang="pl"' in page and polish[number] in page
        assert welsh[number] in client.get(url, headers=WELSH).get_data(as_text=True)


def test_a_proposal_page_is_in_polish(round_, alice, create_proposal, client):
    proposal = create_proposal(round_, alice, title="Community garden")
    page = client.get(f"/proposals/{proposal.id}", headers=POLISH).get_data(as_text=True)
    assert '<html lang="pl"' in page
    assert "Łączny koszt" in page and "Historia statusu" in page and "Pierwsza i jedyna wersja" in page
    assert ">Złożony</span>" in page


def test_an_invitation_is_mailed_in_the_invitees_language(round_, alice, create_user, create_proposal,
                                                           client_for, mail_outbox):
    create_user(email="dafydd@example.org", display_name="Dafydd", language="cy")
    proposal = create_proposal(round_, alice, title="Community garden")
    url = f"/proposals/{proposal.id}/coauthors"
    # Alice's own page is in English; the mail follows the invitee's choice.
    response = client_for(alice).post_form(url, {"email": "dafydd@example.org"}, token_page=url)
    assert response.status_code == 303
    message = mail_outbox[0]
    assert message["Subject"] == "Bod yn gyd-awdur y cynnig “Community garden”"
    body = message.get_content()
    assert "Mae Alice yn eich gwahodd i fod yn gyd-awdur y cynnig “Community garden” ar pbvote." in body
    assert "Mae'r ddolen yn gweithio am 14 diwrnod." in body
