"""The rules of deliberation: posting, replying, editing, deleting, helpful marks, flags, appeals, moderation,
blocks, follows, thread pages, the public moderation log and the for/against summary.

Plain functions that check, change, flush and return; callers own the transaction (views wrap each call in
``write_transaction()``). Every refusal a user can cause is a :class:`DeliberationError` with a message
written for that user; :class:`DeliberationForbidden` when the person may not do this at all.

Moderation acts are recorded twice: in the round's public moderation log (:class:`ModerationAction`) and in the
round's hash-chained event log (``rounds.events.append_event``).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nh3
from flask_babel import force_locale
from sqlalchemy import and_, delete, func, literal, or_, select, true, tuple_, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..accounts.models import Organisation, Role, User
from ..extensions import db
from ..i18n import _, _l, _n, locale_code, moment, number
from ..proposals.models import Proposal, ProposalStatus
from ..rounds.events import EventKind, append_event
from ..rounds.models import Round, RoundState, as_utc
from ..text import counted
from .markdown import render_comment
from .models import (
    Appeal,
    Comment,
    CommentRevision,
    CommentStatus,
    DeliberationSettings,
    Flag,
    FlagReason,
    Follow,
    HelpfulMark,
    ModerationAction,
    ModerationKind,
    Notification,
    NotificationKind,
    PostingBlock,
    Stance,
    utcnow,
)
from .notifications import languages_of, site_path

#: The public reason logged when flags hide a comment (stored and hashed in English; the log page translates it).
AUTO_HIDDEN_REASON = "Several people flagged it; a moderator will review it."

MAX_BODY = 5000
MAX_REASON = 1000
MAX_DEPTH = 3
PAGE_SIZE = 20
LOG_PAGE_SIZE = 50
MAX_BLOCK_DAYS = 365
SUMMARY_TOP = 2
EXCERPT_LENGTH = 200

#: Round states in which residents may post unless the round says otherwise.
DEFAULT_COMMENT_STATES = (
    RoundState.PROPOSALS.value, RoundState.REVIEW.value, RoundState.DELIBERATION.value, RoundState.VOTING.value,
)
DEFAULT_FLAG_THRESHOLD = 3
#: Proposals that left the race keep their thread, read-only.
CLOSED_PROPOSAL_STATUSES = (ProposalStatus.WITHDRAWN.value, ProposalStatus.NOT_FEASIBLE.value, ProposalStatus.MERGED.value)
SORTS = {"oldest": _l("Oldest first"), "newest": _l("Newest first"), "helpful": _l("Most helpful first")}

#: The event-log kind of each moderation act.
EVENT_KINDS = {
    ModerationKind.AUTO_HIDDEN: EventKind.COMMENT_AUTO_HIDDEN,
    ModerationKind.APPROVED: EventKind.COMMENT_APPROVED,
    ModerationKind.HIDDEN: EventKind.COMMENT_HIDDEN,
    ModerationKind.RESTORED: EventKind.COMMENT_RESTORED,
    ModerationKind.UPHELD: EventKind.COMMENT_HIDING_UPHELD,
    ModerationKind.BLOCKED: EventKind.AUTHOR_BLOCKED,
}


class DeliberationError(Exception):
    """Something a user asked for that the rules refuse; ``message`` is written for them."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DeliberationForbidden(DeliberationError):
    """The user may not do this to this comment at all (not its author, not a moderator here)."""


# ------------------------------------------------------------------------------------------------------------
# Settings, phases, blocks, roles
# ------------------------------------------------------------------------------------------------------------


def settings_for(round_: Round) -> DeliberationSettings:
    """The round's deliberation settings (the defaults, unsaved, when the council never changed them)."""
    settings = db.session.get(DeliberationSettings, round_.id)
    if settings is None:
        settings = DeliberationSettings(
            round_id=round_.id, comment_states=list(DEFAULT_COMMENT_STATES),
            flag_threshold=DEFAULT_FLAG_THRESHOLD, premoderate_first=0,
        )
    return settings


def update_settings(round_: Round, user: User, comment_states: Iterable[str], flag_threshold: int,
                    premoderate_first: int) -> DeliberationSettings:
    """The council sets in which phases residents may post, the flag threshold and pre-moderation."""
    if not user.has_role(Role.COUNCIL, round_.organisation_id):
        raise DeliberationForbidden(_("Only the council of this round's organisation changes its deliberation rules."))
    states = [state for state in DEFAULT_COMMENT_STATES if state in set(comment_states)]
    if not 1 <= flag_threshold <= 100:
        raise DeliberationError(_("Choose between 1 and 100 flags."), "flag_threshold")
    if not 0 <= premoderate_first <= 100:
        raise DeliberationError(_("Choose between 0 and 100 posts."), "premoderate_first")
    settings = db.session.get(DeliberationSettings, round_.id)
    if settings is None:
        settings = DeliberationSettings(round_id=round_.id)
        db.session.add(settings)
    settings.comment_states = states
    settings.flag_threshold = flag_threshold
    settings.premoderate_first = premoderate_first
    db.session.flush()
    return settings


