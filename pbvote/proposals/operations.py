"""The rules of proposals: submit, edit (with revisions), co-authors, withdraw, review, merge, exclusion
groups, what reaches the ballot, and the list query.

Plain functions that check, change, flush and return; callers own the transaction (views wrap each call in
``write_transaction()``). Every refusal a user can cause is a :class:`ProposalError` (or one of its
subclasses) with a message written for that user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, func, select

from ..accounts.models import Role, User
from ..content_languages.operations import writing_language
from ..extensions import db
from ..i18n import _, _l, _n
from ..mail import external_url, in_language_of, send_mail
from . import images, rounds_api
from .models import (
    Coauthor,
    CoauthorStatus,
    CostItem,
    ExclusionGroup,
    ExclusionMember,
    Proposal,
    ProposalRevision,
    ProposalStatus,
    RevisionKind,
    StatusChange,
)

MAX_COST_ITEMS = 20
MAX_COAUTHORS = 10
INVITATION_SALT = "pbvote-proposal-coauthor-invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600
PAGE_SIZE = 20

# Statuses from which a proposal can still change: withdrawn and merged are final.
OPEN_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.FEASIBLE, ProposalStatus.NOT_FEASIBLE)

#: Said when an invitation is opened or answered from an account with another address.
WRONG_ADDRESS = _l("This invitation was sent to another email address. Sign in with that address to answer it.")


class ProposalError(Exception):
    """Something a user asked for that the rules refuse; ``field_errors`` maps form fields to messages."""

    def __init__(self, message: str, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ProposalForbidden(ProposalError):
    """The user may not do this to this proposal (not an author, not council of the round's organisation)."""


class InvitationInvalid(ProposalError):
    """A co-author link that is forged, expired, already used or meant for someone else."""


# ------------------------------------------------------------------------------------------------------------
# Input
# ------------------------------------------------------------------------------------------------------------


@dataclass
class ProposalInput:
    """What a resident fills in. Money in minor units; cost items are (description, amount) pairs."""

    title: str
    summary: str
    description: str
    cost_items: list[tuple[str, int]]
    district_id: int | None = None
    category_id: int | None = None
    location: str = ""
    image: bytes | None = None  # a new image to store
    remove_image: bool = False


def _clean_items(items: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(description.strip(), int(amount)) for description, amount in items]


def _validate(round_: Any, data: ProposalInput) -> dict[str, str]:
    """Field errors for ``data`` in ``round_`` (empty when valid)."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Give your proposal a title.")
    elif len(data.title.strip()) > 150:
        errors["title"] = _("Keep the title under 150 characters.")
    if not data.summary.strip():
        errors["summary"] = _("Summarise your proposal in a sentence or two.")
    elif len(data.summary.strip()) > 500:
        errors["summary"] = _("Keep the summary under 500 characters.")
    if len(data.description) > 20_000:
        errors["description"] = _("Keep the description under 20,000 characters.")
    if len(data.location.strip()) > 200:
        errors["location"] = _("Keep the location under 200 characters.")
    items = data.cost_items
    if not items:
        errors["cost_items"] = _("List at least one cost item.")
    elif len(items) > MAX_COST_ITEMS:
        errors["cost_items"] = _n("List at most %(num)d cost item.", "List at most %(num)d cost items.", MAX_COST_ITEMS)
    elif any(not description for description, _amount in items):
        errors["cost_items"] = _("Describe every cost item.")
    elif any(len(description) > 200 for description, _amount in items):
        errors["cost_items"] = _("Keep each cost item's description under 200 characters.")
    elif any(amount < 0 for _description, amount in items):
        errors["cost_items"] = _("Amounts cannot be negative.")
    elif sum(amount for _description, amount in items) > 10**15:
        errors["cost_items"] = _("That total is not realistic.")

    districts = {d.id for d in rounds_api.districts(round_)}
    if data.district_id is not None and data.district_id not in districts:
        errors["district_id"] = _("Choose one of the round's districts.")
    elif data.district_id is None and districts and rounds_api.requires_district(round_):
        errors["district_id"] = _("Choose the district your proposal is for.")
    categories = {c.id for c in rounds_api.categories(round_)}
    if data.category_id is not None and data.category_id not in categories:
        errors["category_id"] = _("Choose one of the round's categories.")

    if "cost_items" not in errors and "district_id" not in errors and "category_id" not in errors:
        total = sum(amount for _description, amount in items)
        budget = rounds_api.budget_for(round_, data.district_id, data.category_id)
        if budget is None:
            errors["district_id"] = _("No budget of this round covers that district and category.")
        else:
            low, high = rounds_api.cost_bounds(budget)
            money = rounds_api.format_money
            if low is not None and total < low:
                errors["cost_items"] = _("The total (%(total)s) is below the minimum of %(minimum)s.",
                                         total=money(round_, total), minimum=money(round_, low))
            elif high is not None and total > high:
                errors["cost_items"] = _("The total (%(total)s) is above the maximum of %(maximum)s.",
                                         total=money(round_, total), maximum=money(round_, high))
    return errors


def _search_text(title: str, summary: str, description: str) -> str:
    return f"{title} {summary} {description}".casefold()


def _snapshot(proposal: Proposal) -> dict[str, Any]:
    """The fields a revision compares, as JSON-friendly values."""
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "cost_items": [[item.description, item.amount] for item in proposal.cost_items],
        "total_cost": proposal.total_cost,
        "district_id": proposal.district_id,
        "category_id": proposal.category_id,
        "location": proposal.location,
        "image": proposal.image_filename,  # a new random name whenever the picture changes
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def _add_revision(proposal: Proposal, kind: RevisionKind, editor: User | None, changes: dict, reason: str | None = None):
    number = max((r.number for r in proposal.revisions), default=0) + 1
    revision = ProposalRevision(number=number, kind=kind.value, editor=editor, changes=changes, reason=reason)
    proposal.revisions.append(revision)
    return revision


def _set_status(proposal: Proposal, status: ProposalStatus, actor: User | None, reason: str | None) -> None:
    proposal.status_changes.append(
        StatusChange(from_status=proposal.status, to_status=status.value, reason=reason, actor=actor)
    )
    proposal.status = status.value
    proposal.status_reason = reason


def _apply(proposal: Proposal, data: ProposalInput) -> None:
    proposal.title = data.title.strip()
    proposal.summary = data.summary.strip()
    proposal.description = data.description.replace("\r\n", "\n").strip()
    proposal.location = data.location.strip()
    proposal.district_id = data.district_id
    proposal.category_id = data.category_id
    _replace_items(proposal, data.cost_items)
    proposal.search_text = _search_text(proposal.title, proposal.summary, proposal.description)


def _replace_items(proposal: Proposal, items: list[tuple[str, int]]) -> None:
    # Deleting before inserting keeps (proposal_id, position) unique inside the flush.
    proposal.cost_items.clear()
    db.session.flush()
    for position, (description, amount) in enumerate(items, start=1):
        proposal.cost_items.append(CostItem(position=position, description=description, amount=amount))
    proposal.total_cost = sum(amount for _description, amount in items)


# ------------------------------------------------------------------------------------------------------------
# Residents: submit, edit, withdraw
# ------------------------------------------------------------------------------------------------------------


def submit_proposal(round_: Any, author: User, data: ProposalInput) -> Proposal:
    """Create a proposal in ``round_`` (proposals phase only) with its first revision and status."""
    rounds_api.require(round_, "SUBMIT_PROPOSAL", ProposalError)
    require_resident(round_, author)
    data.cost_items = _clean_items(data.cost_items)
    errors = _validate(round_, data)
    if errors:
        raise ProposalError(_("Please correct the marked fields."), errors)
    proposal = Proposal(round_id=round_.id, author=author, status=ProposalStatus.SUBMITTED.value,
                        language=writing_language(author, round_))
    _apply(proposal, data)
    if data.image:
        proposal.image_filename = _store_image(data.image)
    db.session.add(proposal)
    proposal.status_changes.append(StatusChange(from_status=None, to_status=ProposalStatus.SUBMITTED.value, actor=author))
    _add_revision(proposal, RevisionKind.SUBMITTED, author, _diff({}, _snapshot(proposal)))
    db.session.flush()
    return proposal


def _holds_role(user: Any, role: Role, round_: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_role(role, rounds_api.organisation_id(round_))
    )


def is_resident(user: Any, round_: Any) -> bool:
    """Residents of the round's organisation propose and co-author its proposals."""
    return _holds_role(user, Role.RESIDENT, round_)


def require_resident(round_: Any, user: User) -> None:
    """Raise :class:`ProposalForbidden` unless ``user`` is a resident of the round's organisation."""
    if not is_resident(user, round_):
        raise ProposalForbidden(_("Only residents of %(organisation)s propose in this round.",
                                  organisation=rounds_api.organisation_name(round_)))


def _store_image(data: bytes) -> str:
    try:
        return images.store_image(data).filename
    except images.ImageRejected as error:
        raise ProposalError(_("Please correct the marked fields."), {"image": str(error)}) from None


def _status(proposal: Proposal) -> str:
    """The proposal's status as a word inside a sentence: "withdrawn"."""
    return proposal.status_enum.label.lower()


def require_author(proposal: Proposal, user: User) -> None:
    if not proposal.is_author(user):
        raise ProposalForbidden(_("Only the proposal's authors can do that."))


def edit_proposal(proposal: Proposal, editor: User, data: ProposalInput) -> ProposalRevision | None:
    """An author's edit during the proposals phase; returns the revision (None when nothing changed)."""
    require_author(proposal, editor)
    round_ = rounds_api.round_of(proposal)
    rounds_api.require(round_, "EDIT_PROPOSAL", ProposalError)
    if proposal.status_enum is not ProposalStatus.SUBMITTED:
        raise ProposalError(_("A proposal that is %(status)s can no longer be edited.", status=_status(proposal)))
    data.cost_items = _clean_items(data.cost_items)
    errors = _validate(round_, data)
    if errors:
        raise ProposalError(_("Please correct the marked fields."), errors)
    before = _snapshot(proposal)
    old_image = proposal.image_filename
    _apply(proposal, data)
    if data.image:
        proposal.image_filename = _store_image(data.image)
    elif data.remove_image:
        proposal.image_filename = None
    changes = _diff(before, _snapshot(proposal))
    if not changes:
        return None
    revision = _add_revision(proposal, RevisionKind.EDITED, editor, changes)
    db.session.flush()
    if old_image and old_image != proposal.image_filename:
        # Revisions record that the image changed, not the old picture: residents may remove a photo
        # they regret (a face, a house number) and it must really be gone.
        images.delete_image(old_image)
    return revision


def withdraw_proposal(proposal: Proposal, user: User, reason: str = "") -> None:
    """An author withdraws the proposal (while proposals are open or under review); it leaves the ballot."""
    require_author(proposal, user)
    rounds_api.require(rounds_api.round_of(proposal), "WITHDRAW_PROPOSAL", ProposalError)
    if proposal.status_enum not in OPEN_STATUSES:
        raise ProposalError(_("This proposal is already %(status)s.", status=_status(proposal)))
    _set_status(proposal, ProposalStatus.WITHDRAWN, user, reason.strip() or None)
    _leave_exclusion_groups(proposal)
    db.session.flush()


# ------------------------------------------------------------------------------------------------------------
# Co-authors
# ------------------------------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(coauthor: Coauthor) -> str:
    """A signed token naming the invitation and the address it was sent to."""
    return _serializer().dumps({"c": coauthor.id, "e": coauthor.email})


def invite_coauthor(proposal: Proposal, inviter: User, email: str) -> Coauthor:
    """Invite ``email`` to co-author ``proposal`` and mail them a signed link (proposals phase only)."""
    from email_validator import EmailNotValidError, validate_email

    require_author(proposal, inviter)
    rounds_api.require(rounds_api.round_of(proposal), "EDIT_PROPOSAL", ProposalError)
    if proposal.status_enum is not ProposalStatus.SUBMITTED:
        raise ProposalError(_("Co-authors can only be invited while the proposal is open for edits."))
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ProposalError(_("Please correct the marked fields."), {"email": _("Enter a valid email address.")}) from None
    if email == proposal.author.email or any(
        c.email == email and c.status != CoauthorStatus.DECLINED.value for c in proposal.coauthors
    ):
        raise ProposalError(_("Please correct the marked fields."), {"email": _("That person is already invited or an author.")})
    if len([c for c in proposal.coauthors if c.status != CoauthorStatus.DECLINED.value]) >= MAX_COAUTHORS:
        raise ProposalError(_n("A proposal can have at most %(num)d co-author.", "A proposal can have at most %(num)d co-authors.",
                                MAX_COAUTHORS))
    coauthor = next((c for c in proposal.coauthors if c.email == email), None)
    if coauthor is None:
        coauthor = Coauthor(email=email)
        proposal.coauthors.append(coauthor)
    # A declined invitation may be sent again; the old link stays dead because it names the old decision.
    coauthor.status = CoauthorStatus.INVITED.value
    coauthor.user_id = None
    coauthor.responded_at = None
    coauthor.invited_by_id = inviter.id
    coauthor.invited_at = datetime.now(UTC)
    db.session.flush()
    link = external_url("proposals.show_invitation", token=invitation_token(coauthor))
    invitee = db.session.scalar(select(User).where(func.lower(User.email) == email))
    with in_language_of(invitee, rounds_api.organisation(rounds_api.round_of(proposal))):
        paragraphs = (
            _("%(inviter)s invites you to co-author the proposal “%(title)s” on pbvote.",
              inviter=inviter.display_name, title=proposal.title),
            _("Open this link to accept or decline (you need an account with this email address, %(email)s; "
              "you can create one on the way):", email=email),
            link,
            _("The link works for 14 days. If you do not know this person, ignore this message."),
        )
        send_mail(to=email, subject=_("Co-author the proposal “%(title)s”", title=proposal.title),
                  body="\n\n".join(paragraphs))
    return coauthor


def load_invitation(token: str) -> Coauthor:
    """The pending invitation a token names, or :class:`InvitationInvalid`."""
    try:
        payload = _serializer().loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired:
        raise InvitationInvalid(_("This invitation has expired; ask the author to invite you again.")) from None
    except BadSignature:
        raise InvitationInvalid(_("This invitation link is not valid.")) from None
    if not isinstance(payload, dict):
        raise InvitationInvalid(_("This invitation link is not valid."))
    coauthor = db.session.get(Coauthor, payload.get("c")) if isinstance(payload.get("c"), int) else None
    if coauthor is None or coauthor.email != payload.get("e"):
        raise InvitationInvalid(_("This invitation link is not valid."))
    if coauthor.status != CoauthorStatus.INVITED.value:
        raise InvitationInvalid(_("This invitation has already been answered."))
    return coauthor


def respond_to_invitation(token: str, user: User, accept: bool) -> Coauthor:
    """Accept or decline an invitation; only the invited address's account may answer, and only once."""
    coauthor = load_invitation(token)
    if user.email.lower() != coauthor.email:
        raise InvitationInvalid(str(WRONG_ADDRESS))
    if coauthor.proposal.author_id == user.id:
        raise InvitationInvalid(_("You are already the author of this proposal."))
    if accept:
        round_ = rounds_api.round_of(coauthor.proposal)
        rounds_api.require(round_, "EDIT_PROPOSAL", ProposalError)
        require_resident(round_, user)
    coauthor.status = (CoauthorStatus.ACCEPTED if accept else CoauthorStatus.DECLINED).value
    coauthor.user_id = user.id
    coauthor.responded_at = datetime.now(UTC)
    db.session.flush()
    return coauthor


# ------------------------------------------------------------------------------------------------------------
# Council review
# ------------------------------------------------------------------------------------------------------------


def is_reviewer(user: Any, round_: Any) -> bool:
    """Council members of the round's organisation review its proposals."""
    return _holds_role(user, Role.COUNCIL, round_)


def _require_review(proposal: Proposal, reviewer: User) -> Any:
    round_ = rounds_api.round_of(proposal)
    if not is_reviewer(reviewer, round_):
        raise ProposalForbidden(_("Only the council of this round's organisation reviews its proposals."))
    rounds_api.require(round_, "REVIEW_PROPOSAL", ProposalError)
    return round_


def review_proposal(proposal: Proposal, reviewer: User, feasible: bool, reason: str) -> bool:
    """Mark a proposal feasible or not feasible with a public reason (a reason is required for "not").

    False when the proposal already has this decision with this reason: nothing is recorded again, so the
    public history holds each decision once."""
    _require_review(proposal, reviewer)
    if proposal.status_enum not in OPEN_STATUSES:
        raise ProposalError(_("A proposal that is %(status)s cannot be reviewed.", status=_status(proposal)))
    reason = reason.strip()
    if not feasible and not reason:
        raise ProposalError(_("Please correct the marked fields."), {"reason": _("Explain publicly why it is not feasible.")})
    if len(reason) > 2000:
        raise ProposalError(_("Please correct the marked fields."), {"reason": _("Keep the reason under 2,000 characters.")})
    status = ProposalStatus.FEASIBLE if feasible else ProposalStatus.NOT_FEASIBLE
    if proposal.status == status.value and (proposal.status_reason or "") == reason:
        return False
    _set_status(proposal, status, reviewer, reason or None)
    if not feasible:
        _leave_exclusion_groups(proposal)
    db.session.flush()
    from ..notices.reminders import queue_feasibility_decision  # notices read proposals

    queue_feasibility_decision(proposal, feasible, reason or None)
    return True


def revise_cost(proposal: Proposal, reviewer: User, items: Sequence[tuple[str, int]], reason: str) -> ProposalRevision:
    """The council replaces the cost items (e.g. after a quote); kept as a revision with its reason."""
    round_ = _require_review(proposal, reviewer)
    if proposal.status_enum not in OPEN_STATUSES:
        raise ProposalError(_("A proposal that is %(status)s cannot be revised.", status=_status(proposal)))
    reason = reason.strip()
    if not reason:
        raise ProposalError(_("Please correct the marked fields."), {"reason": _("Explain why the cost changes.")})
    data = ProposalInput(
        title=proposal.title,
        summary=proposal.summary,
        description=proposal.description,
        cost_items=_clean_items(items),
        district_id=proposal.district_id,
        category_id=proposal.category_id,
        location=proposal.location,
    )
    errors = {k: v for k, v in _validate(round_, data).items() if k == "cost_items"}
    if errors:
        raise ProposalError(_("Please correct the marked fields."), errors)
    before = _snapshot(proposal)
    _replace_items(proposal, data.cost_items)
    changes = _diff(before, _snapshot(proposal))
    if not changes:
        raise ProposalError(_("The cost items are unchanged."))
    revision = _add_revision(proposal, RevisionKind.COST_REVISED, reviewer, changes, reason)
    db.session.flush()
    return revision


def merge_proposals(source: Proposal, target: Proposal, reviewer: User, reason: str) -> None:
    """Merge the duplicate ``source`` into ``target``: source becomes MERGED and points to target; the
    authors of both are told by mail. Proposals merged into ``source`` before now point to ``target``."""
    round_ = _require_review(source, reviewer)
    if target.round_id != source.round_id:
        raise ProposalError(_("Only proposals of the same round can be merged."))
    if target.id == source.id:
        raise ProposalError(_("Choose another proposal to merge into."))
    for proposal in (source, target):
        if proposal.status_enum not in OPEN_STATUSES:
            raise ProposalError(_("“%(title)s” is %(status)s and cannot be merged.", title=proposal.title,
                                   status=_status(proposal)))
    reason = reason.strip()
    if not reason:
        raise ProposalError(_("Please correct the marked fields."), {"reason": _("Explain publicly why these are duplicates.")})
    _set_status(source, ProposalStatus.MERGED, reviewer, reason)
    source.merged_into_id = target.id
    for earlier in db.session.scalars(select(Proposal).where(Proposal.merged_into_id == source.id)):
        earlier.merged_into_id = target.id
    _leave_exclusion_groups(source)
    db.session.flush()
    target_link = external_url("proposals.show_proposal", proposal_id=target.id)
    recipients = {user.email: user for user in authors_of(source) + authors_of(target)}
    for email, user in sorted(recipients.items()):
        with in_language_of(user, rounds_api.organisation(round_)):
            paragraphs = (
                _("The council of %(round)s merged the proposal “%(source)s” into “%(target)s” because they "
                  "describe the same project.", round=rounds_api.round_name(round_), source=source.title,
                  target=target.title),
                _("Reason: %(reason)s", reason=reason),
                _("The merged proposal continues here:") + "\n" + target_link + "\n",
            )
            send_mail(
                to=email,
                subject=_("Proposals merged: “%(source)s” → “%(target)s”", source=source.title, target=target.title),
                body="\n\n".join(paragraphs),
            )


def authors_of(proposal: Proposal) -> list[User]:
    """The author and the co-authors who accepted."""
    return [proposal.author] + [c.user for c in proposal.accepted_coauthors if c.user is not None]


def create_exclusion_group(round_: Any, reviewer: User, proposals: Sequence[Proposal], name: str) -> ExclusionGroup:
    """Mark ``proposals`` mutually exclusive (at most one can be funded), e.g. competing for one site."""
    if not is_reviewer(reviewer, round_):
        raise ProposalForbidden(_("Only the council of this round's organisation reviews its proposals."))
    rounds_api.require(round_, "REVIEW_PROPOSAL", ProposalError)
    name = name.strip()
    if not name or len(name) > 200:
        raise ProposalError(_("Please correct the marked fields."), {"name": _("Name the group (e.g. the site), under 200 characters.")})
    unique = {p.id: p for p in proposals}
    if len(unique) < 2:
        raise ProposalError(_("Please correct the marked fields."), {"proposal_ids": _("Choose at least two proposals.")})
    for proposal in unique.values():
        if proposal.round_id != round_.id:
            raise ProposalError(_("Only proposals of this round can be grouped."))
        if proposal.status_enum not in OPEN_STATUSES:
            raise ProposalError(_("“%(title)s” is %(status)s and cannot be grouped.", title=proposal.title,
                                   status=_status(proposal)))
    group = ExclusionGroup(round_id=round_.id, name=name, created_by_id=reviewer.id)
    group.members = [ExclusionMember(proposal_id=pid) for pid in sorted(unique)]
    db.session.add(group)
    db.session.flush()
    return group


def delete_exclusion_group(group: ExclusionGroup, reviewer: User) -> None:
    round_ = rounds_api.get_round(group.round_id)
    if not is_reviewer(reviewer, round_):
        raise ProposalForbidden(_("Only the council of this round's organisation reviews its proposals."))
    rounds_api.require(round_, "REVIEW_PROPOSAL", ProposalError)
    db.session.delete(group)
    db.session.flush()


def _leave_exclusion_groups(proposal: Proposal) -> None:
    """A proposal that can no longer be funded stops constraining the others."""
    for member in db.session.scalars(select(ExclusionMember).where(ExclusionMember.proposal_id == proposal.id)):
        db.session.delete(member)


# ------------------------------------------------------------------------------------------------------------
# For the ballot and the tally
# ------------------------------------------------------------------------------------------------------------


def ballot_proposals(round_: Any, budget: Any) -> list[Proposal]:
    """The proposals on the ballot of ``budget``: feasible ones whose district/category that budget covers,
    in a stable order (oldest first)."""
    candidates = db.session.scalars(
        select(Proposal)
        .where(Proposal.round_id == round_.id, Proposal.status == ProposalStatus.FEASIBLE.value)
        .order_by(Proposal.created_at, Proposal.id)
    )
    budget_id = rounds_api.budget_id(budget)
    return [
        proposal
        for proposal in candidates
        if rounds_api.budget_id(rounds_api.budget_for(round_, proposal.district_id, proposal.category_id)) == budget_id
    ]


def exclusion_groups(round_: Any, budget: Any) -> list[frozenset[int]]:
    """Groups of ballot proposal ids of which at most one may be funded (for ``greedy-exclusive``).

    Only proposals on this budget's ballot count; a group left with fewer than two of them constrains nothing
    and is dropped.
    """
    on_ballot = {p.id for p in ballot_proposals(round_, budget)}
    groups = db.session.scalars(
        select(ExclusionGroup).where(ExclusionGroup.round_id == round_.id).order_by(ExclusionGroup.id)
    )
    result = []
    for group in groups:
        members = frozenset(m.proposal_id for m in group.members) & on_ballot
        if len(members) >= 2:
            result.append(members)
    return result


def exclusion_groups_param(round_: Any, budget: Any) -> str:
    """The groups in the form the ``greedy-exclusive`` rule takes as its ``groups`` parameter, with proposal ids
    as project ids: ids joined by ",", groups by ";" (e.g. "3,8;5,7"); empty when there are none."""
    return ";".join(",".join(str(i) for i in sorted(group)) for group in exclusion_groups(round_, budget))


# ------------------------------------------------------------------------------------------------------------
# Reading: visibility and the list
# ------------------------------------------------------------------------------------------------------------


def can_view_proposal(user: Any, proposal: Proposal) -> bool:
    """Anyone who may see the round sees its proposals."""
    return rounds_api.can_view_round(user, rounds_api.round_of(proposal))


def can_edit(user: Any, proposal: Proposal) -> bool:
    return (
        proposal.is_author(user)
        and proposal.status_enum is ProposalStatus.SUBMITTED
        and rounds_api.allows(rounds_api.round_of(proposal), "EDIT_PROPOSAL")
    )


def can_withdraw(user: Any, proposal: Proposal) -> bool:
    return (
        proposal.is_author(user)
        and proposal.status_enum in OPEN_STATUSES
        and rounds_api.allows(rounds_api.round_of(proposal), "WITHDRAW_PROPOSAL")
    )


def can_review(user: Any, proposal: Proposal) -> bool:
    round_ = rounds_api.round_of(proposal)
    return (
        is_reviewer(user, round_)
        and proposal.status_enum in OPEN_STATUSES
        and rounds_api.allows(round_, "REVIEW_PROPOSAL")
    )


SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "discussed": _l("Most discussed"),
    "cost_low": _l("Cost: low to high"),
    "cost_high": _l("Cost: high to low"),
}


