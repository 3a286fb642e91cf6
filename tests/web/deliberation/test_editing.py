"""Authors edit with visible history and delete leaving a placeholder; anyone else marks comments helpful."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.deliberation.models import Comment, CommentRevision, HelpfulMark

from .conftest import post


def test_an_edit_keeps_the_earlier_version_visible(proposal, bob, client_for, create_comment, client, db):
    comment = create_comment(proposal, bob, body="First thoughts", stance="question")
    response = post(client_for(bob), f"/comments/{comment.id}/edit", {"stance": "against", "body": "Second thoughts"})
    assert response.status_code == 303
    db.session.refresh(comment)
    assert (comment.stance, comment.body) == ("against", "Second thoughts") and comment.edited_at is not None
    page = client.get(f"/proposals/{proposal.id}/discussion").get_data(as_text=True)
    assert "Second thoughts" in page and f'href="/comments/{comment.id}/versions">edited</a>' in page
    versions = client.get(f"/comments/{comment.id}/versions").get_data(as_text=True)
    assert "First thoughts" in versions and "Second thoughts" in versions and "Question" in versions


def test_an_unchanged_edit_adds_no_version(proposal, bob, client_for, create_comment, db):
    comment = create_comment(proposal, bob, body="Same")
    assert post(client_for(bob), f"/comments/{comment.id}/edit", {"stance": "for", "body": "Same"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CommentRevision)) == 0


def test_editing_someone_elses_comment_is_forbidden_and_changes_nothing(proposal, bob, carol, client_for, create_comment, db):
    comment = create_comment(proposal, bob, body="Mine")
    client = client_for(carol)
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    assert post(client, f"/comments/{comment.id}/edit", {"stance": "for", "body": "Yours now"}).status_code == 403
    assert post(client, f"/comments/{comment.id}/delete", {}).status_code == 403
    db.session.refresh(comment)
    assert comment.body == "Mine" and comment.status == "visible"


def test_an_invalid_edit_shows_the_message_and_keeps_the_text(proposal, bob, client_for, create_comment, db):
    comment = create_comment(proposal, bob, body="Keep me")
    response = post(client_for(bob), f"/comments/{comment.id}/edit", {"stance": "for", "body": ""})
    assert response.status_code == 422 and "Write something before posting." in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.body == "Keep me"


def test_htmx_edit_swaps_the_comment_in_place(proposal, bob, client_for, create_comment):
    comment = create_comment(proposal, bob, body="Old text")
    client = client_for(bob)
    form = client.get(f"/comments/{comment.id}/edit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert form.lstrip().startswith("<form") and "Old text" in form
    response = post(client, f"/comments/{comment.id}/edit", {"stance": "for", "body": "New text"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<article") and "New text" in html


def test_a_deleted_comment_leaves_a_placeholder_and_its_replies(proposal, bob, carol, client_for, create_comment, client, db):
    comment = create_comment(proposal, bob, body="Regrettable words")
    create_comment(proposal, carol, body="A reply that stays", parent=comment)
    assert post(client_for(bob), f"/comments/{comment.id}/delete", {}).status_code == 303
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Deleted by its author." in page and "A reply that stays" in page and "Regrettable words" not in page
    assert "Regrettable words" not in client.get(f"/comments/{comment.id}/versions").get_data(as_text=True)
    assert db.session.get(Comment, comment.id).body == ""


def test_helpful_is_one_mark_per_person_and_toggles(proposal, bob, carol, client_for, create_comment, db):
    comment = create_comment(proposal, bob)
    client = client_for(carol)
    assert post(client, f"/comments/{comment.id}/helpful", {}).status_code == 303
    db.session.refresh(comment)
    assert comment.helpful_count == 1
    response = post(client, f"/comments/{comment.id}/helpful", {}, htmx=True)
    assert response.status_code == 200 and 'aria-pressed="false"' in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.helpful_count == 0
    assert db.session.scalar(select(func.count()).select_from(HelpfulMark)) == 0


def test_the_database_refuses_a_second_helpful_mark(proposal, bob, carol, create_comment, db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    comment = create_comment(proposal, bob)
    db.session.add(HelpfulMark(comment_id=comment.id, user_id=carol.id))
    db.session.commit()
    db.session.add(HelpfulMark(comment_id=comment.id, user_id=carol.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_nobody_marks_their_own_comment_helpful(proposal, bob, client_for, create_comment, db):
    comment = create_comment(proposal, bob)
    response = post(client_for(bob), f"/comments/{comment.id}/helpful", {}, htmx=True)
    assert response.status_code == 422 and "your own comment" in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.helpful_count == 0


def test_following_toggles_with_and_without_javascript(proposal, bob, client_for, db):
    from pbvote.deliberation.models import Follow

    client = client_for(bob)
    assert post(client, f"/proposals/{proposal.id}/follow", {}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    response = post(client, f"/proposals/{proposal.id}/follow", {}, htmx=True)
    assert "Follow this discussion" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_a_concurrent_duplicate_follow_or_flag_is_absorbed_not_a_crash(proposal, bob, carol, create_comment, db):
    """What a double click does on PostgreSQL: the second insert meets the UNIQUE constraint."""
    from pbvote.deliberation import operations
    from pbvote.deliberation.models import Flag, Follow

    comment = create_comment(proposal, bob)
    db.session.add_all([Follow(user_id=carol.id, proposal_id=proposal.id),
                        Flag(comment_id=comment.id, user_id=carol.id, reason="spam")])
    db.session.commit()
    assert operations._insert_once(Follow(user_id=carol.id, proposal_id=proposal.id)) is False
    assert operations._insert_once(Flag(comment_id=comment.id, user_id=carol.id, reason="abuse")) is False
    db.session.commit()  # the transaction is still usable
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    assert db.session.scalar(select(Flag.reason)) == "spam"
