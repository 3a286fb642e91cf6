"""pbvote's mails really leave: over SMTP to a real (local) server, or as .eml files in the outbox folder."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from pbvote import mail
from tests.conftest import free_port

from .conftest import link_path


class TestSMTPDelivery:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"MAIL_BACKEND": "smtp", "MAIL_HOST": smtp_server.host, "MAIL_PORT": smtp_server.port}

    def test_registration_mail_goes_through_a_real_smtp_exchange(self, client, organisation, smtp_server, db):
        response = client.post_form(
            "/register",
            {"email": "smtp@example.org", "display_name": "Sam", "password": "twelve chars ok",
             "password_again": "twelve chars ok"},
            token_page="/register",
        )
        assert response.status_code == 303

        (message,) = smtp_server.messages
        assert message["X-Envelope-To"] == "smtp@example.org"
        assert message["Subject"] == "Confirm your email address for pbvote"
        assert message["From"] == "pbvote <no-reply@pbvote.localhost>"
        confirm_path = link_path(message, "/confirm/")
        assert client.post_form(confirm_path, token_page=confirm_path).status_code == 303

    def test_an_unreachable_server_is_reported_as_a_mail_error(self, app):
        app.config["MAIL_PORT"] = free_port()  # nothing listens there
        with app.test_request_context(), pytest.raises(mail.MailError):
            mail.send_mail("someone@example.org", "Hello", "Body")


class TestOutboxFolder:
    @pytest.fixture
    def app_config(self):
        return {"MAIL_BACKEND": "outbox"}

    def test_mails_are_written_as_eml_files_into_instance_outbox(self, app):
        with app.test_request_context():
            mail.send_mail("reader@example.org", "Your link", "Open https://example.org/x")

        files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
        assert files, "no .eml file written"
        newest = max(files, key=lambda path: path.stat().st_mtime)
        message = message_from_bytes(newest.read_bytes())
        assert message["To"] == "reader@example.org" and message["Subject"] == "Your link"
        assert "https://example.org/x" in message.get_payload(decode=True).decode()


def test_an_unknown_backend_is_an_error_not_a_silent_loss(app):
    app.config["MAIL_BACKEND"] = "carrier-pigeon"
    with app.test_request_context(), pytest.raises(mail.MailError, match="carrier-pigeon"):
        mail.send_mail("someone@example.org", "Hello", "Body")


def test_a_failing_mail_server_does_not_break_registration(client, organisation, app, monkeypatch):
    def broken(*args, **kwargs):
        raise mail.MailError("server down")

    monkeypatch.setattr("pbvote.accounts.operations.send_mail", broken)
    response = client.post_form(
        "/register",
        {"email": "x@example.org", "display_name": "X", "password": "twelve chars ok",
         "password_again": "twelve chars ok"},
        token_page="/register",
    )
    assert response.status_code == 303