def posting_refusal(round_: Round, proposal: Proposal) -> str | None:
    """Why nobody may post on ``proposal`` right now (None: posting is open)."""
    if round_.imported:
        return _("This round was imported from a file: its discussion is read-only.")
    if proposal.status in CLOSED_PROPOSAL_STATUSES:
        return _("This proposal is %(status)s: its discussion is read-only.", status=proposal.status_enum.label.lower())
    if round_.state not in settings_for(round_).comment_states:
        return _("The discussion is read-only while the round is in the %(phase)s phase.",
                 phase=round_.state_enum.label.lower())
    return None


def active_block(user: Any, organisation_id: int) -> PostingBlock | None:
    """The block that keeps ``user`` from posting in the organisation now (the one lasting longest)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(PostingBlock)
        .where(PostingBlock.user_id == user.id, PostingBlock.organisation_id == organisation_id,
               PostingBlock.until > utcnow())
        .order_by(PostingBlock.until.desc())
        .limit(1)
    )


def block_message(block: PostingBlock) -> str:
    return _("You are blocked from posting here until %(until)s. The moderators' justification: %(justification)s",
             until=moment(as_utc(block.until)), justification=block.justification)


def can_moderate(user: Any, round_: Round) -> bool:
    """Moderators and council members of the round's organisation moderate its discussions."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.MODERATOR, round_.organisation_id) or user.has_role(Role.COUNCIL, round_.organisation_id)


def _require_posting(round_: Round, proposal: Proposal, user: User) -> None:
    refusal = posting_refusal(round_, proposal)
    if refusal:
        raise DeliberationError(refusal)
    block = active_block(user, round_.organisation_id)
    if block is not None:
        raise DeliberationForbidden(block_message(block))


# ------------------------------------------------------------------------------------------------------------
# Posting, editing, deleting
# ------------------------------------------------------------------------------------------------------------


def _clean_input(stance: str, body: str) -> tuple[str, str]:
    if stance not in {s.value for s in Stance}:
        raise DeliberationError(_("Choose whether you are for, against, asking a question or neutral."), "stance")
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise DeliberationError(_("Write something before posting."), "body")
    if len(body) > MAX_BODY:
        raise DeliberationError(_("Keep your comment under %(limit)s characters (it has %(length)s).",
                                  limit=number(MAX_BODY), length=number(len(body))), "body")
    return stance, body


def _needs_premoderation(round_: Round, author: User) -> bool:
    """The first K posts of an account in the organisation wait for a moderator (K per round, 0: never)."""
    limit = settings_for(round_).premoderate_first
    if limit <= 0 or can_moderate(author, round_):
        return False
    approved = db.session.scalar(
        select(func.count()).select_from(Comment).join(Round, Round.id == Comment.round_id)
        .where(Comment.author_id == author.id, Round.organisation_id == round_.organisation_id,
               Comment.status == CommentStatus.VISIBLE.value)
    )
    return approved < limit


def post_comment(proposal: Proposal, author: User, stance: str, body: str, parent_id: int | None = None) -> Comment:
    """Post a comment (or, with ``parent_id``, a reply) on ``proposal``.

    Replies nest to depth 3; a reply to a depth-3 comment joins that comment's parent and names it in
    ``reply_to_id``. A pre-moderated author's post waits (PENDING), seen only by them, until a moderator
    approves it; everyone else concerned is notified once it is visible.
    """
    round_ = db.session.get(Round, proposal.round_id)
    _require_posting(round_, proposal, author)
    stance, body = _clean_input(stance, body)
    comment = Comment(proposal_id=proposal.id, round_id=round_.id, author_id=author.id, stance=stance, body=body)
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.proposal_id != proposal.id:
            raise DeliberationError(_("The comment you are replying to is not part of this proposal's discussion."))
        if parent.status != CommentStatus.VISIBLE.value:
            raise DeliberationError(_("You can only reply to comments that are visible."))
        if parent.depth >= MAX_DEPTH:
            comment.parent_id, comment.depth, comment.reply_to_id = parent.parent_id, MAX_DEPTH, parent.id
        else:
            comment.parent_id, comment.depth = parent.id, parent.depth + 1
        comment.root_id = parent.root_id
    if _needs_premoderation(round_, author):
        comment.status = CommentStatus.PENDING.value
    db.session.add(comment)
    db.session.flush()
    if comment.root_id is None:
        comment.root_id = comment.id
    if comment.status == CommentStatus.VISIBLE.value:
        _announce(comment, proposal, author)
        _recount(proposal.id)
    db.session.flush()
    return comment


