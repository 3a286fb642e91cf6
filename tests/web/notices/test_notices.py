"""Notices by mail: queued in the database, sent by ``pbvote tick`` through a real SMTP server, each once;
preferences per kind and a one-click unsubscribe link in every mail."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.notices.models import MailStatus, NoticeOptOut, OutgoingMail, utcnow
from pbvote.notices.queue import send_queued, set_kind_enabled
from pbvote.notices.reminders import queue_round_notices
from pbvote.proposals.operations import review_proposal
from pbvote.rounds.models import Phase, Round, RoundState
from pbvote.voting.operations import BallotContent, cast_ballot
from tests.web.proposals.factories import make_proposal, make_round
from tests.web.voting.factories import make_voter, make_voting_round


def _to(messages, subject_start: str) -> list[str]:
    return sorted(m["To"] for m in messages if m["Subject"].startswith(subject_start))


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def _unsubscribe_path(message) -> str:
    link = re.search(r"one click: (http://pb\.example\.org(/mail/unsubscribe/\S+))", _body(message))
    assert link and message["List-Unsubscribe"] == f"<{link.group(1)}>"
    return link.group(2)


def _close_voting_in(round_: Round, delta: timedelta, opened_ago: timedelta) -> None:
    round_ = db.session.get(Round, round_.id)
    phase = round_.phase_for(RoundState.VOTING)
    if phase is None:
        phase = Phase(state=RoundState.VOTING.value)
        db.session.add(phase)
        round_.phases.append(phase)
    phase.starts_at, phase.ends_at = utcnow() - opened_ago, utcnow() + delta
    round_.state_changed_at = utcnow() - opened_ago
    db.session.commit()


def test_voting_opens_goes_once_to_each_eligible_voter_with_a_one_click_unsubscribe(world, tick, smtp_server):
    result = tick()
    assert "3 notices queued; 3 sent" in result.output
    assert _to(smtp_server.messages, "Voting is open") == ["author@example.org", "rita@example.org",
                                                           "vera@example.org"]
    message = next(m for m in smtp_server.messages if m["To"] == "rita@example.org")
    body = _body(message)
    assert f"Voting is open in “{world['round'].round.name}”" in body
    assert f"http://pb.example.org/rounds/{world['round'].round.id}/vote" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "text/plain"
    _unsubscribe_path(message)

    assert "notice" not in tick().output  # a minute later: nothing again
    assert len(smtp_server.messages) == 3


def test_the_closing_reminder_goes_two_days_before_to_those_who_have_not_voted(world, tick, smtp_server):
    voting = world["round"]
    _close_voting_in(voting.round, timedelta(days=3), opened_ago=timedelta(days=5))
    tick()
    assert _to(smtp_server.messages, "Two days left") == []  # three days before the close: not yet

    cast_ballot(voting.round.id, voting.citywide.id, world["vera"],
                BallotContent(choices=[voting.projects["Citywide"][0].id]))
    _close_voting_in(voting.round, timedelta(days=1, hours=23), opened_ago=timedelta(days=5))
    tick()
    tick()
    assert _to(smtp_server.messages, "Two days left") == ["author@example.org", "rita@example.org"]
    reminder = next(m for m in smtp_server.messages if m["Subject"].startswith("Two days left"))
    body = _body(reminder)
    assert "You have not voted yet" in body and "Tracking code" not in body
    assert "code" not in body.replace("unsubscribe", "")  # no voter code or tracking code in a reminder


def test_no_closing_reminder_when_voting_is_shorter_than_two_days(world, tick, smtp_server):
    _close_voting_in(world["round"].round, timedelta(hours=20), opened_ago=timedelta(hours=2))
    tick()
    assert _to(smtp_server.messages, "Two days left") == []


def test_published_results_are_announced_once_but_not_for_rounds_published_long_ago(world, tick, smtp_server,
                                                                                   organisation, author):
    tick()
    round_ = db.session.get(Round, world["round"].round.id)
    round_.state, round_.state_changed_at = RoundState.PUBLISHED.value, utcnow()
    old = make_round(organisation, state="published", citywide=True)
    old.state_changed_at = utcnow() - timedelta(days=30)
    db.session.commit()
    tick()
    tick()
    assert _to(smtp_server.messages, "Results published") == ["author@example.org", "rita@example.org",
                                                              "vera@example.org"]
    assert all(old.name not in m["Subject"] for m in smtp_server.messages)
    assert f"/rounds/{round_.id}/results" in _body(next(m for m in smtp_server.messages
                                                         if m["Subject"].startswith("Results")))


def test_a_feasibility_decision_is_mailed_to_the_author(organisation, author, council, tick, smtp_server):
    round_ = make_round(organisation, state="review", citywide=True)
    proposal = make_proposal(round_, author, title="A skate park", district=None)
    review_proposal(proposal, council, feasible=False, reason="The site is a protected meadow.")
    db.session.commit()
    tick()
    [message] = [m for m in smtp_server.messages if m["To"] == "author@example.org"]
    assert message["Subject"] == "Your proposal is not feasible: A skate park"
    body = _body(message)
    assert "found it not feasible" in body and "The site is a protected meadow." in body
    assert f"http://pb.example.org/proposals/{proposal.id}" in body


def test_one_click_unsubscribe_stops_that_kind_even_for_mails_already_queued(world, tick, smtp_server, client):
    tick()
    path = _unsubscribe_path(next(m for m in smtp_server.messages if m["To"] == "rita@example.org"))

    page = client.get(path)  # a link checker opening the link changes nothing
    assert page.status_code == 200 and "Stop these mails?" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(NoticeOptOut)) == 0

    assert client.post(path, data={"anything": "x"}).status_code == 400
    assert client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058: no cookie, no CSRF token
    assert response.status_code == 200 and "You are unsubscribed" in response.get_data(as_text=True)
    assert db.session.scalar(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == world["rita"].id)) == \
        "voting_opens"

    # Voting opens in a second round: Rita's mail would be queued, but she turned that kind off.
    make_voting_round(world["round"].round.organisation, world["author"])
    before = len(smtp_server.messages)
    tick()
    assert "rita@example.org" not in [m["To"] for m in smtp_server.messages[before:]]
    assert len(smtp_server.messages) - before == 2  # the author and Vera (a resident) still get theirs


def test_a_queued_mail_of_a_kind_turned_off_before_sending_is_cancelled(world, smtp_server, app):
    queue_round_notices()
    db.session.commit()
    set_kind_enabled(world["vera"].id, "voting_opens", False)
    db.session.commit()
    report = send_queued()
    assert (report.sent, report.cancelled) == (2, 1)
    assert "vera@example.org" not in [m["To"] for m in smtp_server.messages]


def test_mail_settings_page_turns_kinds_on_and_off(world, client_for, db_session):
    client = client_for(world["rita"])
    page = client.get("/account/mail").get_data(as_text=True)
    assert page.count('type="checkbox"') == 4 and page.count("checked") == 4
    response = client.post_form("/account/mail", {"voting_opens": "y", "results_published": "y"},
                                token_page="/account/mail")
    assert response.status_code == 303
    off = set(db.session.scalars(select(NoticeOptOut.kind).where(NoticeOptOut.user_id == world["rita"].id)))
    assert off == {"voting_closing", "feasibility_decision"}
    assert client.get("/account/mail").get_data(as_text=True).count("checked") == 2
    assert client.post("/account/mail", data={"voting_opens": "y"}).status_code == 400  # no CSRF token


def test_a_failed_send_is_retried_at_a_later_tick(world, app, smtp_server):
    queue_round_notices()
    db.session.commit()
    app.config["MAIL_PORT"] = smtp_server.port + 1 if smtp_server.port < 65535 else 1  # nobody listens there
    report = send_queued()
    assert (report.sent, report.retrying) == (0, 3)
    assert send_queued().retrying == 0  # not due again yet
    mail = db.session.scalar(select(OutgoingMail).limit(1))
    assert mail.status == MailStatus.QUEUED.value and mail.attempts == 1 and "Could not deliver" in mail.last_error

    app.config["MAIL_PORT"] = smtp_server.port
    report = send_queued(now=utcnow() + timedelta(minutes=3))
    assert report.sent == 3 and len(smtp_server.messages) == 3
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)
                             .where(OutgoingMail.status == MailStatus.SENT.value, OutgoingMail.attempts == 2)) == 3


def test_two_ticks_at_once_queue_and_send_every_notice_exactly_once(app, organisation, author, create_user,
                                                                    smtp_server):
    voting = make_voting_round(organisation, author)
    for number in range(40):
        make_voter(voting.round, create_user(email=f"voter{number}@example.org"), "North")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_tick() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                queue_round_notices()
                send_queued()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=one_tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    recipients = [m["To"] for m in smtp_server.messages]
    assert len(recipients) == 41 and len(set(recipients)) == 41  # 40 voters and the author, each once
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)
                             .where(OutgoingMail.status == MailStatus.SENT.value)) == 41
