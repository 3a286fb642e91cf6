"""Voting: which ballots a voter may fill in, building a draft, checking and casting ballots, receipts and
closing the vote.

The server decides: :func:`check_ballot` refuses anything the budget's rules do not allow, naming the problem,
and :func:`cast_ballot` stores nothing unless every check passes. Casting runs in its own write transaction and
relies on the database's unique index for "one current ballot per voter per budget" (see ``models.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, load_only

from ..database import write_transaction
from ..extensions import db
from ..i18n import _, _n
from ..mail import MailError, in_language_of, send_mail
from ..proposals.models import Proposal, ProposalStatus
from ..proposals.operations import ballot_proposals
from ..rounds import lifecycle
from ..rounds.events import EventKind, append_event
from ..rounds.lifecycle import Action, RoundError
from ..rounds.models import BallotType, Budget, BudgetScope, Round, RoundState, RoundVoter, utcnow
from ..rounds.money import format_money
from ..rounds.voters import CODE_ALPHABET, is_code_identity
from .models import Ballot, BallotChannel, BallotDraft

#: How often a cast retries after losing a race on the unique index to the same voter's other request.
CAST_ATTEMPTS = 5
TRACKING_CODE_LENGTH = 20  # 25^20 ≈ 2^93
TRACKING_GROUP = 4
RECEIPT_DOMAIN = "pbvote-receipt-v1"


class BallotError(RoundError):
    """A ballot (or a change to a draft) that the round's rules refuse; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


class StaleBallotError(BallotError):
    """The form was made for a draft that has changed since (another tab, another device)."""


# --------------------------------------------------------------------------------------------------------------
# Who votes where, and what is on the ballot
# --------------------------------------------------------------------------------------------------------------


def budgets_for_voter(round_: Round, voter: RoundVoter | None) -> list[Budget]:
    """The budgets this voter may vote in: every citywide and category budget, and their district's."""
    if voter is None:
        return []
    return [
        budget
        for budget in round_.budgets
        if budget.scope != BudgetScope.DISTRICT.value or budget.district_id == voter.district_id
    ]


def may_vote_in(budget: Budget, voter: RoundVoter | None) -> bool:
    """Whether the voter may vote in ``budget`` (the test :func:`budgets_for_voter` applies, for one budget)."""
    return voter is not None and voter.round_id == budget.round_id and (
        budget.scope != BudgetScope.DISTRICT.value or budget.district_id == voter.district_id
    )


@dataclass(frozen=True)
class BallotOption:
    """A project on a budget's ballot."""

    id: int
    title: str
    summary: str
    cost: int
    category_id: int | None
    district_id: int | None


@dataclass(frozen=True)
class BallotRules:
    """A budget's ballot rules as plain numbers (``None``: no limit)."""

    kind: BallotType
    amount: int
    min_choices: int
    max_choices: int | None
    min_spend: int = 0
    points_total: int | None = None
    points_per_project_max: int | None = None
    points_per_rank: tuple[int, ...] = ()