def _require_author(comment: Comment, user: User) -> None:
    if comment.author_id != user.id:
        raise DeliberationForbidden(_("Only the author of a comment can do that."))


def edit_comment(comment: Comment, editor: User, stance: str, body: str) -> bool:
    """The author changes text or stance; the earlier version is kept and shown as history. False: no change."""
    _require_author(comment, editor)
    proposal = db.session.get(Proposal, comment.proposal_id)
    _require_posting(db.session.get(Round, comment.round_id), proposal, editor)
    if comment.status not in (CommentStatus.VISIBLE.value, CommentStatus.PENDING.value):
        raise DeliberationError(_("This comment can no longer be edited."))
    stance, body = _clean_input(stance, body)
    if stance == comment.stance and body == comment.body:
        return False
    comment.revisions.append(
        CommentRevision(stance=comment.stance, body=comment.body, written_at=comment.edited_at or comment.created_at)
    )
    comment.stance, comment.body, comment.edited_at = stance, body, utcnow()
    db.session.flush()
    return True


def delete_comment(comment: Comment, user: User) -> None:
    """The author deletes their comment: a placeholder stays so the replies keep their context; the text and
    its earlier versions are gone."""
    _require_author(comment, user)
    if comment.status == CommentStatus.DELETED.value:
        raise DeliberationError(_("This comment is already deleted."))
    comment.status = CommentStatus.DELETED.value
    comment.body = ""
    comment.revisions.clear()
    db.session.flush()
    _recount(comment.proposal_id)


def _recount(proposal_id: int) -> None:
    """Keep the proposal's ``comment_count`` (the list's "most discussed" sort) equal to its visible comments."""
    visible = (
        select(func.count()).select_from(Comment)
        .where(Comment.proposal_id == proposal_id, Comment.status == CommentStatus.VISIBLE.value)
        .scalar_subquery()
    )
    db.session.execute(update(Proposal).where(Proposal.id == proposal_id).values(comment_count=visible))


# ------------------------------------------------------------------------------------------------------------
# Helpful marks, follows, flags, appeals
# ------------------------------------------------------------------------------------------------------------


def toggle_helpful(comment: Comment, user: User) -> bool:
    """Mark the comment helpful, or take the mark back; True when it is now marked."""
    if comment.status != CommentStatus.VISIBLE.value:
        raise DeliberationError(_("Only visible comments can be marked helpful."))
    if comment.author_id == user.id:
        raise DeliberationError(_("You cannot mark your own comment as helpful."))
    removed = db.session.execute(
        delete(HelpfulMark).where(HelpfulMark.comment_id == comment.id, HelpfulMark.user_id == user.id)
    ).rowcount
    if not removed:
        _insert_once(HelpfulMark(comment_id=comment.id, user_id=user.id))
    count = select(func.count()).select_from(HelpfulMark).where(HelpfulMark.comment_id == comment.id).scalar_subquery()
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(helpful_count=count))
    db.session.refresh(comment)
    return not removed


def marked_helpful(user: Any, comment_ids: Iterable[int]) -> set[int]:
    """The ids among ``comment_ids`` that ``user`` marked helpful."""
    ids = list(comment_ids)
    if not ids or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        select(HelpfulMark.comment_id).where(HelpfulMark.user_id == user.id, HelpfulMark.comment_id.in_(ids))
    ))


def is_following(user: Any, proposal: Proposal) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        select(Follow.id).where(Follow.user_id == user.id, Follow.proposal_id == proposal.id)
    ) is not None


def toggle_follow(proposal: Proposal, user: User) -> bool:
    """Follow the proposal's discussion, or stop; True when now following."""
    removed = db.session.execute(
        delete(Follow).where(Follow.user_id == user.id, Follow.proposal_id == proposal.id)
    ).rowcount
    if not removed:
        _insert_once(Follow(user_id=user.id, proposal_id=proposal.id))
    return not removed


