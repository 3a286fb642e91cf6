"""Links in mail come from the configured site address, never from the request's Host header (issue 16 item 3).

A reset requested with ``Host: evil.example`` used to mail ``http://evil.example/reset-password/<token>``:
whoever owns evil.example received the victim's token. Now every mailed link is built from ``SERVER_NAME`` and
``PREFERRED_URL_SCHEME``, and production refuses requests for hosts outside ``TRUSTED_HOSTS``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PbvoteClient
from tests.web.accounts.conftest import LINK, mail_body

SITE = "pb.example.org"
EVIL = "evil.example"


@pytest.fixture(params=["configured", "unset"])
def site(request) -> str:
    """The configured site address (production, the demo), or none at all (development: links say localhost)."""
    return f"https://{SITE}" if request.param == "configured" else "http://localhost"


@pytest.fixture
def app_config(site):
    if site == "http://localhost":
        return {"SERVER_NAME": None, "PREFERRED_URL_SCHEME": "http"}
    return {"SERVER_NAME": SITE, "PREFERRED_URL_SCHEME": "https"}


def links(message) -> list[str]:
    return LINK.findall(mail_body(message))


def assert_only_links_to(site: str, message) -> None:
    found = links(message)
    assert found, mail_body(message)
    for url in found:
        assert url.startswith(f"{site}/"), f"{url} does not point to the configured site {site}"
        assert EVIL not in url


class EvilHostClient(PbvoteClient):
    """A browser pointed at pbvote through another name: every request says ``Host: evil.example``."""

    def open(self, *args, **kwargs):
        # Over https Flask-WTF also wants a same-origin Referer, which the attacker's browser sends.
        kwargs["headers"] = {"Host": EVIL, "Referer": f"https://{EVIL}/", **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


@pytest.fixture
def evil_client(app):
    """A client whose every request says ``Host: evil.example`` (cookies follow that host)."""
    return EvilHostClient(app, app.response_class, use_cookies=True)


def test_a_reset_requested_through_another_host_mails_a_link_to_the_real_site(evil_client, create_user, mail_outbox,
                                                                             site):
    create_user(email="victim@example.org")

    response = evil_client.post_form("/reset-password", {"email": "victim@example.org"})

    assert response.status_code == 303
    (message,) = mail_outbox
    assert_only_links_to(site, message)
    assert re.search(rf"{re.escape(site)}/reset-password/\S+", mail_body(message))


def test_registration_mails_link_to_the_real_site(evil_client, organisation, create_user, mail_outbox, site):
    create_user(email="taken@example.org")
    for email in ("new@example.org", "taken@example.org"):  # confirmation, and the "already registered" notice
        evil_client.post_form("/register", {"email": email, "display_name": "New", "password": "a long password 1",
                                            "password_again": "a long password 1"})
    assert len(mail_outbox) == 2
    for message in mail_outbox:
        assert_only_links_to(site, message)


def test_co_author_invitations_and_merge_notices_link_to_the_real_site(app, db, create_user, mail_outbox, site):
    from pbvote.proposals import operations
    from tests.web.proposals.factories import make_proposal, make_round

    author = create_user(email="alice@example.org")
    council = create_user(email="clerk@example.org", roles=("council",))
    round_ = make_round(author.organisation)
    proposal = make_proposal(round_, author)
    with app.test_request_context("/", headers={"Host": EVIL}):
        operations.invite_coauthor(proposal, author, "bob@example.org")
        round_.state = "review"
        other = make_proposal(round_, author)
        operations.merge_proposals(proposal, other, council, "The same bench.")
    assert len(mail_outbox) == 2
    for message in mail_outbox:
        assert_only_links_to(site, message)


def test_voter_letters_print_the_real_site(app, db, create_user, auth, evil_client, site):
    from tests.web.rounds.factories import make_round

    council = create_user(email="clerk@example.org", roles=("council",))
    round_ = make_round(council.organisation, state="proposals")
    auth.login(council, client=evil_client)
    response = evil_client.post_form(f"/rounds/{round_.id}/voters/codes", {
        "count": "1", "district_id": str(round_.districts[0].id), "output": "pdf",
    })
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert EVIL not in text
    assert f"{site}/rounds/{round_.id}/code" in text


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages of a reportlab PDF (its page streams are zlib-compressed)."""
    import base64
    import zlib

    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        for decode in (zlib.decompress, lambda raw: zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))):
            try:
                text.append(decode(stream).decode("latin-1"))
                break
            except (zlib.error, ValueError):
                continue
    return "".join(text)


def test_no_code_builds_an_external_link_from_the_request():
    """Every external link goes through pbvote.mail.external_url (a ``_external=True`` would use the Host)."""
    package = Path(__file__).resolve().parents[2] / "pbvote"
    offenders = [
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if re.search(r"_external\s*=", path.read_text(encoding="utf-8")) and path.name != "mail.py"
    ]
    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders += [str(path) for path in templates.rglob("*") if path.is_file() and "_external" in path.read_text()]
    assert not offenders, f"use pbvote.mail.external_url instead of url_for(..., _external=True) in {offenders}"


class TestProduction:
    """Production refuses requests for other hosts and will not start without knowing its own address."""

    @pytest.fixture
    def app_config(self):
        return {"SERVER_NAME": SITE, "PREFERRED_URL_SCHEME": "https", "TRUSTED_HOSTS": [SITE, ".internal.example"]}

    def test_unknown_hosts_are_refused(self, client):
        assert client.get("/", headers={"Host": SITE}).status_code == 200
        assert client.get("/", headers={"Host": "app1.internal.example:8000"}).status_code == 200
        refused = client.get("/", headers={"Host": EVIL})
        assert refused.status_code == 400
        assert "Traceback" not in refused.get_data(as_text=True)
        assert client.post("/reset-password", data={"email": "x@example.org"}, headers={"Host": EVIL}).status_code == 400


def test_production_trusts_only_its_server_name_by_default(monkeypatch):
    from pbvote import create_app

    monkeypatch.setenv("PBVOTE_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PBVOTE_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("PBVOTE_SERVER_NAME", "pb.example.org:8443")
    app = create_app("production")
    assert app.config["TRUSTED_HOSTS"] == ["pb.example.org"]
    monkeypatch.setenv("PBVOTE_TRUSTED_HOSTS", "pb.example.org, 10.0.0.5")
    assert create_app("production").config["TRUSTED_HOSTS"] == ["pb.example.org", "10.0.0.5"]


def test_production_does_not_start_without_a_server_name(monkeypatch):
    from pbvote import create_app
    from pbvote.config import ConfigError

    monkeypatch.setenv("PBVOTE_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PBVOTE_DATABASE_URL", "sqlite://")
    with pytest.raises(ConfigError, match="PBVOTE_SERVER_NAME"):
        create_app("production")


def test_the_demo_links_to_its_bind_address(tmp_path):
    from pbvote.cli import demo_overrides

    overrides = demo_overrides(tmp_path, "127.0.0.1", 8123)
    assert overrides["SERVER_NAME"] == "127.0.0.1:8123"
    assert overrides["PREFERRED_URL_SCHEME"] == "http"
    assert overrides["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'pbvote.sqlite3'}"
