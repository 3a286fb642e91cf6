"""The translations part of ``pbvote demo``: Riverside's council gives the round open for voting and three of its
projects Welsh texts (as a council in Wales would), so a Welsh page shows them on the home page, the round, the
ballot and the proposals, and the other projects fall back to English. Idempotent: a text already there is
not written again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..proposals.models import Proposal
from ..rounds.models import Round
from ..voting.demo import ROUND_NAME
from .operations import save_translation

ROUND_TEXTS = {
    "name": "Pleidlais ddinesig Glan yr Afon 2026",
    "description": ("Rhowch y prosiectau ar draws y ddinas yr ydych yn eu hoffi orau yn eu trefn, a dewiswch "
                    "brosiectau ar gyfer eich ardal eich hun."),
}

#: English title → Welsh (title, summary).
PROPOSAL_TEXTS = {
    "A tree for every street": ("Coeden i bob stryd",
                                "Plannu 400 o goed stryd lle nad oes coed ar y palmentydd."),
    "Night buses on weekends": ("Bysiau nos ar benwythnosau",
                                "Dwy linell bws nos ar nos Wener a nos Sadwrn am flwyddyn."),
    "Free swimming lessons": ("Gwersi nofio am ddim",
                              "Gwersi i bob plentyn ym mlwyddyn 3 sydd heb ddysgu nofio eto."),
}


def seed_translations(data: Any) -> None:
    riverside = data.organisations["riverside"]
    council = data.users["council@riverside.example"]
    with write_transaction():
        round_ = db.session.scalar(select(Round).where(Round.organisation_id == riverside.id, Round.name == ROUND_NAME))
        if round_ is None:
            return
        for field, text in ROUND_TEXTS.items():
            save_translation(round_, council, "cy", field, text)
        proposals = db.session.scalars(select(Proposal).where(
            Proposal.round_id == round_.id, Proposal.title.in_(tuple(PROPOSAL_TEXTS))))
        for proposal in proposals:
            title, summary = PROPOSAL_TEXTS[proposal.title]
            save_translation(proposal, council, "cy", "title", title)
            save_translation(proposal, council, "cy", "summary", summary)