def _insert_once(row) -> bool:
    """Insert a row a UNIQUE constraint allows once; False when a concurrent request of the same person inserted
    it first (a double click on PostgreSQL, where nothing serialises the two): theirs stands, no error."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def flag_comment(comment: Comment, user: User, reason: str, details: str = "") -> Flag:
    """Report a comment. With N open flags from different people (N per round) it is hidden pending review."""
    if comment.author_id == user.id:
        raise DeliberationError(_("You cannot flag your own comment; edit or delete it instead."))
    if comment.status != CommentStatus.VISIBLE.value:
        raise DeliberationError(_("This comment is already out of view or awaiting a moderator."))
    if reason not in {r.value for r in FlagReason}:
        raise DeliberationError(_("Choose why you are flagging this comment."), "reason")
    details = (details or "").strip()
    if reason == FlagReason.OTHER.value and not details:
        raise DeliberationError(_("Tell the moderators what is wrong."), "details")
    if len(details) > MAX_REASON:
        raise DeliberationError(_("Keep the explanation under %(limit)s characters.", limit=number(MAX_REASON)), "details")
    if db.session.scalar(select(Flag.id).where(Flag.comment_id == comment.id, Flag.user_id == user.id)):
        raise DeliberationError(_("You have already flagged this comment; the moderators will look at it."))
    flag = Flag(comment_id=comment.id, user_id=user.id, reason=reason, details=details)
    if not _insert_once(flag):
        raise DeliberationError(_("You have already flagged this comment; the moderators will look at it."))
    round_ = db.session.get(Round, comment.round_id)
    open_flags = db.session.scalar(
        select(func.count()).select_from(Flag).where(Flag.comment_id == comment.id, Flag.open.is_(True))
    )
    if open_flags >= settings_for(round_).flag_threshold:
        comment.status = CommentStatus.FLAGGED.value
        _record(round_, comment, None, ModerationKind.AUTO_HIDDEN, AUTO_HIDDEN_REASON)
        _recount(comment.proposal_id)
    return flag


def appeal_comment(comment: Comment, user: User, text: str) -> Appeal:
    """The author appeals a moderator's decision to hide their comment, once; it returns to the queue."""
    _require_author(comment, user)
    if comment.status != CommentStatus.HIDDEN.value:
        raise DeliberationError(_("Only a comment hidden by moderation can be appealed."))
    text = (text or "").strip()
    if not text:
        raise DeliberationError(_("Explain why the comment should be restored."), "text")
    if len(text) > MAX_REASON:
        raise DeliberationError(_("Keep the appeal under %(limit)s characters.", limit=number(MAX_REASON)), "text")
    if db.session.scalar(select(Appeal.id).where(Appeal.comment_id == comment.id)):
        raise DeliberationError(_("You have already appealed this decision; a comment can be appealed once."))
    appeal = Appeal(comment_id=comment.id, text=text)
    if not _insert_once(appeal):
        raise DeliberationError(_("You have already appealed this decision; a comment can be appealed once."))
    return appeal


def appeal_of(comment: Comment) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.comment_id == comment.id))


# ------------------------------------------------------------------------------------------------------------
# Moderation
# ------------------------------------------------------------------------------------------------------------

#: From which statuses each moderator decision may be taken, and the status it leads to.
DECISIONS = {
    ModerationKind.APPROVED: ((CommentStatus.FLAGGED, CommentStatus.PENDING, CommentStatus.VISIBLE), CommentStatus.VISIBLE),
    ModerationKind.HIDDEN: ((CommentStatus.VISIBLE, CommentStatus.FLAGGED, CommentStatus.PENDING), CommentStatus.HIDDEN),
    ModerationKind.RESTORED: ((CommentStatus.HIDDEN,), CommentStatus.VISIBLE),
    ModerationKind.UPHELD: ((CommentStatus.HIDDEN,), CommentStatus.HIDDEN),
}
#: Decisions that must say why, in public.
REASON_REQUIRED = {ModerationKind.HIDDEN, ModerationKind.UPHELD, ModerationKind.BLOCKED}


def _require_moderator(user: User, round_: Round) -> None:
    if not can_moderate(user, round_):
        raise DeliberationForbidden(_("Only moderators and the council of this round's organisation moderate here."))


def _clean_reason(kind: ModerationKind, reason: str) -> str:
    reason = (reason or "").strip()
    if kind in REASON_REQUIRED and not reason:
        raise DeliberationError(_("Give the public reason for this decision."), "reason")
    if len(reason) > MAX_REASON:
        raise DeliberationError(_("Keep the reason under %(limit)s characters.", limit=number(MAX_REASON)), "reason")
    return reason


def moderate_comment(comment: Comment, moderator: User, decision: str, reason: str = "") -> ModerationAction:
    """Approve, hide (with a public reason), restore, or uphold the hiding after an appeal.

    Open flags are closed by the decision; an open appeal is closed by restoring or upholding. The author is
    notified, and the act goes into the public moderation log and the round's event log.
    """
    round_ = db.session.get(Round, comment.round_id)
    _require_moderator(moderator, round_)
    try:
        kind = ModerationKind(decision)
        allowed_from, result = DECISIONS[kind]
    except (ValueError, KeyError):
        raise DeliberationError(_("Choose approve, hide, restore or keep hidden."), "decision") from None
    if comment.status_enum not in allowed_from:
        raise DeliberationError(_("That decision does not apply to a comment that is %(status)s.",
                                  status=comment.status_enum.label))
    appeal = appeal_of(comment)
    if kind is ModerationKind.UPHELD and (appeal is None or not appeal.open):
        raise DeliberationError(_("There is no open appeal to decide."))
    reason = _clean_reason(kind, reason)
    was_pending = comment.status == CommentStatus.PENDING.value
    comment.status = result.value
    comment.moderation_reason = reason if result is CommentStatus.HIDDEN else None
    db.session.execute(update(Flag).where(Flag.comment_id == comment.id).values(open=False))
    if appeal is not None and kind in (ModerationKind.RESTORED, ModerationKind.UPHELD):
        appeal.open = False
    action = _record(round_, comment, moderator, kind, reason)
    if was_pending and result is CommentStatus.VISIBLE:
        _announce(comment, db.session.get(Proposal, comment.proposal_id), comment.author)
    _recount(comment.proposal_id)
    return action


