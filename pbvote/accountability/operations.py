"""Progress updates on funded projects: which projects take them, checking and storing them, logging each in the
round's hash-chained event log, telling the people who follow the project, and what the pages show.

A project takes updates once its round's results are published and a budget's stored tally funded it. The
newest update (by the date it reports on, then by when it was posted) gives the project's current status and
what was spent so far. Spending more than the project's cost is allowed (projects overrun) but shown as a
warning wherever the amount appears.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from ..accounts.models import Role, User
from ..deliberation.models import Follow, Notification, NotificationKind
from ..deliberation.notifications import site_path
from ..extensions import db
from ..i18n import _, day, locale_code
from ..mail import in_language_of
from ..proposals import images
from ..proposals.images import ImageRejected
from ..proposals.models import Proposal
from ..proposals.operations import authors_of
from ..results.models import TallyResult
from ..results.operations import is_published
from ..rounds.events import append_event
from ..rounds.models import Budget, Round, utcnow
from ..rounds.operations import to_local
from .models import DELIVERY_STATUS_VALUES, DeliveryStatus, ProgressUpdate

#: The round events of progress updates.
UPDATE_POSTED = "progress_update_posted"
UPDATE_EDITED = "progress_update_edited"


class AccountabilityError(Exception):
    """A progress update that cannot be stored; ``field_errors`` name the form fields concerned."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


@dataclass(frozen=True)
class UpdateInput:
    """What the council typed: status, the date the update reports on, Markdown text, spent so far (minor
    units), the reason when cancelled, and optionally a new photo (bytes) or the removal of the current one."""

    status: str
    reported_on: date
    text: str
    spent: int
    reason: str = ""
    image: bytes | None = None
    remove_image: bool = False


# ------------------------------------------------------------------------------------------------------------
# Who and what
# ------------------------------------------------------------------------------------------------------------


def funded_proposal_ids(round_: Round) -> set[int]:
    """The proposals a stored tally of the round's budgets funded."""
    selections = db.session.scalars(
        select(TallyResult.selected).join(Budget, Budget.id == TallyResult.budget_id).where(Budget.round_id == round_.id)
    )
    return {int(proposal_id) for selected in selections for proposal_id in selected}


def takes_updates(proposal: Proposal, round_: Round) -> bool:
    """True once the round's results are published, for a project they funded."""
    return is_published(round_) and proposal.id in funded_proposal_ids(round_)


def can_post(user: Any, round_: Round) -> bool:
    """Only the council of the round's organisation posts and edits progress updates."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.COUNCIL, round_.organisation_id)


def today_in(round_: Round) -> date:
    """Today's date where the round takes place (the latest date an update may report on)."""
    return to_local(utcnow(), round_.timezone).date()


# ------------------------------------------------------------------------------------------------------------
# Posting and editing
# ------------------------------------------------------------------------------------------------------------


def _check(proposal: Proposal, round_: Round, data: UpdateInput) -> None:
    """Raise :class:`AccountabilityError` unless the project takes updates and ``data`` is a valid one."""
    if not takes_updates(proposal, round_):
        raise AccountabilityError(_("Only projects funded in a round whose results are published take progress "
                                    "updates; nothing was saved."))
    errors: dict[str, str] = {}
    if data.status not in DELIVERY_STATUS_VALUES:
        errors["status"] = _("Choose one of the statuses.")
    if data.status == DeliveryStatus.CANCELLED.value and not data.reason.strip():
        errors["reason"] = _("Give the public reason why the project is cancelled.")
    if data.reported_on > today_in(round_):
        errors["reported_on"] = _("The date cannot be after today (%(today)s).", today=today_in(round_).isoformat())
    if data.spent < 0:
        errors["spent"] = _("The amount spent cannot be negative.")
    if not data.text.strip():
        errors["text"] = _("Say what happened.")
    if errors:
        raise AccountabilityError(_("Please correct the errors below; nothing was saved."), errors)


def _store_photo(data: UpdateInput) -> str | None:
    """Re-encode and store the uploaded photo the way proposal images are; None without an upload."""
    if data.image is None:
        return None
    try:
        return images.store_image(data.image).filename
    except ImageRejected as error:
        raise AccountabilityError(_("Please correct the errors below; nothing was saved."), {"image": str(error)}) \
            from None


def snapshot(update: ProgressUpdate, currency: str) -> dict[str, Any]:
    """What the event log records of an update: money in minor units with its currency, and the text as a
    SHA-256 digest (the page shows the text; the log proves it was not changed unnoticed)."""
    return {
        "update_id": update.id,
        "proposal_id": update.proposal_id,
        "status": update.status,
        "reason": update.reason,
        "reported_on": update.reported_on.isoformat(),
        "spent": update.spent,
        "currency": currency,
        "text_sha256": hashlib.sha256(update.text.encode("utf-8")).hexdigest(),
        "photo": update.image_filename is not None,
    }


def _reason(data: UpdateInput) -> str | None:
    return data.reason.strip() if data.status == DeliveryStatus.CANCELLED.value else None


def post_update(proposal: Proposal, actor: User, data: UpdateInput) -> ProgressUpdate:
    """Store a progress update on a funded project, log it and tell the project's authors and followers."""
    round_ = db.session.get(Round, proposal.round_id)
    _check(proposal, round_, data)
    update = ProgressUpdate(
        proposal_id=proposal.id, round_id=round_.id, status=data.status, reason=_reason(data),
        reported_on=data.reported_on, text=data.text.strip(), spent=data.spent, author_id=actor.id,
        image_filename=_store_photo(data),
    )
    db.session.add(update)
    db.session.flush()
    append_event(round_, UPDATE_POSTED, actor, snapshot(update, round_.currency))
    _announce(update, proposal, actor)
    return update


