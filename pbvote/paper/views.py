"""Paper-ballot pages for council staff: the overview (counts and the round's paper policy), the entry form,
the mismatches to resolve, and discarding. Plain forms; every route is for the round's council only (the council
of another organisation gets 403)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import role_required
from ..accounts.models import Role
from ..database import write_transaction
from ..extensions import db
from ..i18n import _, _l
from ..rounds import lifecycle
from ..rounds.lifecycle import Action, RoundError
from ..rounds.models import Budget, Round
from ..rounds.operations import describe_ballot, organisation_id_of_round
from ..voting.operations import ballot_options, ballot_rules
from . import operations
from .forms import DiscardForm, PaperEntryForm, PaperPolicyForm, field_name, read_paper_ballot
from .models import PaperStatus

SEE_OTHER = 303

council_only = role_required(Role.COUNCIL, organisation=organisation_id_of_round)

OUTCOME_MESSAGES = {
    PaperStatus.AWAITING_SECOND: _l("Paper ballot %(number)s is recorded (first entry). Write %(number)s on the "
                                    "paper: a second staff member must enter it too before it counts."),
    PaperStatus.COUNTED: _l("Paper ballot %(number)s counts: both entries agree."),
    PaperStatus.MISMATCH: _l("Paper ballot %(number)s does not agree with its earlier entry: it is listed under "
                             "mismatches for resolution and does not count yet."),
}


def _problems(error: RoundError) -> list[str]:
    return list(getattr(error, "problems", None) or [str(error)])


def _load(round_id: int, budget_id: int | None = None) -> tuple[Round, Budget | None]:
    """The round and, when asked for, one of its budgets (404 for a budget of another round)."""
    budget = db.get_or_404(Budget, budget_id) if budget_id is not None else None
    if budget is not None and budget.round_id != round_id:
        abort(404)
    return db.get_or_404(Round, round_id), budget


def _overview(round_: Round, policy_form: PaperPolicyForm, status: int = 200):
    page = render_template(
        "paper/index.html", round=round_, counts=operations.paper_counts(round_),
        awaiting=operations.awaiting_second_entry(round_),
        mismatches=len(operations.mismatched_paper_ballots(round_)), PaperStatus=PaperStatus,
        policy_form=policy_form, can_edit_policy=lifecycle.allows(round_, Action.EDIT_SETTINGS),
        can_enter=lifecycle.allows(round_, Action.VOTE),
    )
    return page, status


@council_only
def show_paper_ballots(round_id: int):
    """Counts per budget and status, the paper ballots waiting for a second entry, and the paper policy."""
    round_ = _load(round_id)[0]
    return _overview(round_, PaperPolicyForm(policy=round_.paper_policy))


@council_only
def set_paper_policy(round_id: int):
    """Change the round's paper policy (POST; refused once voting has opened)."""
    form = PaperPolicyForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                operations.set_paper_policy(db.session.get(Round, round_id), current_user, form.policy.data)
        except RoundError as refusal:
            db.session.rollback()
            form.form_errors.extend(_problems(refusal))
        else:
            flash(_("The paper policy is saved."), "success")
            return redirect(url_for("paper.show_paper_ballots", round_id=round_id), code=SEE_OTHER)
    return _overview(_load(round_id)[0], form, 422)


@council_only
def enter_paper_ballot(round_id: int, budget_id: int):
    """GET: the entry form for one paper ballot of the budget. POST: record the entry, then the form again."""
    round_, budget = _load(round_id, budget_id)
    form = PaperEntryForm()
    if form.validate_on_submit():
        try:
            with write_transaction():
                budget = db.session.get(Budget, budget_id)
                content = read_paper_ballot(budget.ballot_type_enum, ballot_options(budget), request.form)
                outcome = operations.enter_paper_ballot(budget, current_user._get_current_object(),
                                                        form.identifier.data, content)
                message = str(OUTCOME_MESSAGES[outcome.status]) % {"number": outcome.paper_ballot.number}
        except RoundError as refusal:
            db.session.rollback()
            form.form_errors.extend(_problems(refusal))
        except IntegrityError:
            # The same person's entry arriving twice at once (a double click): the unique constraint refused it.
            db.session.rollback()
            form.form_errors.append(_("This entry was just recorded by another submission of yours; check the "
                                      "paper ballot's number before entering it again."))
        else:
            flash(message, "success" if outcome.status != PaperStatus.MISMATCH else "warning")
            return redirect(url_for("paper.enter_paper_ballot", round_id=round_id, budget_id=budget_id),
                            code=SEE_OTHER)
        round_, budget = _load(round_id, budget_id)
    failed = request.method == "POST"
    page = render_template(
        "paper/enter.html", round=round_, budget=budget, form=form, options=ballot_options(budget),
        kind=ballot_rules(budget).kind.value, how_to=describe_ballot(budget, round_.currency),
        field_name=field_name, typed=request.form if failed else {},
        can_enter=lifecycle.allows(round_, Action.VOTE),
    )
    return page, 422 if failed else 200


@council_only
def list_mismatches(round_id: int):
    """Paper ballots whose entries disagree, each entry's contents side by side, with the ways to resolve them."""
    round_ = _load(round_id)[0]
    return _mismatches(round_, {})


def _mismatches(round_: Round, errors: dict[int, list[str]], status: int = 200):
    options = {option.id: option for budget in round_.budgets for option in ballot_options(budget)}
    page = render_template(
        "paper/mismatches.html", round=round_, papers=operations.mismatched_paper_ballots(round_),
        options=options, voter_label=operations.voter_label, errors=errors, discard_form=DiscardForm(),
        can_resolve=lifecycle.allows(round_, Action.VOTE),
    )
    return page, status


@council_only
def discard_paper_ballot(round_id: int, paper_ballot_id: int):
    """Discard a paper ballot with a reason (POST): it never counts."""
    round_ = _load(round_id)[0]
    paper = operations.paper_ballot_of(round_, paper_ballot_id)
    if paper is None:
        abort(404)
    form = DiscardForm()
    problems = list(form.reason.errors) if not form.validate_on_submit() else []
    if not problems:
        try:
            with write_transaction():
                operations.discard_paper_ballot(paper, current_user._get_current_object(), form.reason.data)
        except RoundError as refusal:
            db.session.rollback()
            problems = _problems(refusal)
        else:
            flash(_("Paper ballot %(number)s is discarded; it does not count.", number=paper.number), "success")
            return redirect(url_for("paper.list_mismatches", round_id=round_id), code=SEE_OTHER)
    return _mismatches(_load(round_id)[0], {paper_ballot_id: problems or [_("The form has expired; try again.")]}, 422)