def block_author(comment: Comment, moderator: User, days: int, justification: str) -> PostingBlock:
    """Keep the comment's author from posting in the organisation for ``days``; they are told why."""
    round_ = db.session.get(Round, comment.round_id)
    _require_moderator(moderator, round_)
    if comment.author_id == moderator.id:
        raise DeliberationError(_("You cannot block yourself."))
    if not 1 <= days <= MAX_BLOCK_DAYS:
        raise DeliberationError(_("Block for 1 to %(max)d days.", max=MAX_BLOCK_DAYS), "days")
    justification = _clean_reason(ModerationKind.BLOCKED, justification)
    block = PostingBlock(
        organisation_id=round_.organisation_id, user_id=comment.author_id, until=utcnow() + timedelta(days=days),
        justification=justification, moderator_id=moderator.id,
    )
    db.session.add(block)
    _record(round_, comment, moderator, ModerationKind.BLOCKED, justification, days=days)
    return block


def _record(round_: Round, comment: Comment, moderator: User | None, kind: ModerationKind, reason: str,
            days: int | None = None) -> ModerationAction:
    """Log the act publicly and in the event chain, and tell the author in their language. Both logs keep the
    reason in the words it was given (with a block's length in English): they are the round's record, and the
    event chain is hashed."""
    logged = f"{reason} ({counted(days, 'day')})" if days else reason
    action = ModerationAction(round_id=round_.id, comment_id=comment.id, kind=kind.value, reason=logged,
                              moderator_id=getattr(moderator, "id", None))
    db.session.add(action)
    db.session.flush()
    payload = {"comment_id": comment.id, "proposal_id": comment.proposal_id, "reason": logged}
    if kind is ModerationKind.BLOCKED:
        payload["user_id"] = comment.author_id
    append_event(round_, EVENT_KINDS[kind], moderator, payload)
    proposal = db.session.get(Proposal, comment.proposal_id)
    with force_locale(languages_of([comment.author_id])[comment.author_id]):
        text = _moderation_text(kind, proposal, round_, reason, days)
    _notify(comment.author_id, NotificationKind.MODERATION, text, _permalink(comment))
    return action


def _moderation_text(kind: ModerationKind, proposal: Proposal, round_: Round, reason: str, days: int | None) -> str:
    """What the author of a moderated comment is told, in the locale in force."""
    title = proposal.title
    if kind is ModerationKind.BLOCKED:
        organisation = db.session.get(Organisation, round_.organisation_id)
        return _("The moderators blocked you from posting in %(organisation)s. Justification: %(justification)s "
                 "(%(days)s)", organisation=organisation.name, justification=reason,
                 days=_n("%(num)s day", "%(num)s days", days))
    if kind is ModerationKind.AUTO_HIDDEN:
        return _("Several people flagged your comment on “%(title)s”; it is hidden until a moderator reviews it.",
                 title=title)
    if kind is ModerationKind.APPROVED:
        return _("A moderator approved your comment on “%(title)s”; it is visible.", title=title)
    if kind is ModerationKind.HIDDEN:
        return _("A moderator hid your comment on “%(title)s”. Reason: %(reason)s. You can appeal once.",
                 title=title, reason=reason)
    if kind is ModerationKind.RESTORED:
        return _("A moderator restored your comment on “%(title)s”.", title=title)
    return _("A moderator heard your appeal about your comment on “%(title)s”; it stays hidden. Reason: %(reason)s",
             title=title, reason=reason)


@dataclass
class QueueItem:
    """A comment waiting for a moderator, with the open flags' reasons counted (never who flagged)."""

    comment: Comment
    proposal_title: str
    flag_reasons: dict[FlagReason, int]
    flag_details: list[str]
    appeal: Appeal | None

    @property
    def why(self) -> str:
        if self.appeal is not None and self.appeal.open:
            return "appealed"
        if self.comment.status == CommentStatus.PENDING.value:
            return "pending"
        return "flagged"


