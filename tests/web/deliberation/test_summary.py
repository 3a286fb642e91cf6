"""The for/against summary: one call for ballot pages, shown on proposal pages and in lists."""

from __future__ import annotations

from pbvote.deliberation.operations import proposal_summaries
from tests.web.proposals.factories import make_proposal


def test_summaries_count_visible_comments_and_quote_the_most_helpful(round_, proposal, alice, bob, create_comment, db):
    other = make_proposal(round_, alice, title="Empty")
    made = {}
    for number, (stance, helpful) in enumerate([("for", 1), ("for", 5), ("for", 3), ("against", 0), ("question", 2)]):
        made[number] = create_comment(proposal, bob, stance=stance, body=f"Argument *{number}*")
        made[number].helpful_count = helpful
    create_comment(proposal, bob, stance="against", body="Hidden insult", status="hidden", reason="Abuse")
    create_comment(proposal, bob, stance="for", body="Pending", status="pending")
    create_comment(proposal, bob, stance="for", body="Flagged", status="flagged")
    db.session.commit()
    summaries = proposal_summaries([proposal.id, other.id])
    summary = summaries[proposal.id]
    assert summary.counts == {"for": 3, "against": 1, "question": 1, "neutral": 0}
    assert [c.excerpt for c in summary.top["for"]] == ["Argument 1", "Argument 2"]
    assert [c.id for c in summary.top["against"]] == [made[3].id]
    assert summary.top["neutral"] == []
    assert summaries[other.id].total == 0
    assert proposal_summaries([]) == {}


def test_proposal_page_and_list_show_real_counts(round_, proposal, bob, create_comment, client, db):
    create_comment(proposal, bob, stance="for", body="Great")
    create_comment(proposal, bob, stance="against", body="Costly")
    create_comment(proposal, bob, stance="against", body="Too costly")
    create_comment(proposal, bob, stance="against", body="Removed", status="hidden", reason="Spam")
    listing = client.get(f"/rounds/{round_.id}/proposals").get_data(as_text=True)
    assert "1 for · 2 against · 0 questions" in listing and "Removed" not in listing
    htmx = client.get(f"/rounds/{round_.id}/proposals?q=playground", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1 for · 2 against" in htmx
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "<li>2 against</li>" in page and "Most helpful against" in page and "Removed" not in page
