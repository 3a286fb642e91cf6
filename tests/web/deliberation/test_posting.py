"""Residents post comments with a stance and reply in threads to depth 3; bad input stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.deliberation.models import Comment
from pbvote.proposals.models import Proposal
from tests.web.proposals.factories import make_proposal

from .conftest import post


def count_comments(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_a_resident_posts_a_comment_without_javascript(proposal, bob, client_for, db):
    client = client_for(bob)
    response = post(client, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Yes, **please**!"})
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert response.headers["Location"].endswith(f"/comments/{comment.id}")
    assert (comment.stance, comment.body, comment.depth, comment.root_id) == ("for", "Yes, **please**!", 1, comment.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>please</strong>" in page
    assert 'data-focus' in page
    assert db.session.get(Proposal, proposal.id).comment_count == 1


def test_htmx_posting_returns_the_discussion_only(proposal, bob, client_for, db):
    client = client_for(bob)
    response = post(client, f"/proposals/{proposal.id}/comments", {"stance": "question", "body": "How big?"}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "How big?" in html and "Your comment is posted." in html
    assert "HX-Request" in response.headers["Vary"]


def test_replies_nest_to_depth_three_then_attach_with_a_replying_to_link(proposal, bob, carol, client_for, db):
    client = client_for(bob)
    url = f"/proposals/{proposal.id}/comments"
    parent = None
    for level in range(1, 5):
        data = {"stance": "neutral", "body": f"Level {level}"}
        if parent is not None:
            data["parent_id"] = str(parent.id)
        assert post(client, url, data).status_code == 303
        parent = db.session.scalar(select(Comment).order_by(Comment.id.desc()))
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [c.depth for c in comments] == [1, 2, 3, 3]
    assert comments[3].parent_id == comments[1].id and comments[3].reply_to_id == comments[2].id
    assert {c.root_id for c in comments} == {comments[0].id}
    page = client.get(f"/proposals/{proposal.id}/discussion").get_data(as_text=True)
    assert f'Replying to <a href="/comments/{comments[2].id}">' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stance": "for", "body": ""}, "Write something before posting."),
        ({"stance": "for", "body": "   \n  "}, "Write something before posting."),
        ({"stance": "for", "body": "x" * 10_000}, "Keep your comment under 5,000 characters"),
        ({"stance": "maybe", "body": "Hmm"}, "Choose whether you are for, against"),
        ({"body": "No stance"}, "Choose whether you are for, against"),
        ({"stance": "for", "body": "Hi", "parent_id": "abc"}, "not part of this proposal"),
        ({"stance": "for", "body": "Hi", "parent_id": "99999999999"}, "not part of this proposal"),
    ],
)
def test_bad_comments_are_refused_with_a_message_and_nothing_is_stored(proposal, bob, client_for, db, data, message):
    client = client_for(bob)
    response = post(client, f"/proposals/{proposal.id}/comments", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_comments(db) == 0


def test_a_reply_to_a_comment_of_another_proposal_is_refused(round_, proposal, alice, bob, client_for, create_comment, db):
    other = make_proposal(round_, alice, title="Elsewhere")
    foreign = create_comment(other, alice)
    response = post(client_for(bob), f"/proposals/{proposal.id}/comments",
                    {"stance": "for", "body": "Hi", "parent_id": str(foreign.id)})
    assert response.status_code == 422
    assert "not part of this proposal" in response.get_data(as_text=True)
    assert count_comments(db) == 1


@pytest.mark.parametrize("state", ["draft", "tallied", "published"])
def test_posting_outside_the_discussion_phases_is_refused(create_user, organisation, alice, bob, client_for, db, state):
    from tests.web.proposals.factories import make_round

    round_ = make_round(organisation, state=state)
    proposal = make_proposal(round_, alice)
    council = create_user(roles=("council",))  # drafts are visible only to the council
    client = client_for(council if state == "draft" else bob)
    response = post(client, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Hello"})
    assert response.status_code == 422
    assert "read-only while the round is in the" in response.get_data(as_text=True)
    assert count_comments(db) == 0


def test_a_withdrawn_proposal_keeps_its_thread_read_only(round_, alice, bob, client_for, create_comment, db):
    proposal = make_proposal(round_, alice, status="withdrawn")
    create_comment(proposal, bob, body="Before it was withdrawn")
    client = client_for(bob)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Before it was withdrawn" in page and "its discussion is read-only" in page
    assert 'name="body"' not in page
    response = post(client, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Again"})
    assert response.status_code == 422 and count_comments(db) == 1


def test_the_council_chooses_the_phases_with_posting(round_, proposal, create_user, bob, client_for, db):
    council = create_user(roles=("council",))
    url = f"/rounds/{round_.id}/discussion-settings"
    response = post(client_for(council), url, {"comment_states": ["deliberation"], "flag_threshold": "2",
                                              "premoderate_first": "0"}, token_page=url)
    assert response.status_code == 303
    response = post(client_for(bob), f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Hello"})
    assert response.status_code == 422 and count_comments(db) == 0


def test_anonymous_visitors_read_but_are_asked_to_sign_in(proposal, bob, client, create_comment):
    create_comment(proposal, bob, body="Public opinion")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Public opinion" in page and "to take part in the discussion" in page


def test_pages_are_keyset_paginated_in_each_order(proposal, bob, carol, client, create_comment, db):
    made = [create_comment(proposal, bob, body=f"Comment number {n}") for n in range(25)]
    made[3].helpful_count = 5
    made[20].helpful_count = 2
    db.session.commit()
    first = client.get(f"/proposals/{proposal.id}/discussion").get_data(as_text=True)
    assert "<p>Comment number 0</p>" in first and "<p>Comment number 19</p>" in first and "<p>Comment number 20</p>" not in first
    assert f"after={made[19].id}" in first
    second = client.get(f"/proposals/{proposal.id}/discussion?after={made[19].id}").get_data(as_text=True)
    assert "<p>Comment number 20</p>" in second and "<p>Comment number 19</p>" not in second and "More comments" not in second
    newest = client.get(f"/proposals/{proposal.id}/discussion?sort=newest").get_data(as_text=True)
    assert newest.index("<p>Comment number 24</p>") < newest.index("<p>Comment number 23</p>")
    helpful = client.get(f"/proposals/{proposal.id}/discussion?sort=helpful").get_data(as_text=True)
    assert helpful.index("<p>Comment number 3</p>") < helpful.index("<p>Comment number 20</p>") < helpful.index("<p>Comment number 24</p>")
    for cursor in ("x", "1.2.3", "-1", "99999999999999"):
        assert client.get(f"/proposals/{proposal.id}/discussion?sort=helpful&after={cursor}").status_code == 200


def test_a_permalink_opens_the_page_of_its_thread_with_the_comment_focused(proposal, bob, client, create_comment):
    made = [create_comment(proposal, bob, body=f"Comment number {n}") for n in range(30)]
    reply = create_comment(proposal, bob, body="A late reply", parent=made[27])
    page = client.get(f"/comments/{reply.id}").get_data(as_text=True)
    assert "<p>Comment number 27</p>" in page and "A late reply" in page and "<p>Comment number 26</p>" not in page
    assert f'id="comment-{reply.id}" tabindex="-1" data-focus' in page
