"""The deliberation part of ``pbvote demo``: lively discussions on Riverside's open proposals.

Every stance, replies down to depth 3 (and one deeper reply that attaches with "replying to"), an edited comment,
a comment hidden by a moderator with its public reason, helpful marks, a follower, and an open flag waiting in
the moderation queue. Voices disagree in tone and language, as residents do. Everything goes through the
operations, so counts, notifications, the moderation log and the round's event chain are the real ones.
Idempotent: a proposal that already has comments is left alone.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from sqlalchemy import func, select

from ..accounts.models import Role, RoleGrant, User, utcnow
from ..database import write_transaction
from ..extensions import db
from ..i18n import DEFAULT_LOCALE
from ..proposals.models import Proposal
from ..rounds.models import Round
from . import operations
from .models import Comment

#: Demo voices who only speak in the discussions (no password: nobody signs in as them).
VOICES = (
    ("jan.devries@voices.riverside.example", "Jan de Vries"),
    ("zofia.nowak@voices.riverside.example", "Zofia Nowak"),
    ("amara.okafor@voices.riverside.example", "Amara Okafor"),
    ("lucia.garcia@voices.riverside.example", "Lucía García"),
)

# (key, parent key or None, speaker index, stance, text). Speakers: 0 Rita (resident), 1 Milo (moderator),
# 2 Carmen (council), 3-6 the voices above.
MAIN_THREAD = (
    ("shade", None, 3, "for", "Finally! The river path is an oven in July. Fruit trees give shade *and* food."),
    ("wasps", "shade", 5, "against", "Fallen fruit on a cycle path means wasps and slippery tarmac. Who sweeps it up?"),
    ("sweep", "wasps", 0, "question", "Could the neighbourhood association take turns picking? Is that allowed on city land?"),
    ("allowed", "sweep", 2, "neutral",
     "Picking is allowed on city land; the parks team would need a volunteer rota to agree to it."),
    ("rota", "allowed", 6, "for", "¡Me apunto! I can organise the rota for Old Town — ten households already said yes."),
    ("cost", None, 4, "against",
     "750 000 for twenty trees is a lot. Nasadzenie drzew owocowych kosztuje w Krakowie połowę tego."),
    ("water", "cost", 3, "neutral", "Most of it is two summers of watering; without it half the young trees die."),
    ("kids", None, 6, "question", "Will there be low branches children can reach, or only tall trees?"),
)
EDITED = ("cost", ("750 000 for twenty trees is a lot. In Kraków planting fruit trees costs half as much — see the "
          "[city's price list](https://example.org/krakow-trees)."))
HIDDEN = ("hidden", None, 5, "against", "People who want fruit trees should buy their own garden instead of taking ours.",
          "Attacks other residents instead of discussing the proposal.")
FLAGGED = ("flag", None, 4, "against", "The council members backing this all live on the river path, funny that.")
OTHER_THREADS = (
    ("for", "Yes — my children cross there every morning and drivers do not slow down."),
    ("against", "A raised crossing will slow the buses too; put the lights in and keep the road flat."),
    ("question", "Does the traffic count include the cyclists going to the station?"),
    ("neutral", "The school's parents' council supports either option as long as it is done before winter."),
)


def _voices(data: Any) -> list[User]:
    """Rita, Milo, Carmen and the four voices (created once, with a resident role in Riverside)."""
    riverside = data.organisations["riverside"]
    people = [data.users["resident@riverside.example"], data.users["moderator@riverside.example"],
              data.users["council@riverside.example"]]
    for email, name in VOICES:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash=None, email_confirmed_at=utcnow(),
                        organisation=riverside)
            user.role_grants.append(RoleGrant(organisation=riverside, role=Role.RESIDENT.value))
            db.session.add(user)
            db.session.flush()
        people.append(user)
    return people


def _discussable(round_: Round) -> list[Proposal]:
    proposals = db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id).order_by(Proposal.id)).all()
    return [p for p in proposals if operations.posting_refusal(round_, p) is None]


def seed_threads(data: Any) -> None:
    """Add the demo discussions to Riverside's rounds whose proposals are open for discussion and silent."""
    riverside = data.organisations["riverside"]
    # No request picks a language here: the rules word their refusals in English (notifications still go out
    # in each recipient's language).
    with force_locale(DEFAULT_LOCALE), write_transaction():
        people = _voices(data)
        rounds = db.session.scalars(
            select(Round).where(Round.organisation_id == riverside.id, Round.imported.is_(False)).order_by(Round.id)
        ).all()
        for round_ in rounds:
            proposals = _discussable(round_)
            silent = [p for p in proposals if not db.session.scalar(
                select(func.count()).select_from(Comment).where(Comment.proposal_id == p.id))]
            if len(silent) == len(proposals) and len(proposals) >= 2:
                _seed_round(proposals, people)


def _seed_round(proposals: list[Proposal], people: list[User]) -> None:
    main, second = proposals[0], proposals[1]
    made: dict[str, Comment] = {}
    for key, parent, speaker, stance, text in (*MAIN_THREAD, HIDDEN[:5], FLAGGED):
        parent_id = made[parent].id if parent else None
        made[key] = operations.post_comment(main, people[speaker], stance, text, parent_id)
    key, text = EDITED
    operations.edit_comment(made[key], made[key].author, made[key].stance, text)
    moderator = people[1]
    operations.moderate_comment(made["hidden"], moderator, "hidden", HIDDEN[5])
    for person in (people[0], people[2], people[6]):
        operations.toggle_helpful(made["water"], person)
    for person in (people[3], people[5]):
        operations.toggle_helpful(made["allowed"], person)
    operations.toggle_helpful(made["wasps"], people[0])
    operations.flag_comment(made["flag"], people[0], "abuse", "Insinuates that council members are corrupt.")
    operations.toggle_follow(main, people[0])
    for index, (stance, text) in enumerate(OTHER_THREADS):
        operations.post_comment(second, people[3 + index], stance, text)