def ballot_rules(budget: Budget) -> BallotRules:
    kind = budget.ballot_type_enum
    if kind == BallotType.RANKED:
        return BallotRules(kind, budget.amount, budget.min_ranks or 1, budget.max_ranks,
                           points_per_rank=tuple(budget.points_per_rank or ()))
    if kind == BallotType.APPROVAL:
        return BallotRules(kind, budget.amount, budget.min_picks or 0, budget.max_picks)
    if kind == BallotType.KNAPSACK:
        share = budget.min_spend_percent or 0
        return BallotRules(kind, budget.amount, 1, None, min_spend=-(-budget.amount * share // 100))
    return BallotRules(kind, budget.amount, 1, None, points_total=budget.points_total,
                       points_per_project_max=budget.points_per_project_max)


#: Ballot options of budgets whose round is voting, per process, keyed by what they are made from (see below).
_OPTIONS_CACHE: dict[tuple, list[BallotOption]] = {}
OPTIONS_CACHE_SIZE = 64


def ballot_options(budget: Budget) -> list[BallotOption]:
    """The projects on ``budget``'s ballot (feasible proposals that compete in it), oldest first.

    While the round is voting the ballot cannot change: the lifecycle refuses every change to its proposals
    and budgets (submitting, editing, reviewing, withdrawing, settings) in that phase, and the only way out of
    it is a transition, which sets ``state_changed_at``. Yet every cast checks against it, so the options are
    kept per process under the round's identity and the moment it entered voting. Loading them costs the
    cast path ~10 ms otherwise.
    """
    round_ = budget.round
    if round_.state != RoundState.VOTING.value:
        return _load_options(budget)
    key = _options_key(round_, budget)
    options = _OPTIONS_CACHE.get(key)
    if options is None:
        options = _load_options(budget)
        if len(_OPTIONS_CACHE) >= OPTIONS_CACHE_SIZE:
            _OPTIONS_CACHE.pop(next(iter(_OPTIONS_CACHE)))
        _OPTIONS_CACHE[key] = options
    return list(options)


def _load_options(budget: Budget) -> list[BallotOption]:
    return [
        BallotOption(p.id, p.title, p.summary, p.total_cost, p.category_id, p.district_id)
        for p in ballot_proposals(budget.round, budget)
    ]


def _options_key(round_: Round, budget: Budget) -> tuple:
    """What identifies a voting round's ballot in this process (databases differ by engine, reused ids by
    creation time)."""
    return db.engine, round_.id, round_.created_at, round_.state_changed_at, budget.id


@dataclass
class BallotContent:
    """Choices (proposal ids) and, on points ballots, their points — the same shape drafts and ballots have."""

    choices: list[int] = field(default_factory=list)
    points: list[int] | None = None

    def points_of(self, proposal_id: int) -> int:
        if self.points is None or proposal_id not in self.choices:
            return 0
        return self.points[self.choices.index(proposal_id)]

    def canonical(self) -> str:
        return json.dumps({"choices": self.choices, "points": self.points}, separators=(",", ":"))


@dataclass(frozen=True)
class BallotCheck:
    """How a ballot stands against its rules: counts, money, points and the problems that block casting."""

    count: int
    total_cost: int
    points_used: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _why_not_on_ballot(budget: Budget, proposal_id: int) -> str:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.round_id != budget.round_id:
        return _("Project %(id)s is not a project of this round.", id=proposal_id)
    name = proposal.title
    status = proposal.status_enum
    if status == ProposalStatus.WITHDRAWN:
        return _("“%(project)s” was withdrawn by its authors and is not on the ballot.", project=name)
    if status == ProposalStatus.NOT_FEASIBLE:
        return _("“%(project)s” was found not feasible and is not on the ballot.", project=name)
    if status != ProposalStatus.FEASIBLE:
        return _("“%(project)s” is not on the ballot (%(status)s).", project=name, status=str(status.label).lower())
    return _("“%(project)s” is on the ballot of another budget, not %(budget)s.", project=name, budget=budget.name)


def check_ballot(budget: Budget, content: BallotContent, *, options: Sequence[BallotOption] | None = None,
                 complete: bool = True) -> BallotCheck:
    """Check ``content`` against the budget's rules. With ``complete=False`` (a draft being built) the lower
    limits are not problems yet; everything else is."""
    options = ballot_options(budget) if options is None else options
    by_id = {option.id: option for option in options}
    rules = ballot_rules(budget)
    problems: list[str] = []
    seen: set[int] = set()
    for proposal_id in content.choices:
        if proposal_id in seen:
            problems.append(_("%(project)s is on your ballot twice.", project=_title(by_id, proposal_id)))
        seen.add(proposal_id)
        if proposal_id not in by_id:
            problems.append(_why_not_on_ballot(budget, proposal_id))
    count = len(content.choices)
    total = sum(by_id[p].cost for p in seen if p in by_id)
    points_used = sum(content.points or ())
    ranked = rules.kind == BallotType.RANKED
    if rules.max_choices is not None and count > rules.max_choices:
        problems.append(_n("You chose %(count)s ranked projects; at most %(num)s is allowed.",
                           "You chose %(count)s ranked projects; at most %(num)s are allowed.", rules.max_choices,
                           count=count)
                        if ranked else
                        _n("You chose %(count)s projects; at most %(num)s is allowed.",
                           "You chose %(count)s projects; at most %(num)s are allowed.", rules.max_choices, count=count))
    if complete and count < rules.min_choices:
        if rules.min_choices == 1:
            problems.append(_("Choose at least one project; your ballot has %(count)s.", count=count))
        elif ranked:
            problems.append(_n("Choose at least %(num)s ranked project; your ballot has %(count)s.",
                               "Choose at least %(num)s ranked projects; your ballot has %(count)s.",
                               rules.min_choices, count=count))
        else:
            problems.append(_n("Choose at least %(num)s project; your ballot has %(count)s.",
                               "Choose at least %(num)s projects; your ballot has %(count)s.", rules.min_choices,
                               count=count))
    if rules.kind == BallotType.KNAPSACK:
        currency = budget.round.currency
        if total > rules.amount:
            problems.append(_("Your projects cost %(cost)s, more than the budget of %(amount)s.",
                              cost=format_money(total, currency), amount=format_money(rules.amount, currency)))
        elif complete and total < rules.min_spend:
            problems.append(_("Your projects cost %(cost)s; spend at least %(amount)s.",
                              cost=format_money(total, currency), amount=format_money(rules.min_spend, currency)))
    if rules.kind == BallotType.POINTS:
        points = content.points or []
        if len(points) != count:
            problems.append(_("Give every chosen project its points."))
        for proposal_id, value in zip(content.choices, points, strict=False):
            if value < 1:
                problems.append(_("Give %(project)s at least 1 point, or remove it.",
                                  project=_title(by_id, proposal_id)))
            elif value > (rules.points_per_project_max or 0):
                problems.append(_n("%(project)s has %(points)s points; one project may get at most %(num)s.",
                                   "%(project)s has %(points)s points; one project may get at most %(num)s.",
                                   rules.points_per_project_max or 0, project=_title(by_id, proposal_id), points=value))
        if points_used > (rules.points_total or 0):
            problems.append(_n("You gave %(used)s points; you have %(num)s.", "You gave %(used)s points; you have %(num)s.",
                               rules.points_total or 0, used=points_used))
    elif content.points is not None:
        problems.append(_("This ballot does not take points."))
    return BallotCheck(count, total, points_used, tuple(problems))


def _title(by_id: dict[int, BallotOption], proposal_id: int) -> str:
    option = by_id.get(proposal_id)
    return _("“%(title)s”", title=option.title) if option else _("Project %(id)s", id=proposal_id)


def normalise(budget: Budget, content: BallotContent) -> BallotContent:
    """Ranked ballots keep their order; the others are stored by ascending id (their order means nothing)."""
    if budget.ballot_type_enum == BallotType.RANKED:
        return BallotContent(list(content.choices), None)
    if content.points is None:
        return BallotContent(sorted(content.choices), None)
    if len(content.points) != len(content.choices):
        return content  # check_ballot names the problem
    pairs = sorted(zip(content.choices, content.points, strict=True))
    return BallotContent([p for p, _ in pairs], [v for _, v in pairs])


# --------------------------------------------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------------------------------------------


def require_voter(round_: Round, voter: RoundVoter | None) -> RoundVoter:
    """``voter`` (the user's record in ``round_``), or a :class:`BallotError` saying why they may not vote."""
    if voter is None:
        if round_.open_registration:
            raise BallotError(_("You are not registered to vote in this round yet: register first."))
        raise BallotError(_("You are not on this round's voters: sign in with the code from your letter."))
    return voter


def require_budget_vote(budget: Budget, voter: RoundVoter, *, voted_on_paper: bool | None = None) -> None:
    """Raise :class:`BallotError` unless ``voter`` may vote in ``budget`` now (``voted_on_paper``: whether a
    paper ballot of theirs counts in the round, when the caller has read it already)."""
    from ..paper.operations import refuse_if_voted_on_paper  # the paper feature builds on this module

    lifecycle.require_action(budget.round, Action.VOTE, BallotError)
    if not may_vote_in(budget, voter):
        raise BallotError(_("%(budget)s is for voters of %(district)s; you vote in your own district's budget.",
                            budget=budget.name, district=budget.district.name) if budget.district else
                          _("%(budget)s is for voters of another district; you vote in your own district's budget.",
                            budget=budget.name))
    refuse_if_voted_on_paper(budget, voter, voted_on_paper=voted_on_paper)


# --------------------------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------------------------


def draft_of(budget: Budget, voter: RoundVoter) -> BallotDraft | None:
    return db.session.scalar(
        select(BallotDraft).where(BallotDraft.budget_id == budget.id, BallotDraft.voter_id == voter.id)
    )


def current_ballot(budget: Budget, voter: RoundVoter) -> Ballot | None:
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.voter_id == voter.id, Ballot.superseded_at.is_(None))
    )


