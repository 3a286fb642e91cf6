"""The demo's published round shows delivery: updates on its funded projects (one over its cost, one cancelled
with its reason), the demo moderator follows one and is notified, and the round's log still verifies."""

from __future__ import annotations

from pbvote.accountability.models import ProgressUpdate
from pbvote.accountability.operations import UPDATE_POSTED
from pbvote.deliberation.models import Notification
from pbvote.demo import DEMO_PASSWORD, seed_demo
from pbvote.rounds.events import round_events, verify_chain


def test_the_demo_shows_progress_on_the_funded_projects(app, client, auth, db):
    seed_demo()
    data = seed_demo()  # idempotent
    round_id = data.results_round_id
    updates = db.session.query(ProgressUpdate).filter_by(round_id=round_id).all()
    assert len(updates) == 4 and {u.status for u in updates} == {"planned", "in_progress", "delivered", "cancelled"}
    assert len([e for e in round_events(round_id) if e.kind == UPDATE_POSTED]) == 4
    assert verify_chain(round_id).ok

    page = client.get(f"/rounds/{round_id}/delivery").get_data(as_text=True)
    assert "over cost" in page and "Delivered" in page and "Cancelled" in page and "No update yet" in page
    assert "The river authority refused a permit" in page
    resident, follower = data.users["resident@riverside.example"], data.users["moderator@riverside.example"]
    assert db.session.query(Notification).filter_by(user_id=resident.id, kind="project_update").count() == 4
    assert db.session.query(Notification).filter_by(user_id=follower.id, kind="project_update").count() == 2
    auth.login(follower, DEMO_PASSWORD)
    notifications = client.get("/notifications").get_data(as_text=True)
    assert "Progress on" in notifications
