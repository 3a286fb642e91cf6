"""Flags hide a comment pending review; moderators decide in public; authors appeal once; blocks are explained."""

from __future__ import annotations

from sqlalchemy import func, select

from pbvote.deliberation.models import Comment, Flag, ModerationAction, Notification
from pbvote.rounds.events import round_events, verify_chain

from .conftest import post


def flag(client, comment, reason="abuse", details=""):
    return post(client, f"/comments/{comment.id}/flag", {"reason": reason, "details": details})


def test_three_flags_from_different_people_hide_a_comment_pending_review(proposal, alice, bob, carol, create_user,
                                                                      client_for, create_comment, client, db):
    comment = create_comment(proposal, bob, body="Rude words here")
    dave = create_user(display_name="Dave")
    for person in (alice, carol):
        assert flag(client_for(person), comment).status_code == 303
    db.session.refresh(comment)
    assert comment.status == "visible"
    assert flag(client_for(dave), comment, "other", "It insults a neighbour").status_code == 303
    db.session.refresh(comment)
    assert comment.status == "flagged"
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hidden pending review" in page and "Rude words here" not in page
    log = client.get(f"/rounds/{proposal.round_id}/moderation-log").get_data(as_text=True)
    assert "Hidden pending review" in log
    for name in ("Alice", "Carol", "Dave"):
        assert name not in log
    assert round_events(proposal.round_id)[-1].kind == "comment_auto_hidden"


def test_flagging_twice_or_without_a_reason_is_refused(proposal, bob, carol, client_for, create_comment, db):
    comment = create_comment(proposal, bob)
    client = client_for(carol)
    assert flag(client, comment).status_code == 303
    second = flag(client, comment)
    assert second.status_code == 422 and "already flagged" in second.get_data(as_text=True)
    for data, message in (({"reason": "nonsense"}, "Choose why"), ({"reason": "other"}, "Tell the moderators"),
                          ({"reason": "spam", "details": "x" * 1001}, "under 1,000")):
        response = post(client_for(bob), f"/comments/{comment.id}/flag", data)
        assert response.status_code == 422, data
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_a_moderator_hides_with_a_public_reason_then_restores_after_an_appeal(
        proposal, bob, moderator, client_for, create_comment, client, db, mail_outbox):
    comment = create_comment(proposal, bob, body="Heated words")
    mod = client_for(moderator)
    response = post(mod, f"/comments/{comment.id}/moderate", {"decision": "hidden", "reason": "Personal attack"})
    assert response.status_code == 303
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Hidden by moderation: Personal attack" in page and "Heated words" not in page
    assert "Heated words" not in client.get(f"/comments/{comment.id}").get_data(as_text=True)
    assert "Heated words" not in client.get(f"/comments/{comment.id}/versions").get_data(as_text=True)
    partial = client.get(f"/proposals/{proposal.id}/discussion", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Hidden by moderation: Personal attack" in partial and "Heated words" not in partial
    listing = client.get(f"/rounds/{proposal.round_id}/proposals", headers={"HX-Request": "true"})
    assert "Heated words" not in listing.get_data(as_text=True)
    author = client_for(bob)
    notes = author.get("/notifications").get_data(as_text=True)
    assert "A moderator hid your comment" in notes and "Personal attack" in notes and "Heated words" not in notes

    assert post(author, f"/comments/{comment.id}/appeal", {"text": "It was fair criticism"}).status_code == 303
    again = post(author, f"/comments/{comment.id}/appeal", {"text": "Please"})
    assert again.status_code == 422 and "appealed once" in again.get_data(as_text=True)
    queue = mod.get(f"/rounds/{proposal.round_id}/moderation").get_data(as_text=True)
    assert "Appealed" in queue and "It was fair criticism" in queue

    assert post(mod, f"/comments/{comment.id}/moderate", {"decision": "restored", "reason": ""}).status_code == 303
    assert "Heated words" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    log = client.get(f"/rounds/{proposal.round_id}/moderation-log").get_data(as_text=True)
    assert log.index("Restored") < log.index("Hidden by moderation") and "Personal attack" in log
    kinds = [event.kind for event in round_events(proposal.round_id)]
    assert kinds[-2:] == ["comment_hidden", "comment_restored"]
    assert verify_chain(proposal.round_id).ok


def test_hiding_needs_a_reason_and_decisions_must_fit_the_status(proposal, bob, moderator, client_for, create_comment, db):
    comment = create_comment(proposal, bob)
    mod = client_for(moderator)
    response = post(mod, f"/comments/{comment.id}/moderate", {"decision": "hidden", "reason": " "})
    assert response.status_code == 422 and "Give the public reason" in response.get_data(as_text=True)
    response = post(mod, f"/comments/{comment.id}/moderate", {"decision": "restored"})
    assert response.status_code == 422
    response = post(mod, f"/comments/{comment.id}/moderate", {"decision": "explode"})
    assert response.status_code == 422
    assert db.session.get(Comment, comment.id).status == "visible"
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_pre_moderation_holds_a_new_accounts_first_posts(round_, proposal, create_user, bob, carol, moderator,
                                                         client_for, client, db):
    council = create_user(roles=("council",))
    url = f"/rounds/{round_.id}/discussion-settings"
    post(client_for(council), url, {"comment_states": ["proposals"], "flag_threshold": "3", "premoderate_first": "1"},
         token_page=url)
    author = client_for(bob)
    response = post(author, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "My first post"})
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert comment.status == "pending"
    assert "Awaiting moderation" in author.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "My first post" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "My first post" not in client_for(carol).get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert client.get(f"/comments/{comment.id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0  # nobody told of a hidden post
    assert "My first post" in client_for(moderator).get(f"/rounds/{round_.id}/moderation").get_data(as_text=True)

    post(client_for(moderator), f"/comments/{comment.id}/moderate", {"decision": "approved"})
    assert "My first post" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert db.session.scalar(select(Notification.text).where(Notification.user_id == proposal.author_id))
    second = post(author, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Second post"})
    assert second.status_code == 303
    assert db.session.scalar(select(Comment).order_by(Comment.id.desc())).status == "visible"


def test_a_blocked_author_is_told_why_and_cannot_post(proposal, bob, moderator, client_for, create_comment, db):
    comment = create_comment(proposal, bob)
    mod = client_for(moderator)
    response = post(mod, f"/comments/{comment.id}/block", {"days": "7", "justification": "Repeated insults"})
    assert response.status_code == 303
    author = client_for(bob)
    page = author.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "blocked from posting here until" in page and "Repeated insults" in page
    response = post(author, f"/proposals/{proposal.id}/comments", {"stance": "for", "body": "Let me in"})
    assert response.status_code == 403 and "Repeated insults" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
    assert "blocked you from posting" in author.get("/notifications").get_data(as_text=True)
    assert round_events(proposal.round_id)[-1].kind == "author_blocked"


def test_blocks_need_a_justification_and_a_sane_period(proposal, bob, moderator, client_for, create_comment, db):
    from pbvote.deliberation.models import PostingBlock

    comment = create_comment(proposal, bob)
    mod = client_for(moderator)
    for data in ({"days": "7", "justification": ""}, {"days": "0", "justification": "x"},
                 {"days": "9999", "justification": "x"}, {"days": "soon", "justification": "x"}):
        assert post(mod, f"/comments/{comment.id}/block", data).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(PostingBlock)) == 0