def working_content(budget: Budget, voter: RoundVoter) -> tuple[BallotContent, int]:
    """What the ballot page shows: the draft, else the current ballot, else nothing; and the draft's version."""
    draft = draft_of(budget, voter)
    if draft is not None:
        return BallotContent(list(draft.choices or []), draft.points), draft.version
    ballot = current_ballot(budget, voter)
    if ballot is not None:
        return BallotContent(list(ballot.choices), ballot.points), 0
    return BallotContent(), 0


def apply_draft_action(content: BallotContent, action: str, proposal_id: int, points: int | None = None) -> BallotContent:
    """One step of building a ballot: add, up, down, remove, or set points (which adds the project)."""
    choices = list(content.choices)
    values = list(content.points) if content.points is not None else None
    if action == "add":
        if proposal_id in choices:
            raise BallotError(_("That project is already on your ballot."))
        choices.append(proposal_id)
        if values is not None:
            values.append(points or 1)
    elif proposal_id not in choices:
        raise BallotError(_("That project is not on your ballot."))
    elif action == "remove":
        at = choices.index(proposal_id)
        del choices[at]
        if values is not None:
            del values[at]
    elif action in ("up", "down"):
        at = choices.index(proposal_id)
        to = at - 1 if action == "up" else at + 1
        if 0 <= to < len(choices):
            choices[at], choices[to] = choices[to], choices[at]
    else:
        raise BallotError(_("Unknown ballot action."))
    return BallotContent(choices, values)


