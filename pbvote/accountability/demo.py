"""The accountability part of ``pbvote demo``: the council's progress updates on the published Riverside round's
funded projects — one under way (planned, then in progress), one delivered slightly over its cost, one
cancelled with its reason, the rest without an update yet. The demo moderator (a resident too) follows the first
project before its updates, so his notifications show them (the demo resident proposed every project, so hers
show them all). Everything goes through the operations, so the event log and the notifications
are the real ones. Idempotent: a round that already has updates is left alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..deliberation.operations import is_following, toggle_follow
from ..extensions import db
from ..proposals.models import Proposal
from ..rounds.models import Round
from .models import ProgressUpdate
from .operations import UpdateInput, delivery_of, post_update, today_in

#: Per funded project of the demo round (pbvote/results/demo.py): (status, text, spent as % of cost, reason).
STORIES = {
    "Riverside skate park": (
        ("planned", "The council signed the contract; works start once the ground has dried.", 0, ""),
        ("in_progress", ("Works **started**: the site is fenced and the foundations are poured.\n\n"
                        "Next: the ramps, then the surface."), 35, ""),
    ),
    "Harbour allotment gardens": (
        ("delivered", ("Opened to the public: 24 plots, a shed and a water tap. The final bill is a little higher "
                      "than planned because of extra drainage the ground survey asked for."), 104, ""),
    ),
    "River clean-up boat": (
        ("cancelled", "The project is cancelled; its money returns to next year's budget.", 5,
         "The river authority refused a permit for the mooring the boat needs."),
    ),
}


def seed_progress(data: Any, round_id: int) -> None:
    """Post the demo's progress updates on the funded projects of round ``round_id`` (once)."""
    council = data.users["council@riverside.example"]
    follower = data.users["moderator@riverside.example"]
    with write_transaction():
        round_ = db.session.get(Round, round_id)
        if db.session.scalar(select(ProgressUpdate.id).where(ProgressUpdate.round_id == round_id).limit(1)):
            return
        projects = [project.proposal for project in delivery_of(round_).projects]
        today = today_in(round_)
        if projects and not is_following(follower, projects[0]):
            toggle_follow(projects[0], follower)
        for proposal in projects:
            for status, text, percent, reason in STORIES.get(proposal.title, ()):
                post_update(db.session.get(Proposal, proposal.id), council, UpdateInput(
                    status=status, reported_on=today, text=text, spent=proposal.total_cost * percent // 100,
                    reason=reason))