def edit_update(update: ProgressUpdate, actor: User, data: UpdateInput) -> ProgressUpdate:
    """Correct an update; the log records what changed (nothing is logged when nothing did)."""
    proposal = update.proposal
    round_ = db.session.get(Round, update.round_id)
    _check(proposal, round_, data)
    before = snapshot(update, round_.currency)
    new_photo = _store_photo(data)
    replaced = update.image_filename if (new_photo or data.remove_image) else None
    update.status, update.reason, update.reported_on = data.status, _reason(data), data.reported_on
    update.text, update.spent = data.text.strip(), data.spent
    if new_photo or data.remove_image:
        update.image_filename = new_photo
    db.session.flush()
    after = snapshot(update, round_.currency)
    changes = {key: {"from": before[key], "to": after[key]} for key in after if before[key] != after[key]}
    if changes or replaced:
        update.edited_at = utcnow()
        append_event(round_, UPDATE_EDITED, actor, {"update_id": update.id, "proposal_id": proposal.id,
                                                    "currency": round_.currency, "changes": changes,
                                                    "photo_replaced": bool(replaced)})
    images.delete_image(replaced)
    return update


def _announce(update: ProgressUpdate, proposal: Proposal, actor: User) -> None:
    """A notification (mailed in the daily digest by ``pbvote tick``) to each author and follower, once each,
    never to the council member who posted. The text names the project and status, nothing more."""
    recipients = {user.id: user for user in authors_of(proposal)}
    recipients.update((user.id, user) for user in db.session.scalars(
        select(User).join(Follow, Follow.user_id == User.id).where(Follow.proposal_id == proposal.id)))
    recipients.pop(actor.id, None)
    round_ = db.session.get(Round, update.round_id)
    url = site_path("proposals.show_proposal", proposal_id=proposal.id) + f"#progress-update-{update.id}"
    for user_id, user in sorted(recipients.items()):
        # Written in the recipient's language: the notification is stored as they will read it.
        with in_language_of(user, round_.organisation):
            text = _("Progress on “%(title)s”: %(status)s (update of %(date)s).", title=proposal.title,
                     status=update.status_enum.label.lower(), date=day(update.reported_on))
            language = locale_code()
        db.session.add(Notification(user_id=user_id, kind=NotificationKind.PROJECT_UPDATE.value, text=text,
                                    url=url, language=language))


# ------------------------------------------------------------------------------------------------------------
# What the pages show
# ------------------------------------------------------------------------------------------------------------


def _newest_first(query):
    return query.order_by(ProgressUpdate.reported_on.desc(), ProgressUpdate.id.desc())


def timeline(proposal: Proposal) -> list[ProgressUpdate]:
    """The project's updates, newest first."""
    return list(db.session.scalars(_newest_first(select(ProgressUpdate).where(
        ProgressUpdate.proposal_id == proposal.id))))


@dataclass(frozen=True)
class ProjectDelivery:
    """A funded project as the delivery page shows it: its latest update (None before the first)."""

    proposal: Proposal
    budget_name: str
    latest: ProgressUpdate | None

    @property
    def status(self) -> DeliveryStatus | None:
        return self.latest.status_enum if self.latest else None

    @property
    def spent(self) -> int:
        return self.latest.spent if self.latest else 0

    @property
    def cost(self) -> int:
        return self.proposal.total_cost

    @property
    def over_cost(self) -> bool:
        return self.spent > self.cost

    @property
    def percent_spent(self) -> int:
        """Spent as a whole percentage of the cost (may exceed 100)."""
        return round(100 * self.spent / self.cost) if self.cost else 0


@dataclass(frozen=True)
class Delivery:
    """Every funded project of a round with its delivery, and how many stand at each status."""

    projects: list[ProjectDelivery]
    counts: dict[DeliveryStatus | None, int] = field(default_factory=dict)

    @property
    def spent(self) -> int:
        return sum(project.spent for project in self.projects)

    @property
    def cost(self) -> int:
        return sum(project.cost for project in self.projects)


def delivery_of(round_: Round) -> Delivery:
    """The round's funded projects (per budget, in the order the rule funded them) with their latest update."""
    latest: dict[int, ProgressUpdate] = {}
    for update in db.session.scalars(_newest_first(select(ProgressUpdate).where(
            ProgressUpdate.round_id == round_.id))):
        latest.setdefault(update.proposal_id, update)
    results = db.session.execute(
        select(Budget.name, TallyResult.selected).join(TallyResult, TallyResult.budget_id == Budget.id)
        .where(Budget.round_id == round_.id).order_by(Budget.id)
    ).all()
    ids = {int(proposal_id) for _, selected in results for proposal_id in selected}
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))} if ids else {}
    projects = [ProjectDelivery(proposals[int(proposal_id)], budget_name, latest.get(int(proposal_id)))
                for budget_name, selected in results for proposal_id in selected if int(proposal_id) in proposals]
    counts: dict[DeliveryStatus | None, int] = {status: 0 for status in DeliveryStatus}
    counts[None] = 0
    for project in projects:
        counts[project.status] += 1
    return Delivery(projects, counts)