def save_draft(budget: Budget, voter: RoundVoter, content: BallotContent, *, expected_version: int | None = None
               ) -> BallotDraft:
    """Store the voter's draft (the caller holds a write transaction). Anything a ballot may never hold
    (unknown projects, duplicates, over the limits, over budget, too many points) is refused; lower limits are
    checked only when the ballot is cast."""
    require_budget_vote(budget, voter)
    check = check_ballot(budget, content, complete=False)
    if not check.ok:
        raise BallotError(check.problems)
    draft = draft_of(budget, voter)
    if draft is None:
        current = current_ballot(budget, voter)
        first = (current.draft_version or 0) + 1 if current is not None else 1
        draft = BallotDraft(budget_id=budget.id, voter_id=voter.id, version=first)
        db.session.add(draft)
    else:
        if expected_version is not None and expected_version != draft.version:
            raise StaleBallotError(_("Your ballot changed in another window; here it is as it stands now."))
        draft.version += 1
    draft.choices = list(content.choices)
    draft.points = None if content.points is None else list(content.points)
    db.session.flush()
    return draft


# --------------------------------------------------------------------------------------------------------------
# Casting
# --------------------------------------------------------------------------------------------------------------


def format_tracking_code(code: str) -> str:
    return "-".join(code[i : i + TRACKING_GROUP] for i in range(0, len(code), TRACKING_GROUP))


def receipt_digest(round_id: int, budget_id: int, content: BallotContent, salt: str) -> str:
    """SHA-256 over the round, the budget, the ballot's content and a random salt (hex)."""
    material = "\n".join((RECEIPT_DOMAIN, str(round_id), str(budget_id), content.canonical(), salt))
    return hashlib.sha256(material.encode()).hexdigest()


def tracking_code_of(digest: str) -> str:
    """The digest as 20 characters of the voter-code alphabet (no look-alikes), for reading aloud or typing."""
    number = int(digest, 16)
    base = len(CODE_ALPHABET)
    characters = []
    for _position in range(TRACKING_CODE_LENGTH):
        number, remainder = divmod(number, base)
        characters.append(CODE_ALPHABET[remainder])
    return "".join(characters)


@dataclass(frozen=True)
class Receipt:
    """What the voter is given once after casting."""

    round_id: int
    budget_id: int
    budget_name: str
    tracking_code: str
    cast_at: datetime
    replaced: bool
    repeated: bool = False  # the same review page submitted again: nothing new was cast

    @property
    def printed(self) -> str:
        return format_tracking_code(self.tracking_code)