def moderation_queue(round_: Round) -> list[QueueItem]:
    """Flagged, pending and appealed comments of the round, oldest first."""
    flagged_ids = select(Flag.comment_id).where(Flag.open.is_(True))
    appealed_ids = select(Appeal.comment_id).where(Appeal.open.is_(True))
    comments = list(db.session.scalars(
        select(Comment).where(
            Comment.round_id == round_.id,
            or_(Comment.status.in_((CommentStatus.FLAGGED.value, CommentStatus.PENDING.value)),
                Comment.id.in_(flagged_ids), Comment.id.in_(appealed_ids)),
        ).order_by(Comment.id)
    ))
    ids = [c.id for c in comments]
    reasons: dict[int, dict[FlagReason, int]] = defaultdict(dict)
    details: dict[int, list[str]] = defaultdict(list)
    appeals: dict[int, Appeal] = {}
    if ids:
        for flag in db.session.scalars(select(Flag).where(Flag.comment_id.in_(ids), Flag.open.is_(True))):
            reason = FlagReason(flag.reason)
            reasons[flag.comment_id][reason] = reasons[flag.comment_id].get(reason, 0) + 1
            if flag.details:
                details[flag.comment_id].append(flag.details)
        appeals = {a.comment_id: a for a in db.session.scalars(select(Appeal).where(Appeal.comment_id.in_(ids)))}
    titles = dict(db.session.execute(
        select(Proposal.id, Proposal.title).where(Proposal.id.in_({c.proposal_id for c in comments}))
    ).all()) if comments else {}
    return [QueueItem(c, titles[c.proposal_id], reasons[c.id], details[c.id], appeals.get(c.id)) for c in comments]


def moderation_log(round_: Round, before: int | None = None) -> tuple[list[ModerationAction], int | None]:
    """A page of the round's public moderation log, newest first (keyset on id); and the next page's cursor."""
    return _newest_first(ModerationAction, ModerationAction.round_id == round_.id, before)


def _newest_first(model, condition, before: int | None) -> tuple[list, int | None]:
    """A keyset page of ``model`` rows matching ``condition``, by id descending below ``before``; and the id to
    pass as ``before`` for the next page (None on the last page)."""
    query = select(model).where(condition)
    if before is not None:
        query = query.where(model.id < before)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(LOG_PAGE_SIZE + 1)))
    more = len(rows) > LOG_PAGE_SIZE
    rows = rows[:LOG_PAGE_SIZE]
    return rows, (rows[-1].id if more else None)


# ------------------------------------------------------------------------------------------------------------
# Reading threads
# ------------------------------------------------------------------------------------------------------------


@dataclass
class ThreadNode:
    """A comment with its replies, in the order they were written."""

    comment: Comment
    replies: list[ThreadNode] = field(default_factory=list)


@dataclass
class ThreadPage:
    """One page of top-level comments with their whole threads; ``next_cursor`` opens the next page."""

    threads: list[ThreadNode]
    sort: str
    next_cursor: str | None
    is_first: bool


def _visible_to(viewer: Any):
    """Pending comments are seen only by their authors; every other status has its place in the thread."""
    if getattr(viewer, "is_authenticated", False):
        return or_(Comment.status != CommentStatus.PENDING.value, Comment.author_id == viewer.id)
    return Comment.status != CommentStatus.PENDING.value


def parse_cursor(sort: str, cursor: str | None) -> tuple[int, ...] | None:
    """A cursor is the last top-level comment of the previous page: "id", or "helpful_count.id" for the
    helpful sort. Anything malformed means "from the start"."""
    if not cursor or len(cursor) > 24:
        return None
    parts = cursor.split(".")
    if not all(part.isdigit() and len(part) <= 10 for part in parts):
        return None
    numbers = tuple(int(part) for part in parts)
    if len(numbers) != (2 if sort == "helpful" else 1) or any(n > 2**31 - 1 for n in numbers):
        return None
    return numbers


def thread_page(proposal: Proposal, viewer: Any, sort: str = "oldest", cursor: str | None = None,
                start_at: int | None = None, page_size: int = PAGE_SIZE) -> ThreadPage:
    """A page of ``proposal``'s discussion as ``viewer`` may see it, by keyset pagination (no OFFSET).

    ``start_at`` (a top-level comment id, oldest-first order) opens the page that begins with that thread —
    what a permalink uses.
    """
    sort = sort if sort in SORTS else "oldest"
    position = parse_cursor(sort, cursor)
    query = (select(Comment).options(selectinload(Comment.author))
             .where(Comment.proposal_id == proposal.id, Comment.depth == 1, _visible_to(viewer)))
    if sort == "helpful":
        if position:
            query = query.where(tuple_(Comment.helpful_count, Comment.id) < tuple_(*position))
        query = query.order_by(Comment.helpful_count.desc(), Comment.id.desc())
    elif sort == "newest":
        if position:
            query = query.where(Comment.id < position[0])
        query = query.order_by(Comment.id.desc())
    else:
        if start_at is not None:
            query = query.where(Comment.id >= start_at)
        elif position:
            query = query.where(Comment.id > position[0])
        query = query.order_by(Comment.id)
    roots = list(db.session.scalars(query.limit(page_size + 1)))
    more = len(roots) > page_size
    roots = roots[:page_size]
    next_cursor = None
    if more:
        last = roots[-1]
        next_cursor = f"{last.helpful_count}.{last.id}" if sort == "helpful" else str(last.id)
    return ThreadPage(_build_threads(roots, viewer), sort, next_cursor, position is None and start_at is None)


