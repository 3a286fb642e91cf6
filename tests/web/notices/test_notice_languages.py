"""i18n-accounts: every notice is written in its recipient's language — the one they chose, else their
organisation's default, else English — whoever's tick or request queues it.

The Welsh and Polish strings asserted are from the i18n-accounts part of the catalogues (merged into
pbvote/translations and compiled with ``make catalogues``).
"""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

from flask_babel import force_locale

from pbvote.extensions import db
from pbvote.i18n import moment
from pbvote.notices.models import utcnow
from pbvote.proposals.operations import review_proposal
from pbvote.rounds.models import Phase, Round, RoundState
from tests.web.proposals.factories import make_proposal, make_round


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _mail_to(messages, address: str):
    [message] = [m for m in messages if m["To"] == address]
    return message


def test_i18n_accounts_voting_opens_in_each_recipients_language(world, organisation, tick, smtp_server):
    organisation.default_language = "pl"
    world["rita"].language = "cy"
    world["vera"].language = "en_GB"
    round_ = db.session.get(Round, world["round"].round.id)
    closes = utcnow() + timedelta(days=10)
    round_.phases.append(Phase(state=RoundState.VOTING.value, starts_at=utcnow() - timedelta(days=1), ends_at=closes))
    db.session.commit()
    name = round_.name

    tick()

    welsh = _mail_to(smtp_server.messages, "rita@example.org")
    assert _subject(welsh) == f"Mae’r bleidlais ar agor: {name}"
    body = _body(welsh)
    assert body.startswith("Annwyl Rita,")
    assert f"Mae’r bleidlais ar agor yn “{name}” Testville Council." in body
    with force_locale("cy"):
        assert f"Mae’n cau ar {moment(closes, round_.timezone)}." in body
    assert str(closes.year) in body
    assert ("Rydych yn cael y neges hon oherwydd eich gosodiadau e-bost pbvote: “Mae’r bleidlais yn agor mewn "
            "rownd y caf bleidleisio ynddi”.") in body
    assert "I atal negeseuon fel hyn gydag un clic: http://pb.example.org/mail/unsubscribe/" in body

    english = _mail_to(smtp_server.messages, "vera@example.org")
    assert _subject(english) == f"Voting is open: {name}"
    assert "You get this mail because of your pbvote mail settings" in _body(english)

    # The author chose nothing: the organisation's default.
    polish = _mail_to(smtp_server.messages, "author@example.org")
    assert _subject(polish) == f"Trwa głosowanie: {name}"
    assert _body(polish).startswith("Dzień dobry, Ada!")
    assert "Głosowanie kończy się: " in _body(polish)


def test_i18n_accounts_a_feasibility_decision_made_in_english_reaches_a_welsh_author_in_welsh(
        organisation, author, council, tick, smtp_server):
    author.language = "cy"
    db.session.commit()
    round_ = make_round(organisation, state="review", citywide=True)
    proposal = make_proposal(round_, author, title="Parc sglefrio", district=None)

    review_proposal(proposal, council, feasible=True, reason="")
    db.session.commit()
    tick()

    message = _mail_to(smtp_server.messages, "author@example.org")
    assert _subject(message) == "Mae eich cynnig yn ymarferol: Parc sglefrio"
    assert "ac wedi penderfynu ei fod yn ymarferol." in _body(message)
