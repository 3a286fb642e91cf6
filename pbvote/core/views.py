"""Home page, favicon and health check."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template, url_for
from sqlalchemy import select, text

from ..access import public
from ..accounts.models import Organisation
from ..extensions import db
from ..i18n import _l
from ..rounds.lifecycle import Action, allowed_actions
from ..rounds.models import Round, RoundState

#: Rounds the home page lists: every phase a resident can follow, busiest first (drafts and archives are not).
OPEN_STATES = (RoundState.VOTING, RoundState.DELIBERATION, RoundState.PROPOSALS, RoundState.REVIEW,
               RoundState.TALLIED, RoundState.PUBLISHED)

#: What a resident can do in a round, by the action its phase allows: (label, icon, endpoint), in this order.
NEXT_STEPS = (
    (Action.VOTE, _l("Vote"), "vote", "voting.show_voting"),
    (Action.SUBMIT_PROPOSAL, _l("Propose a project"), "propose", "proposals.list_proposals"),
    (Action.COMMENT, _l("Discuss the proposals"), "discuss", "proposals.list_proposals"),
    (Action.VIEW_RESULTS, _l("See the results"), "results", "results.show_results"),
)


@dataclass(frozen=True)
class Step:
    """A call to action on the home page."""

    label: str  # a lazy text, shown in the request's language
    icon: str
    url: str


@dataclass(frozen=True)
class OpenRound:
    """A round on the home page with what a resident can do in it now."""

    round: Round
    total_budget: int
    steps: tuple[Step, ...]


def open_rounds() -> list[OpenRound]:
    """The rounds residents can take part in or follow, busiest phase first, newest first within a phase."""
    order = {state.value: position for position, state in enumerate(OPEN_STATES)}
    rounds = db.session.scalars(
        select(Round).where(Round.state.in_(order)).order_by(Round.created_at.desc(), Round.id.desc())
    ).all()
    listed = []
    for round_ in sorted(rounds, key=lambda r: order[r.state]):
        allowed = allowed_actions(round_)
        steps = tuple(
            Step(label, icon, url_for(endpoint, round_id=round_.id))
            for action, label, icon, endpoint in NEXT_STEPS
            if action in allowed
        )
        listed.append(OpenRound(round_, sum(budget.amount for budget in round_.budgets), steps))
    return listed


@public
def show_home():
    """The front page: what pbvote is, the open rounds with what a resident can do now, and the organisations."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("core/home.html", organisations=organisations, open_rounds=open_rounds())


@public
def show_favicon():
    """The site icon browsers ask for at /favicon.ico (pages link the SVG icon). Sent from memory, not as a file
    response: a client that never reads the body (a link checker, a HEAD) leaves no file open."""
    response = current_app.response_class(_favicon_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = 86_400
    return response


@functools.cache
def _favicon_bytes() -> bytes:
    return (Path(current_app.static_folder) / "favicon.ico").read_bytes()


@public
def check_health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