def _build_threads(roots: list[Comment], viewer: Any) -> list[ThreadNode]:
    if not roots:
        return []
    replies = db.session.scalars(
        select(Comment).options(selectinload(Comment.author))
        .where(Comment.root_id.in_([r.id for r in roots]), Comment.depth > 1, _visible_to(viewer))
        .order_by(Comment.id)
    )
    nodes = {root.id: ThreadNode(root) for root in roots}
    for reply in replies:
        node = ThreadNode(reply)
        nodes[reply.id] = node
        parent = nodes.get(reply.parent_id)
        if parent is not None:  # a parent the viewer cannot see (pending) takes its replies out of view too
            parent.replies.append(node)
    return [nodes[root.id] for root in roots]


def thread_comment_ids(page: ThreadPage) -> list[int]:
    """Every comment id on the page (for the viewer's helpful marks)."""
    ids: list[int] = []
    stack = list(page.threads)
    while stack:
        node = stack.pop()
        ids.append(node.comment.id)
        stack.extend(node.replies)
    return ids


def replied_to(comment_ids: Iterable[int]) -> dict[int, Comment]:
    """The comments that re-attached replies answer (for their "replying to" links)."""
    ids = list(comment_ids)
    if not ids:
        return {}
    query = select(Comment).options(selectinload(Comment.author)).where(Comment.id.in_(ids))
    return {c.id: c for c in db.session.scalars(query)}


def can_see_text(comment: Comment, viewer: Any) -> bool:
    """Whether ``viewer`` may read the comment's text: visible ones, and one's own post awaiting moderation."""
    if comment.status == CommentStatus.VISIBLE.value:
        return True
    return (comment.status == CommentStatus.PENDING.value and getattr(viewer, "is_authenticated", False)
            and viewer.id == comment.author_id)


def _permalink(comment: Comment) -> str:
    return site_path("deliberation.show_comment", comment_id=comment.id)


def thread_position(comment: Comment) -> int:
    """The top-level comment whose thread holds ``comment`` (where a permalink's page starts)."""
    return comment.root_id or comment.id


# ------------------------------------------------------------------------------------------------------------
# The summary (proposal pages, lists, ballot pages)
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryComment:
    """One of a stance's most helpful comments: its id, author, helpful marks and a plain-text excerpt."""

    id: int
    stance: str
    author_name: str
    helpful_count: int
    excerpt: str


