"""Helpers for the account stories: reading links out of the mails pbvote sends."""

from __future__ import annotations

import re
from email.message import Message
from urllib.parse import urlsplit

import pytest

LINK = re.compile(r"https?://\S+")


def mail_body(message: Message) -> str:
    """The plain-text body of a mail."""
    if message.is_multipart():
        message = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def link_path(message: Message, contains: str) -> str:
    """The path of the first link in ``message`` whose URL contains ``contains``."""
    for url in LINK.findall(mail_body(message)):
        if contains in url:
            return urlsplit(url).path
    raise AssertionError(f"no link containing {contains!r} in:\n{mail_body(message)}")


@pytest.fixture
def mails_to(mail_outbox):
    """``mails_to(address)`` → the mails sent to that address, oldest first."""

    def find(address: str) -> list[Message]:
        return [message for message in mail_outbox if message["To"] == address]

    return find