def cast_ballot(round_id: int, budget_id: int, user: Any, content: BallotContent | None = None, *,
                channel: BallotChannel = BallotChannel.WEB, draft_version: int | None = None) -> Receipt:
    """Check and store a ballot as the voter's current one for the budget (replacing any earlier one, which
    is kept as superseded). Runs its own write transaction; a refusal raises :class:`BallotError` and stores
    nothing.

    ``content=None`` casts the voter's draft, which must still be at ``draft_version`` (the version the
    review page showed): a form older than the draft is refused as stale, and a second submission of a draft
    already cast is answered with that ballot's receipt instead of casting again.
    """
    # Decided before the transaction, while the user is loaded: after the commit, reading the address again
    # would cost a query on every code voter's cast, and code voters get no mail.
    mail_receipt = not is_code_identity(user)
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    for attempt in range(CAST_ATTEMPTS):
        try:
            with write_transaction():
                receipt = _cast_once(round_id, budget_id, user_id, content, channel, draft_version)
            break
        except IntegrityError:
            # Another request of the same voter won the race on the unique index: try again on top of it.
            db.session.rollback()
            if attempt == CAST_ATTEMPTS - 1:
                raise BallotError(_("Your ballot could not be stored because of another submission at the same "
                                    "moment; please submit it again.")) from None
    if mail_receipt:
        _mail_receipt(user, receipt)
    return receipt


def _cast_once(round_id: int, budget_id: int, user_id: int | None, content: BallotContent | None,
               channel: BallotChannel, draft_version: int | None) -> Receipt:
    found = db.session.execute(
        _cast_context_query(), {"round_id": round_id, "budget_id": budget_id, "user_id": user_id}
    ).one_or_none()
    if found is None:
        raise BallotError(_("There is no such ballot."))
    round_, budget, voter, draft, current, voted_on_paper = found
    voter = require_voter(round_, voter)
    require_budget_vote(budget, voter, voted_on_paper=voted_on_paper)
    from_draft = content is None
    if from_draft:
        if draft is None and current is not None and draft_version is not None \
                and current.draft_version == draft_version:
            return Receipt(round_.id, budget.id, budget.name, current.tracking_code, current.cast_at, False,
                           repeated=True)
        if draft is None or (draft_version is not None and draft.version != draft_version):
            raise StaleBallotError(_("Your ballot changed in another window since this page was made: "
                                     "review it again."))
        content = BallotContent(list(draft.choices or []), draft.points)
    # Check what was sent, then normalise: normalising first would silently drop points sent with a ranked
    # ballot, or points beyond the choices (the JSON API lets clients send anything).
    check = check_ballot(budget, content)
    if not check.ok:
        raise BallotError(check.problems)
    content = normalise(budget, content)
    now = utcnow()
    if current is not None:
        # Should a racing request of this voter have stored a ballot since, the INSERT below fails on the
        # unique index and the cast is tried again, on top of that ballot.
        db.session.execute(
            update(Ballot).where(Ballot.id == current.id, Ballot.superseded_at.is_(None)).values(superseded_at=now)
            .execution_options(synchronize_session=False)
        )
    salt = secrets.token_hex(16)
    digest = receipt_digest(round_.id, budget.id, content, salt)
    tracking_code = tracking_code_of(digest)
    # The unique index decides here whether this voter's other request got in first.
    # (A plain INSERT of the table, not of the mapped class: the ORM's bulk path costs more than the statement.)
    db.session.execute(Ballot.__table__.insert(), {
        "round_id": round_.id, "budget_id": budget.id, "voter_id": voter.id, "choices": content.choices,
        "points": content.points, "channel": channel.value, "tracking_code": tracking_code, "digest": digest,
        "salt": salt, "cast_at": now, "superseded_at": None, "draft_version": draft.version if from_draft else None,
    })
    if draft is not None:
        # A statement, not session.delete: a racing request may have removed the row already.
        db.session.execute(delete(BallotDraft).where(BallotDraft.id == draft.id))
    return Receipt(round_.id, budget.id, budget.name, tracking_code, now, current is not None)


