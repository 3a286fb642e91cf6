"""The notices pbvote itself sends: voting opens, voting closes in two days, results published, a proposal's
feasibility decision.

Round notices are queued by ``pbvote tick`` (:func:`queue_round_notices`) once per round: the batch is recorded
in ``notice_batch`` in the same transaction as its mails, so a second tick (or the same one a minute later)
skips it. They go to the round's eligible voters with a confirmed mailbox — residents of its organisation,
people on its voter roll and everyone registered as its voter — never to voter-code identities. The closing
reminder goes only to those without a current ballot (web or paper) in the round, and says nothing else about
anyone's vote. No notice carries a voter code or any other secret. Each is written in its recipient's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select

from ..accounts.models import Role, RoleGrant, User
from ..database import write_transaction
from ..extensions import db
from ..i18n import _, moment
from ..mail import external_url, in_language_of
from ..rounds.models import Round, RoundState, RoundVoter, VoterRollEntry, as_utc
from ..voting.models import Ballot
from .models import NoticeBatch, utcnow
from .queue import Notice, dialect_insert, mailable_users, not_opted_out, queue_notice, queue_notices

#: The closing reminder goes this long before voting closes (not at all when voting is shorter than that).
REMINDER_LEAD = timedelta(days=2)
#: Results published longer ago than this are not announced (a round published before notices existed).
RESULTS_NOTICE_WINDOW = timedelta(days=7)


def queue_round_notices(now: datetime | None = None) -> int:
    """Queue the round notices that are due and not yet queued; returns how many mails were queued."""
    now = now or utcnow()
    queued = 0
    voting = db.session.scalars(
        select(Round).where(Round.state == RoundState.VOTING.value, Round.imported.is_(False)).order_by(Round.id)
    ).all()
    for round_ in voting:
        queued += _queue_batch(round_, "voting_opens", _voting_opens, eligible_voters(round_.id, "voting_opens"))
        if _closing_reminder_due(round_, now):
            queued += _queue_batch(round_, "voting_closing", _voting_closing,
                                   eligible_voters(round_.id, "voting_closing", without_ballot=True))
    published = db.session.scalars(
        select(Round).where(
            Round.state == RoundState.PUBLISHED.value,
            Round.imported.is_(False),
            Round.state_changed_at >= now - RESULTS_NOTICE_WINDOW,
        ).order_by(Round.id)
    ).all()
    for round_ in published:
        queued += _queue_batch(round_, "results_published", _results_published,
                               eligible_voters(round_.id, "results_published"))
    return queued


def _closing_reminder_due(round_: Round, now: datetime) -> bool:
    """Within two days of the scheduled close, and voting opened more than two days before it."""
    phase = round_.phase_for(RoundState.VOTING)
    closes = phase.ends_at_utc if phase is not None else None
    if closes is None:
        return False
    return closes - REMINDER_LEAD <= now < closes and as_utc(round_.state_changed_at) < closes - REMINDER_LEAD


def eligible_voters(round_id: int, kind: str, *, without_ballot: bool = False):
    """The people who may vote in the round and want ``kind`` notices (optionally: who have not voted)."""
    round_ = db.session.get(Round, round_id)
    resident = exists().where(
        RoleGrant.user_id == User.id,
        RoleGrant.organisation_id == round_.organisation_id,
        RoleGrant.role == Role.RESIDENT.value,
    )
    on_roll = exists().where(
        VoterRollEntry.round_id == round_id, VoterRollEntry.kind == "email", VoterRollEntry.identifier == User.email
    )
    registered = exists().where(RoundVoter.round_id == round_id, RoundVoter.user_id == User.id)
    query = select(User).where(or_(resident, on_roll, registered), mailable_users(), not_opted_out(kind))
    if without_ballot:
        query = query.where(~exists().where(
            RoundVoter.round_id == round_id,
            RoundVoter.user_id == User.id,
            Ballot.voter_id == RoundVoter.id,
            Ballot.superseded_at.is_(None),
        ))
    return query.order_by(User.id)


def _queue_batch(round_: Round, kind: str, compose: Callable[[Round, User], tuple[str, str]], recipients) -> int:
    """Queue one round notice for every recipient, once: the batch row and the mails commit together."""
    key = f"{kind}:round:{round_.id}"
    if db.session.get(NoticeBatch, key) is not None:
        return 0
    with write_transaction():
        claimed = db.session.execute(
            dialect_insert(NoticeBatch).values(key=key, queued_at=utcnow())
            .on_conflict_do_nothing().returning(NoticeBatch.key)
        ).first()
        if not claimed:  # another tick is queueing (or has queued) this batch
            return 0
        notices = []
        for user in db.session.scalars(recipients):
            with in_language_of(user):
                subject, body = compose(round_, user)
            notices.append(Notice(kind, user, subject, body, key=f"{key}:user:{user.id}"))
        return queue_notices(notices)


# --------------------------------------------------------------------------------------------------------------
# Texts (composed inside ``in_language_of(recipient)``)
# --------------------------------------------------------------------------------------------------------------


def _voting_closes(round_: Round) -> datetime | None:
    phase = round_.phase_for(RoundState.VOTING)
    return phase.ends_at_utc if phase is not None else None


def _voting_opens(round_: Round, user: User) -> tuple[str, str]:
    closes = _voting_closes(round_)
    lines = [
        _("Hello %(name)s,", name=user.display_name),
        "",
        _("Voting is open in “%(round)s” of %(organisation)s.", round=round_.name,
          organisation=round_.organisation.name),
        _("It closes on %(moment)s.", moment=moment(closes, round_.timezone)) if closes
        else _("The council will announce when it closes."),
        "",
        _("See the projects and cast your vote:"),
        external_url("voting.show_voting", round_id=round_.id),
    ]
    return _("Voting is open: %(round)s", round=round_.name), "\n".join(lines)


def _voting_closing(round_: Round, user: User) -> tuple[str, str]:
    lines = [
        _("Hello %(name)s,", name=user.display_name),
        "",
        _("Voting in “%(round)s” of %(organisation)s closes on %(moment)s.", round=round_.name,
          organisation=round_.organisation.name, moment=moment(_voting_closes(round_), round_.timezone)),
        _("You have not voted yet. If you want a say in which projects are funded, vote here:"),
        external_url("voting.show_voting", round_id=round_.id),
    ]
    return _("Two days left to vote: %(round)s", round=round_.name), "\n".join(lines)


def _results_published(round_: Round, user: User) -> tuple[str, str]:
    lines = [
        _("Hello %(name)s,", name=user.display_name),
        "",
        _("The results of “%(round)s” of %(organisation)s are published: which projects are funded and how the "
          "count reached that outcome.", round=round_.name, organisation=round_.organisation.name),
        external_url("results.show_results", round_id=round_.id),
    ]
    return _("Results published: %(round)s", round=round_.name), "\n".join(lines)


def queue_feasibility_decision(proposal, feasible: bool, reason: str | None) -> int:
    """Queue the council's feasibility decision on ``proposal`` to each of its authors; the caller commits."""
    from ..proposals.operations import authors_of  # proposals call this module

    round_ = db.session.get(Round, proposal.round_id)
    verdict = "feasible" if feasible else "not feasible"  # in the key: not translated
    queued = 0
    for author in authors_of(proposal):
        with in_language_of(author):
            names = {"organisation": round_.organisation.name, "title": proposal.title, "round": round_.name}
            lines = [
                _("Hello %(name)s,", name=author.display_name),
                "",
                _("The council of %(organisation)s has reviewed your proposal “%(title)s” in “%(round)s” and found "
                  "it feasible.", **names) if feasible else
                _("The council of %(organisation)s has reviewed your proposal “%(title)s” in “%(round)s” and found "
                  "it not feasible.", **names),
            ]
            if reason:
                lines += ["", _("The council's reason:"), reason]
            lines += ["", external_url("proposals.show_proposal", proposal_id=proposal.id)]
            subject = (_("Your proposal is feasible: %(title)s", title=proposal.title) if feasible
                       else _("Your proposal is not feasible: %(title)s", title=proposal.title))
        key = f"feasibility_decision:proposal:{proposal.id}:{verdict}:user:{author.id}"
        queued += queue_notice("feasibility_decision", author, subject, "\n".join(lines), key)
    return queued