@dataclass(frozen=True)
class Summary:
    """How a proposal's discussion stands: visible comments counted per stance, and per stance the (at most)
    two most helpful visible comments."""

    counts: dict[str, int]
    top: dict[str, list[SummaryComment]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _excerpt(body: str) -> str:
    """The comment as plain text (Markdown rendered, every tag dropped), shortened at a word boundary.

    Only the start of the text is rendered: an excerpt never needs more, and a 5,000-character comment would
    cost a list page milliseconds for nothing."""
    text = html.unescape(nh3.clean(str(render_comment(body[:EXCERPT_LENGTH * 2])), tags=set())).strip()
    text = " ".join(text.split())
    if len(text) <= EXCERPT_LENGTH:
        return text
    return text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


def _most_helpful(ids: list[int]):
    """Rows (id, proposal_id, stance, body, helpful_count, display_name) of the at most two most helpful visible
    comments of each proposal and stance.

    Each (proposal, stance) pair picks its first and second comment with a one-row subquery that walks the
    (proposal_id, status, stance, helpful_count, id) index from its top, so a busy proposal's 10,000 comments
    cost no more than a quiet one's three (a window function would sort them all). The second pick skips one
    index entry (OFFSET 1): a constant step, not a pagination scan.
    """
    stances = union_all(*(select(literal(stance.value).label("stance")) for stance in Stance)).subquery("stances")
    pairs = (select(Proposal.id.label("pid"), stances.c.stance).select_from(Proposal)
             .join(stances, true())  # every proposal with every stance, on purpose
             .where(Proposal.id.in_(ids)).subquery("pairs"))

    def pick(skip: int):
        return (
            select(Comment.id)
            .where(Comment.proposal_id == pairs.c.pid, Comment.status == CommentStatus.VISIBLE.value,
                   Comment.stance == pairs.c.stance)
            .order_by(Comment.helpful_count.desc(), Comment.id.desc())
            .limit(1).offset(skip)
            .scalar_subquery()
        )

    picked = [cid for row in db.session.execute(select(pick(0), pick(1)).select_from(pairs)) for cid in row if cid]
    if not picked:
        return []
    return db.session.execute(
        select(Comment.id, Comment.proposal_id, Comment.stance, Comment.body, Comment.helpful_count, User.display_name)
        .join(User, User.id == Comment.author_id)
        .where(Comment.id.in_(picked))
        .order_by(Comment.proposal_id, Comment.stance, Comment.helpful_count.desc(), Comment.id.desc())
    )


def proposal_summaries(proposal_ids: Iterable[int]) -> dict[int, Summary]:
    """The deliberation summary of each proposal in ``proposal_ids`` — the one call ballot pages make.

    Returns ``{proposal_id: Summary}`` for every id given (proposals without comments get zero counts):
    ``summary.counts`` maps each stance ("for", "against", "question", "neutral") to its number of visible
    comments; ``summary.top`` maps each stance to at most two :class:`SummaryComment` (the most helpful first,
    the newer one first on a tie). Hidden, flagged, pending and deleted comments are never counted or quoted,
    so the result is safe to show to anyone. Three queries, however many proposals and comments.
    """
    ids = sorted({int(pid) for pid in proposal_ids})
    if not ids:
        return {}
    counts = {pid: {s.value: 0 for s in Stance} for pid in ids}
    top: dict[int, dict[str, list[SummaryComment]]] = {pid: {s.value: [] for s in Stance} for pid in ids}
    visible = and_(Comment.proposal_id.in_(ids), Comment.status == CommentStatus.VISIBLE.value)
    for pid, stance, visible_count in db.session.execute(
        select(Comment.proposal_id, Comment.stance, func.count()).where(visible).group_by(Comment.proposal_id, Comment.stance)
    ):
        counts[pid][stance] = visible_count
    for row in _most_helpful([pid for pid in ids if any(counts[pid].values())]):
        top[row.proposal_id][row.stance].append(
            SummaryComment(row.id, row.stance, row.display_name, row.helpful_count, _excerpt(row.body))
        )
    return {pid: Summary(counts[pid], top[pid]) for pid in ids}


# ------------------------------------------------------------------------------------------------------------
# Notifications
# ------------------------------------------------------------------------------------------------------------


def _notify(user_id: int, kind: NotificationKind, text: str, url: str) -> None:
    db.session.add(Notification(user_id=user_id, kind=kind.value, text=text, url=url, language=locale_code()))


def _announce(comment: Comment, proposal: Proposal, author: User) -> None:
    """Tell the people concerned about a newly visible comment: the author replied to, the proposal's
    authors, its followers — each once, the most personal reason first, never the comment's author."""
    from ..proposals.operations import authors_of

    recipients: dict[int, NotificationKind] = {}
    answered_id = comment.reply_to_id or comment.parent_id
    if answered_id is not None:
        answered = db.session.get(Comment, answered_id)
        recipients[answered.author_id] = NotificationKind.REPLY
    for user in authors_of(proposal):
        recipients.setdefault(user.id, NotificationKind.ON_OWN_PROPOSAL)
    for user_id in db.session.scalars(select(Follow.user_id).where(Follow.proposal_id == proposal.id)):
        recipients.setdefault(user_id, NotificationKind.ON_FOLLOWED)
    recipients.pop(author.id, None)
    url = _permalink(comment)
    languages = languages_of(recipients)
    for user_id, kind in recipients.items():
        with force_locale(languages[user_id]):
            text = _announcement(kind, author.display_name, proposal.title)
        _notify(user_id, kind, text, url)


def _announcement(kind: NotificationKind, name: str, title: str) -> str:
    """What a new comment's notification says, in the locale in force."""
    if kind is NotificationKind.REPLY:
        return _("%(name)s replied to your comment on “%(title)s”.", name=name, title=title)
    if kind is NotificationKind.ON_OWN_PROPOSAL:
        return _("%(name)s commented on your proposal “%(title)s”.", name=name, title=title)
    return _("%(name)s commented on “%(title)s”, which you follow.", name=name, title=title)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def notifications_of(user: User, before: int | None = None) -> tuple[list[Notification], int | None]:
    """A page of the user's notifications, newest first (keyset on id), and the next page's cursor."""
    return _newest_first(Notification, Notification.user_id == user.id, before)


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    return db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    ).rowcount