@dataclass
class ProposalQuery:
    """The list page's query string, already parsed and bounded."""

    text: str = ""
    district_id: int | None = None
    category_id: int | None = None
    status: str | None = None
    sort: str = "newest"
    page: int = 1


@dataclass
class ProposalPage:
    items: list[Proposal]
    total: int
    page: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_proposals(round_: Any, query: ProposalQuery, page_size: int = PAGE_SIZE) -> ProposalPage:
    """One page of a round's proposals matching ``query``.

    Search: every word must occur in the title, summary or description (case-folded, LIKE over the
    precomputed ``search_text``) — the same on SQLite and PostgreSQL; measured in benchmarks/proposals_list.py.
    Merged proposals are listed only when asked for by status: their target carries them.
    """
    conditions = [Proposal.round_id == round_.id]
    if query.status:
        conditions.append(Proposal.status == query.status)
    else:
        conditions.append(Proposal.status != ProposalStatus.MERGED.value)
    if query.district_id is not None:
        conditions.append(Proposal.district_id == query.district_id)
    if query.category_id is not None:
        conditions.append(Proposal.category_id == query.category_id)
    for term in query.text.casefold().split()[:8]:
        conditions.append(Proposal.search_text.like(_like_pattern(term), escape="\\"))
    where = and_(*conditions)

    total = db.session.scalar(select(func.count()).select_from(Proposal).where(where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, query.page), pages)
    order = {
        "newest": (Proposal.created_at.desc(), Proposal.id.desc()),
        "oldest": (Proposal.created_at.asc(), Proposal.id.asc()),
        "discussed": (Proposal.comment_count.desc(), Proposal.created_at.desc(), Proposal.id.desc()),
        "cost_low": (Proposal.total_cost.asc(), Proposal.id.asc()),
        "cost_high": (Proposal.total_cost.desc(), Proposal.id.desc()),
    }.get(query.sort, (Proposal.created_at.desc(), Proposal.id.desc()))
    items = list(
        db.session.scalars(
            select(Proposal).where(where).order_by(*order).limit(page_size).offset((page - 1) * page_size)
        )
    )
    return ProposalPage(items=items, total=total, page=page, pages=pages)


def proposals_by_ids(round_: Any, ids: Iterable[int]) -> list[Proposal]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id, Proposal.id.in_(ids))))


def exclusion_groups_of_round(round_: Any) -> list[ExclusionGroup]:
    return list(
        db.session.scalars(select(ExclusionGroup).where(ExclusionGroup.round_id == round_.id).order_by(ExclusionGroup.id))
    )


