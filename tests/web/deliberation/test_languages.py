"""The discussion pages, refusals, notifications and the daily digest in Welsh and Polish (issue 14 item 1).

Written by the i18n-deliberation helper: they assert that helper's translations, so they need the merged and
compiled catalogues (``make catalogues``). Pages follow the request's language; a notification or a digest
follows its recipient's (their choice, else their organisation's default), not the language of whoever acted.
"""

from __future__ import annotations

from flask_babel import refresh
from sqlalchemy import select

from pbvote.deliberation.models import Notification
from pbvote.deliberation.notifications import send_digests

from .conftest import post

WELSH = {"Accept-Language": "cy"}
POLISH = {"Accept-Language": "pl"}


def forget_locale() -> None:
    """Let the next request choose its language: the test's application context outlives its requests (Flask
    reuses it) and Flask-Babel keeps the locale it chose there."""
    refresh()


def test_i18n_deliberation_a_discussion_reads_in_welsh(client, proposal, alice, create_comment):
    create_comment(proposal, alice, body="Swings, please", stance="for")
    forget_locale()
    page = client.get(f"/proposals/{proposal.id}/discussion", headers=WELSH).get_data(as_text=True)
    assert '<html lang="cy"' in page
    assert "<title>Trafodaeth · A playground" in page
    # The English title, not translated, is marked as English inside the Welsh heading.
    assert 'Trafodaeth am “<span lang="en-GB">A playground</span>”' in page and "Darllen y cynnig" in page
    assert 'aria-label="Trefn y sylwadau"' in page and "Yr hynaf yn gyntaf" in page
    assert "1 o blaid" in page and "0 cwestiwn" in page
    assert '<span class="stance stance--for">O blaid</span>' in page
    assert "i gymryd rhan yn y drafodaeth." in page and ">Mewngofnodi</a>" in page
    assert "Swings, please" in page  # what residents write stays as written


def test_i18n_deliberation_the_moderation_log_and_a_refusal_read_in_polish(client, round_, proposal, bob,
                                                                           client_for):
    forget_locale()
    page = client.get(f"/rounds/{round_.id}/moderation-log", headers=POLISH).get_data(as_text=True)
    assert '<html lang="pl"' in page
    assert "Publiczny dziennik moderacji" in page and "Nie ma jeszcze decyzji moderatorów." in page

    resident = client_for(bob)
    token = resident.csrf_token("/")
    forget_locale()
    response = resident.post(f"/proposals/{proposal.id}/comments",
                             data={"stance": "for", "body": " ", "csrf_token": token}, headers=POLISH)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '<html lang="pl"' in page
    assert "Napisz coś przed publikacją." in page and "Dodaj komentarz" in page


def test_i18n_deliberation_notifications_and_the_digest_are_in_the_recipients_language(
        db, organisation, proposal, alice, bob, carol, client_for, mail_outbox):
    alice.language = "cy"  # Alice chose Welsh; Carol did not choose, and Testville speaks Polish by default
    organisation.default_language = "pl"
    bob.language = "en_GB"
    db.session.commit()
    post(client_for(carol), f"/proposals/{proposal.id}/follow", {})
    assert post(client_for(alice), "/notifications/settings", {"daily_digest": "y"}).status_code == 303

    post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "against", "body": "Too loud"})
    texts = {n.user_id: n.text for n in db.session.scalars(select(Notification))}
    assert texts[alice.id] == "Mae Bob wedi gwneud sylw ar eich cynnig “A playground”."
    assert texts[carol.id] == "Bob skomentował(a) obserwowany przez Ciebie wniosek „A playground”."

    report = send_digests()
    assert report.sent == 1 and len(mail_outbox) == 1
    mail = mail_outbox[0]
    assert mail["To"] == "alice@example.org" and mail["Subject"] == "pbvote: 1 hysbysiad newydd"
    body = mail.get_content()
    assert body.startswith("Annwyl Alice,\n") and "- Mae Bob wedi gwneud sylw ar eich cynnig “A playground”." in body
    assert "I’w atal gydag un clic:" in body and "Too loud" not in body


def test_i18n_deliberation_a_moderation_decision_is_told_in_the_authors_language(
        db, organisation, proposal, carol, moderator, create_comment, client_for):
    organisation.default_language = "pl"
    moderator.language = "en_GB"
    db.session.commit()
    comment = create_comment(proposal, carol, body="Off topic rant", stance="neutral")
    response = post(client_for(moderator), f"/comments/{comment.id}/moderate",
                    {"decision": "hidden", "reason": "Not about the playground"})
    assert response.status_code == 303
    notice = db.session.scalar(select(Notification).where(Notification.user_id == carol.id))
    assert notice.text == ("Moderator ukrył Twój komentarz do wniosku „A playground”. "
                           "Uzasadnienie: Not about the playground. Możesz raz się odwołać.")
