"""Posting and flagging are rate limited per person, with a friendly page or htmx message."""

import pytest
from sqlalchemy import func, select

from pbvote.deliberation.models import Comment

from .conftest import post


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_COMMENT": "2 per 5 minutes", "RATELIMIT_FLAG": "1 per hour"}


def test_posting_too_often_answers_429_and_stores_nothing(proposal, bob, carol, client_for, db):
    client = client_for(bob)
    url = f"/proposals/{proposal.id}/comments"
    for number in (1, 2):
        assert post(client, url, {"stance": "for", "body": f"Comment {number}"}).status_code == 303
    page = post(client, url, {"stance": "for", "body": "Comment 3"})
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
    htmx = post(client, url, {"stance": "for", "body": "Comment 4"}, htmx=True)
    assert htmx.status_code == 429 and htmx.headers["HX-Retarget"] == "#discussion-status"
    assert "posting very quickly" in htmx.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 2
    # The limit is per person: someone else may still post.
    assert post(client_for(carol), url, {"stance": "for", "body": "Mine"}).status_code == 303


def test_flagging_is_limited_too(proposal, bob, carol, client_for, create_comment):
    first, second = create_comment(proposal, bob), create_comment(proposal, bob)
    client = client_for(carol)
    assert post(client, f"/comments/{first.id}/flag", {"reason": "spam"}).status_code == 303
    assert post(client, f"/comments/{second.id}/flag", {"reason": "spam"}).status_code == 429
