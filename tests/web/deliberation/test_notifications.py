"""In-app notifications with a count in the header, and the daily digest mailed by ``pbvote tick``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from pbvote.deliberation.models import MailPreference, Notification, utcnow

from .conftest import post


def tick(app):
    from pbvote.cli import main

    return CliRunner().invoke(main, ["tick"], obj=ScriptInfo(create_app=lambda: app))


def test_replies_comments_on_own_and_followed_proposals_notify_once_each(proposal, alice, bob, carol, client_for, db):
    follower = client_for(carol)
    post(follower, f"/proposals/{proposal.id}/follow", {})
    post(client_for(alice), f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "My own idea"})
    first = db.session.scalar(select(Notification).where(Notification.user_id == carol.id))
    assert "Alice commented on “A playground”, which you follow" in first.text
    parent_id = first.url.rsplit("/", 1)[1]
    post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "against", "body": "Too loud",
                                                                  "parent_id": parent_id})
    texts = {n.user_id: n.text for n in db.session.scalars(select(Notification).order_by(Notification.id))}
    assert texts[alice.id] == "Bob replied to your comment on “A playground”."
    assert db.session.query(Notification).filter_by(user_id=alice.id).count() == 1
    assert db.session.query(Notification).filter_by(user_id=bob.id).count() == 0

    author = client_for(alice)
    home = author.get("/").get_data(as_text=True)
    assert 'Notifications <span class="badge">1<span class="visually-hidden"> unread</span>' in home
    page = author.get("/notifications").get_data(as_text=True)
    assert "Bob replied to your comment" in page and "New:" in page
    assert post(author, "/notifications/read", {}).status_code == 303
    assert 'class="badge"' not in author.get("/").get_data(as_text=True)


@pytest.fixture
def smtp_app_config(smtp_server):
    return {"MAIL_BACKEND": "smtp", "MAIL_HOST": smtp_server.host, "MAIL_PORT": smtp_server.port}


@pytest.fixture
def app_config(request):
    """SMTP through the real test server for the digest tests (the others keep the memory backend)."""
    if "digest" in request.node.name:
        return request.getfixturevalue("smtp_app_config")
    return {}


def test_the_daily_digest_goes_by_smtp_once_a_day_with_a_working_unsubscribe_link(
        app, proposal, alice, bob, client_for, db, smtp_server):
    settings = client_for(alice)
    assert post(settings, "/notifications/settings", {"daily_digest": "y"}).status_code == 303
    post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "against", "body": "Secret words"})
    result = tick(app)
    assert result.exit_code == 0, result.output
    assert "1 notification digest mailed" in result.output
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "alice@example.org" and "1 new notification" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "Bob commented on your proposal “A playground”." in body and "Secret words" not in body
    assert "http://localhost/comments/" in body  # SERVER_NAME unset: localhost

    post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "More"})
    tick(app)
    assert len(smtp_server.messages) == 1  # at most one digest a day
    db.session.get(MailPreference, alice.id).last_digest_at = utcnow() - timedelta(days=1, minutes=1)
    db.session.commit()
    tick(app)
    assert len(smtp_server.messages) == 2
    assert "More" not in smtp_server.messages[1].get_payload(decode=True).decode()

    link = next(line for line in body.splitlines() if "/notifications/unsubscribe/" in line)
    anonymous = app.test_client()
    page = anonymous.get(link.strip().replace("http://localhost", ""))
    assert page.status_code == 200 and "You are unsubscribed" in page.get_data(as_text=True)
    assert db.session.get(MailPreference, alice.id).daily_digest is False
    assert anonymous.get("/notifications/unsubscribe/forged.token").status_code == 404


def test_no_digest_unless_asked_for(app, proposal, alice, bob, client_for, mail_outbox):
    post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Hello"})
    assert tick(app).exit_code == 0
    assert mail_outbox == []
