"""Every moderation action × every role: only moderators and council of the round's organisation succeed
(the discussion rules: only the council)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.deliberation.models import ModerationAction, PostingBlock

ROLES = ("anonymous", "resident", "author", "moderator", "council", "council_elsewhere", "auditor")
ALLOWED = {"moderator", "council"}

#: (name, method, path template, form data, status of the comment before)
ACTIONS = [
    ("queue", "GET", "/rounds/{round_id}/moderation", None, "visible"),
    ("decision page", "GET", "/comments/{comment_id}/moderate", None, "visible"),
    ("approve", "POST", "/comments/{comment_id}/moderate", {"decision": "approved"}, "flagged"),
    ("hide", "POST", "/comments/{comment_id}/moderate", {"decision": "hidden", "reason": "Rude"}, "visible"),
    ("restore", "POST", "/comments/{comment_id}/moderate", {"decision": "restored"}, "hidden"),
    ("block", "POST", "/comments/{comment_id}/block", {"days": "3", "justification": "Rude"}, "visible"),
]


@pytest.fixture
def people(create_user, create_organisation, bob):
    elsewhere = create_organisation(slug="elsewhere")
    return {
        "resident": create_user(),
        "author": bob,
        "moderator": create_user(roles=("moderator",)),
        "council": create_user(roles=("council",)),
        "council_elsewhere": create_user(roles=("council",), organisation=elsewhere),
        "auditor": create_user(roles=("auditor",)),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "data", "status"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_moderation_action_by_role(app, proposal, bob, people, client_for, create_comment, db, role, name, method,
                                   path, data, status):
    comment = create_comment(proposal, bob, status=status, reason="Earlier" if status == "hidden" else None)
    client = app.test_client() if role == "anonymous" else client_for(people[role])
    url = path.format(round_id=proposal.round_id, comment_id=comment.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={**data, "csrf_token": client.csrf_token()})
    actions = db.session.scalar(select(func.count()).select_from(ModerationAction))
    blocks = db.session.scalar(select(func.count()).select_from(PostingBlock))
    db.session.refresh(comment)
    if role in ALLOWED:
        assert response.status_code in (200, 303), f"{role} {name}: {response.status_code}"
        if method == "POST":
            assert actions == 1
    else:
        assert not 200 <= response.status_code < 300, f"{role} {name}: unexpected {response.status_code}"
        if role == "anonymous":
            assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == 403, f"{role} {name}: {response.status_code}"
        assert (actions, blocks, comment.status) == (0, 0, status)


def test_only_council_changes_the_discussion_rules(round_, people, client_for, db):
    from pbvote.deliberation.models import DeliberationSettings

    url = f"/rounds/{round_.id}/discussion-settings"
    data = {"comment_states": ["voting"], "flag_threshold": "5", "premoderate_first": "2"}
    for role in ("resident", "moderator", "council_elsewhere", "auditor"):
        client = client_for(people[role])
        assert client.get(url).status_code == 403
        assert client.post(url, data={**data, "csrf_token": client.csrf_token()}).status_code == 403
    assert db.session.get(DeliberationSettings, round_.id) is None
    client = client_for(people["council"])
    assert client.post(url, data={**data, "csrf_token": client.csrf_token()}).status_code == 303
    settings = db.session.get(DeliberationSettings, round_.id)
    assert (settings.comment_states, settings.flag_threshold, settings.premoderate_first) == (["voting"], 5, 2)