@functools.cache
def _cast_context_query():
    """Everything a cast's checks read, in one query (every cast pays for each round trip), fresh inside the
    lock: the round, the budget, the user's voter record, draft and current ballot there, and whether a paper
    ballot of theirs counts. Built once: making the statement costs more than running it."""
    current = aliased(Ballot)
    voted_on_paper = (
        select(Ballot.id)
        .where(Ballot.round_id == Round.id, Ballot.voter_id == RoundVoter.id, Ballot.superseded_at.is_(None),
               Ballot.channel == BallotChannel.PAPER.value)
        .exists()
        .label("voted_on_paper")
    )
    return (
        select(Round, Budget, RoundVoter, BallotDraft, current, voted_on_paper)
        .join(Budget, (Budget.round_id == Round.id) & (Budget.id == bindparam("budget_id")))
        .outerjoin(RoundVoter, (RoundVoter.round_id == Round.id) & (RoundVoter.user_id == bindparam("user_id")))
        .outerjoin(BallotDraft, (BallotDraft.budget_id == Budget.id) & (BallotDraft.voter_id == RoundVoter.id))
        .outerjoin(current, (current.budget_id == Budget.id) & (current.voter_id == RoundVoter.id)
                   & current.superseded_at.is_(None))
        .where(Round.id == bindparam("round_id"))
        .options(
            # Only what the checks read (a third of the columns: the rest would be decoded for nothing).
            load_only(Round.state, Round.open_registration, Round.paper_policy, Round.imported, Round.created_at,
                      Round.state_changed_at),
            load_only(Budget.round_id, Budget.name, Budget.scope, Budget.district_id, Budget.amount,
                      Budget.ballot_type, Budget.min_picks, Budget.max_picks, Budget.min_ranks, Budget.max_ranks,
                      Budget.points_per_rank, Budget.min_spend_percent, Budget.points_total,
                      Budget.points_per_project_max),
            load_only(RoundVoter.round_id, RoundVoter.district_id),
            load_only(BallotDraft.version, BallotDraft.choices, BallotDraft.points),
            load_only(current.draft_version, current.tracking_code, current.cast_at),
        )
        .execution_options(populate_existing=True)
    )


def _mail_receipt(user: Any, receipt: Receipt) -> None:
    """Mail the tracking code to voters with a real address; a mail failure never undoes the vote."""
    if receipt.repeated or user is None or is_code_identity(user) or not getattr(user, "email", ""):
        return
    round_ = db.session.get(Round, receipt.round_id)
    with in_language_of(user, round_.organisation):
        names = {"budget": receipt.budget_name, "round": round_.name}
        stored = (_("Your ballot for %(budget)s in “%(round)s” is stored and replaces your earlier one.", **names)
                  if receipt.replaced else _("Your ballot for %(budget)s in “%(round)s” is stored.", **names))
        body = "\n".join([
            stored, "",
            _("Tracking code: %(code)s", code=receipt.printed), "",
            _("Keep this code: when the results are published you can check with it that your ballot was counted."),
            _("You can change your ballot until voting closes; only your last ballot counts."), "",
        ])
        subject = _("Your ballot receipt: %(round)s", round=round_.name)
    try:
        send_mail(user.email, subject, body)
    except MailError as error:  # pragma: no cover - depends on the mail server
        current_app.logger.warning("Receipt mail to voter %s failed: %s", user.id, error)


# --------------------------------------------------------------------------------------------------------------
# Counting and closing
# --------------------------------------------------------------------------------------------------------------




def count_current(budget: Budget) -> int:
    return db.session.scalar(
        select(func.count()).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))
    ) or 0


def tracking_codes_digest(codes: Sequence[str]) -> str:
    """SHA-256 over the sorted tracking codes, one per line: what the log records when voting closes."""
    return hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest()


def close_voting(round_: Round, actor: Any = None, *, reason: str = "tally") -> Round:
    """Close voting: log each budget's counted ballots and the digest of their tracking codes, tally every
    budget with its stored rule, and move the round to ``tallied``. The caller holds a write transaction."""
    from ..results.operations import tally_round

    lifecycle.require_action(round_, Action.TALLY)
    budgets = []
    for budget in round_.budgets:
        codes = db.session.scalars(
            select(Ballot.tracking_code).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))
        ).all()
        budgets.append({"budget_id": budget.id, "budget": budget.name, "ballots": len(codes),
                        "tracking_codes_sha256": tracking_codes_digest(codes)})
    db.session.execute(
        BallotDraft.__table__.delete().where(BallotDraft.budget_id.in_([b.id for b in round_.budgets]))
    )
    append_event(round_, EventKind.VOTING_CLOSED, actor, {"budgets": budgets})
    tally_round(round_, actor)
    from ..rounds.operations import transition_round

    transition_round(round_, RoundState.TALLIED, actor, reason=reason)
    return round_

