"""The demo's discussions show everything deliberation does, and seeding twice adds nothing."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from pbvote.deliberation import operations
from pbvote.deliberation.demo import seed_threads
from pbvote.deliberation.models import Comment
from pbvote.proposals.demo import seed_proposals
from tests.web.proposals.factories import make_round


def test_demo_threads_show_every_feature_and_are_seeded_once(create_organisation, create_user, db, client):
    riverside = create_organisation(slug="riverside", name="Riverside")
    users = {email: create_user(email=email, organisation=riverside, roles=roles) for email, roles in (
        ("resident@riverside.example", ("resident",)), ("moderator@riverside.example", ("resident", "moderator")),
        ("council@riverside.example", ("resident", "council")))}
    data = SimpleNamespace(organisations={"riverside": riverside}, users=users)
    round_ = make_round(riverside, state="deliberation", districts=("Old Town", "North", "Harbour"),
                        categories=("Parks", "Streets", "Culture", "Youth"), min_cost=100_000, max_cost=5_000_000)
    seed_proposals(data)
    seed_threads(data)
    seed_threads(data)

    comments = db.session.scalars(select(Comment).where(Comment.round_id == round_.id)).all()
    assert len(comments) == 14
    assert {c.stance for c in comments} == {"for", "against", "question", "neutral"}
    assert max(c.depth for c in comments) == 3 and any(c.reply_to_id for c in comments)
    assert any(c.edited_at for c in comments)
    hidden = [c for c in comments if c.status == "hidden"]
    assert len(hidden) == 1 and hidden[0].moderation_reason
    queue = operations.moderation_queue(round_)
    assert [item.why for item in queue] == ["flagged"]
    main = hidden[0].proposal_id
    page = client.get(f"/proposals/{main}").get_data(as_text=True)
    assert f"Hidden by moderation: {hidden[0].moderation_reason}" in page and "Replying to" in page
    log = client.get(f"/rounds/{round_.id}/moderation-log").get_data(as_text=True)
    assert hidden[0].moderation_reason in log
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.helpful_count > 0)) == 3
