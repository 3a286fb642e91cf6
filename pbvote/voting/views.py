"""Voting pages: the voter's budgets, the ballot editor (plain forms, htmx partials), review, cast, receipt,
and the council's close-voting step.

Every control of the ballot editor is a submit button in a real ``<form method="post">``; without JavaScript a
click stores the draft and answers 303 back to the same page (at the project just changed), with htmx the same
POST answers the editor partial. The server checks every change against the budget's rules.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..access import role_required, signed_in
from ..accounts.models import Role
from ..database import write_transaction
from ..deliberation.operations import proposal_summaries
from ..extensions import db, limiter
from ..i18n import _
from ..rounds import lifecycle
from ..rounds.lifecycle import Action, RoundError
from ..rounds.models import Budget, Round
from ..rounds.operations import describe_ballot, organisation_id_of_round
from ..rounds.voters import voter_record
from . import operations
from .forms import CastForm, CloseVotingForm
from .operations import BallotContent, BallotError

SEE_OTHER = 303
RECEIPT_KEY = "pbvote_receipt"


def _ballot_limit() -> str:
    return current_app.config.get("RATELIMIT_BALLOT", "30 per minute")


def _is_htmx() -> bool:
    """An htmx request aimed at a part of the page (boosted navigation wants the full page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _no_store(response):
    """Ballot pages are personal: never cached by the browser, a proxy, or htmx's history."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "HX-Request"
    return response


def _load(round_id: int, budget_id: int | None = None) -> tuple[Round, Budget | None]:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not lifecycle.can_view_round(current_user, round_):
        abort(404)
    budget = None
    if budget_id is not None:
        budget = db.session.get(Budget, budget_id)
        if budget is None or budget.round_id != round_.id:
            abort(404)
    return round_, budget


def _voter_or_page(round_: Round, budget: Budget | None = None):
    """The signed-in user's voter record, or the page that explains why they cannot vote here."""
    voter = voter_record(round_, current_user)
    reason, message = None, ""
    if not lifecycle.allows(round_, Action.VOTE):
        reason = "closed"
    elif voter is None:
        reason = "not_voter"
    elif budget is not None:
        try:
            operations.require_budget_vote(budget, voter)  # another district's budget, a paper voter …
        except BallotError as refusal:
            reason, message = "refused", str(refusal)
    if reason is None:
        return voter, None
    page = render_template("voting/cannot_vote.html", round=round_, budget=budget, reason=reason, message=message)
    return None, _no_store(current_app.make_response((page, 403 if reason != "closed" else 409)))


@signed_in
def show_voting(round_id: int):
    """The voter's budgets in this round, with where each ballot stands."""
    round_ = _load(round_id)[0]
    voter, refusal = _voter_or_page(round_)
    if refusal is not None:
        return refusal
    rows = [
        (budget, operations.current_ballot(budget, voter), operations.draft_of(budget, voter))
        for budget in operations.budgets_for_voter(round_, voter)
    ]
    return _no_store(current_app.make_response(render_template("voting/index.html", round=round_, rows=rows)))


def _editor_context(round_: Round, budget: Budget, voter, *, error: BallotError | None = None,
                    focus: str = "") -> dict:
    content, version = operations.working_content(budget, voter)
    options = operations.ballot_options(budget)
    by_id = {option.id: option for option in options}
    query = request.args.get("q", "").strip()[:100]
    try:
        category_id = int(request.args.get("category", "") or 0) or None
    except ValueError:
        category_id = None
    terms = query.casefold().split()
    available = [
        option for option in options
        if option.id not in content.choices
        and (category_id is None or option.category_id == category_id)
        and all(term in f"{option.title} {option.summary}".casefold() for term in terms)
    ]
    return {
        "round": round_,
        "budget": budget,
        "rules": operations.ballot_rules(budget),
        "how_to": describe_ballot(budget, round_.currency),
        "content": content,
        "chosen": [by_id[p] for p in content.choices if p in by_id],
        "available": available,
        "options_count": len(options),
        "check": operations.check_ballot(budget, content, options=options),
        # Deliberation's for/against summary follows each project onto the ballot.
        "summaries": proposal_summaries([option.id for option in options]),
        "version": version,
        "query": query,
        "category_id": category_id,
        "current": operations.current_ballot(budget, voter),
        "error": error,
        "focus": focus or request.args.get("focus", ""),
    }


@signed_in
def edit_ballot(round_id: int, budget_id: int):
    """GET: the ballot editor. POST: one change to the draft (add, up, down, remove, points), then the page."""
    round_, budget = _load(round_id, budget_id)
    voter, refusal = _voter_or_page(round_, budget)
    if refusal is not None:
        return refusal
    error = None
    if request.method == "POST":
        action, _colon, target = request.form.get("action", "").partition(":")
        try:
            _change_draft(round_id, budget_id, action, target)
        except BallotError as problem:
            db.session.rollback()
            error = problem
        else:
            if not _is_htmx():
                return redirect(_editor_url(round_id, budget_id, focus=target), code=SEE_OTHER)
        round_, budget = _load(round_id, budget_id)
        voter = voter_record(round_, current_user)
    focus = request.form.get("action", "").partition(":")[2] if request.method == "POST" else ""
    context = _editor_context(round_, budget, voter, error=error, focus=focus)
    template = "voting/_editor.html" if _is_htmx() else "voting/ballot.html"
    status = 422 if error is not None and not _is_htmx() else 200
    return _no_store(current_app.make_response((render_template(template, **context), status)))


def _editor_url(round_id: int, budget_id: int, *, focus: str = "") -> str:
    args = {key: request.args[key] for key in ("q", "category") if request.args.get(key)}
    if focus.isdigit():
        args["focus"] = focus
    anchor = f"#project-{focus}" if focus.isdigit() else ""
    return url_for("voting.edit_ballot", round_id=round_id, budget_id=budget_id, **args) + anchor


def _change_draft(round_id: int, budget_id: int, action: str, target: str) -> None:
    """Apply one editor action to the draft inside a write transaction (refusals store nothing)."""
    with write_transaction():
        round_, budget = _load(round_id, budget_id)
        voter = voter_record(round_, current_user)
        content, version = operations.working_content(budget, voter)
        if action == "points":
            content = BallotContent(list(content.choices), [_points_field(p) for p in content.choices])
        elif action in ("add", "up", "down", "remove") and target.isdigit() and len(target) <= 10:
            with_points = budget.ballot_type == "points"
            base = content if content.points is not None or not with_points else BallotContent(
                list(content.choices), [1] * len(content.choices))
            content = operations.apply_draft_action(base, action, int(target))
        else:
            raise BallotError(_("That button does not do anything here; please use the buttons on the page."))
        operations.save_draft(budget, voter, content, expected_version=_expected_version(version))


def _expected_version(current_version: int) -> int | None:
    """The draft version the form was made from (a page older than the draft is stale)."""
    given = request.form.get("version", "")
    if not given.isdigit() or current_version == 0:
        return None
    return int(given)


def _points_field(proposal_id: int) -> int:
    raw = request.form.get(f"points-{proposal_id}", "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise BallotError(_("Points must be whole numbers, such as 3."))
    return int(raw)


@signed_in
def review_ballot(round_id: int, budget_id: int):
    """The ballot as it will be cast, with every problem that still blocks it, and the submit button."""
    round_, budget = _load(round_id, budget_id)
    voter, refusal = _voter_or_page(round_, budget)
    if refusal is not None:
        return refusal
    context = _editor_context(round_, budget, voter)
    form = CastForm(version=context["version"])
    return _no_store(current_app.make_response(render_template("voting/review.html", form=form, **context)))


@signed_in
@limiter.limit(_ballot_limit, key_func=lambda: f"ballot:{current_user.get_id()}")
def cast_ballot(round_id: int, budget_id: int):
    """Cast the reviewed draft (POST only): 303 to the receipt, or the review page naming the problem."""
    round_, budget = _load(round_id, budget_id)
    refusal = _voter_or_page(round_, budget)[1]
    if refusal is not None:
        return refusal
    form = CastForm()
    error = None
    if form.validate_on_submit():
        try:
            receipt = operations.cast_ballot(round_id, budget_id, current_user._get_current_object(),
                                             draft_version=form.version.data)
        except BallotError as problem:
            db.session.rollback()
            error = problem
        else:
            session[RECEIPT_KEY] = {"budget_id": budget_id, "code": receipt.tracking_code,
                                    "replaced": receipt.replaced}
            return redirect(url_for("voting.show_receipt", round_id=round_id, budget_id=budget_id), code=SEE_OTHER)
    else:
        error = BallotError(_("The form has expired; review your ballot and submit it again."))
    round_, budget = _load(round_id, budget_id)
    context = _editor_context(round_, budget, voter_record(round_, current_user), error=error)
    form = CastForm(version=context["version"])
    page = render_template("voting/review.html", form=form, **context)
    return _no_store(current_app.make_response((page, 422)))


@signed_in
def show_receipt(round_id: int, budget_id: int):
    """The tracking code, shown once right after casting; afterwards, the current ballot without it."""
    round_, budget = _load(round_id, budget_id)
    voter = voter_record(round_, current_user)
    ballot = operations.current_ballot(budget, voter) if voter else None
    if ballot is None:
        abort(404)
    shown = session.get(RECEIPT_KEY)
    receipt = None
    if shown and shown.get("budget_id") == budget_id and shown.get("code") == ballot.tracking_code:
        receipt = session.pop(RECEIPT_KEY)
    options = {option.id: option for option in operations.ballot_options(budget)}
    page = render_template(
        "voting/receipt.html", round=round_, budget=budget, ballot=ballot, receipt=receipt,
        printed=operations.format_tracking_code(receipt["code"]) if receipt else None,
        chosen=[(options.get(p), p) for p in ballot.choices],
        can_change=lifecycle.allows(round_, Action.VOTE),
        has_email=not operations.is_code_identity(current_user),
    )
    return _no_store(current_app.make_response(page))


@role_required(Role.COUNCIL, organisation=organisation_id_of_round)
def close_voting(round_id: int):
    """GET: what closing will do (ballot counts); POST: close voting, tally every budget, go to tallied."""
    round_ = _load(round_id)[0]
    form = CloseVotingForm()
    error = None
    if form.validate_on_submit():
        try:
            with write_transaction():
                operations.close_voting(db.session.get(Round, round_id, populate_existing=True), current_user)
        except RoundError as refusal:
            db.session.rollback()
            error = str(refusal)
        else:
            flash(_("Voting is closed and every budget has been tallied."), "success")
            return redirect(url_for("rounds.show_round", round_id=round_id), code=SEE_OTHER)
    round_ = _load(round_id)[0]
    counts = [(budget, operations.count_current(budget)) for budget in round_.budgets]
    status = 409 if error else 200
    return render_template("voting/close.html", round=round_, form=form, counts=counts, error=error,
                           open=lifecycle.allows(round_, Action.TALLY)), status
