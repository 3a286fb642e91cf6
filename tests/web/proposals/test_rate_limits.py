"""Co-author invitations send mail to any address, so their form is rate limited."""

import pytest


@pytest.fixture
def app_config() -> dict:
    """A low limit, so the test reaches it quickly."""
    return {"RATELIMIT_INVITE": "2 per minute"}


def test_inviting_too_often_is_refused_with_429(round_, alice, create_proposal, client_for, mail_outbox):
    proposal = create_proposal(round_, alice)
    client = client_for(alice)
    url = f"/proposals/{proposal.id}/coauthors"
    token = client.csrf_token(url)
    for number in (1, 2):
        assert client.post(url, data={"email": f"friend{number}@example.org", "csrf_token": token}).status_code == 303
    response = client.post(url, data={"email": "friend3@example.org", "csrf_token": token})
    assert response.status_code == 429
    assert len(mail_outbox) == 2
