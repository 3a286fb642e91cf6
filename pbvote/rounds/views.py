"""Round pages: thin views that parse a form, check access, call one operation, then render or redirect.

Access: council routes use ``@role_required(Role.COUNCIL, organisation=round_organisation)``; a council member of
another organisation gets 403 (also for drafts: a draft's id reveals nothing but its existence). Public round
pages answer 404 for drafts to everyone outside the organisation's council and auditors.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..access import organisation_by_slug, public, role_required, signed_in
from ..accounts.models import Organisation, Role
from ..accounts.views import start_session
from ..database import write_transaction
from ..extensions import db, limiter
from ..i18n import _, _l, counted
from ..mail import external_url
from ..safecsv import CSV_MIMETYPE
from . import letters, lifecycle, operations, voters
from .events import describe_payload, kind_label, round_events, verify_chain
from .forms import (
    BallotForm,
    BudgetForm,
    ClaimCodeForm,
    ConfirmForm,
    ImportRoundForm,
    RegisterVoterForm,
    RoundForm,
    ScheduleForm,
    VoterCodesForm,
    VoterRollForm,
    lines,
)
from .importing import funded_projects
from .lifecycle import Action, RoundError
from .models import PHASE_STATES, Budget, BudgetScope, Round, RoundState, utcnow
from .money import MoneyError, format_money, minor_to_text, parse_money

SEE_OTHER = 303


def round_organisation(round_id: int) -> int | None:
    """Resolver for ``<round_id>`` routes: the round's organisation (None → 404)."""
    return operations.organisation_id_of_round(round_id)


council_only = role_required(Role.COUNCIL, organisation=round_organisation)


def _redirect(url: str):
    return redirect(url, code=SEE_OTHER)


def _load_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _load_budget(round_: Round, budget_id: int) -> Budget:
    budget = db.session.get(Budget, budget_id)
    if budget is None or budget.round_id != round_.id:
        abort(404)
    return budget


def _is_council(round_: Round) -> bool:
    return current_user.is_authenticated and current_user.has_role(Role.COUNCIL, round_.organisation_id)


def _show_form_errors(form, error: RoundError) -> None:
    """Put a domain error on the form: per field when it names fields, else on the whole form."""
    fields = getattr(error, "errors", None)
    if fields:
        for name, message in fields.items():
            target = getattr(form, name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]
            else:
                form.form_errors.append(message)
    else:
        form.form_errors.append(str(error))


def apply_due_transitions_for_request() -> None:
    """Before any request naming a round (``<round_id>``), make its due scheduled transitions."""
    round_id = (request.view_args or {}).get("round_id")
    if isinstance(round_id, int) and operations.may_be_due(round_id, utcnow()):
        operations.refresh_round(round_id)


def template_helpers() -> dict[str, Any]:
    """Functions the rounds templates use."""

    def money(round_: Round, minor: int | None) -> str:
        return format_money(minor, round_.currency)

    def local_time(round_: Round, moment) -> str:
        return operations.local_time_text(moment, round_.timezone)

    return {"round_money": money, "round_local_time": local_time, "describe_ballot": operations.describe_ballot,
            "when_voting_opens": operations.when_voting_opens, "event_kind": kind_label,
            "describe_event": lambda round_, event: describe_payload(event.payload, round_.currency)}


# ------------------------------------------------------------------------------------------------------------
# Lists and pages
# ------------------------------------------------------------------------------------------------------------


@public
def list_rounds(org_slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if organisation is None:
        abort(404)
    is_council = current_user.is_authenticated and current_user.has_role(Role.COUNCIL, organisation.id)
    rounds = operations.rounds_of(organisation.id, include_drafts=is_council)
    return render_template("rounds/list.html", organisation=organisation, rounds=rounds, is_council=is_council)


@public
def show_round(round_id: int):
    round_ = _load_round(round_id)
    if not lifecycle.can_view_round(current_user, round_):
        abort(404)
    voter = voters.voter_record(round_, current_user)
    return render_template(
        "rounds/show.html",
        round=round_,
        is_council=_is_council(round_),
        can_see_log=_is_council(round_)
        or (current_user.is_authenticated and current_user.has_role(Role.AUDITOR, round_.organisation_id)),
        allowed=lifecycle.allowed_actions(round_),
        Action=Action,
        manual_next=lifecycle.manual_next_states(round_),
        phases=[(state, round_.phase_for(state)) for state in PHASE_STATES],
        voter=voter,
        import_record=(record := _import_record(round_)),
        funded=funded_projects(record) if record else [],
        has_proposals="proposals.list_proposals" in current_app.view_functions,
    )


def _import_record(round_: Round):
    from .models import RoundImport

    return db.session.scalar(select(RoundImport).where(RoundImport.round_id == round_.id)) if round_.imported else None


# ------------------------------------------------------------------------------------------------------------
# Creating and editing a round
# ------------------------------------------------------------------------------------------------------------


def _settings_from(form: RoundForm) -> operations.RoundSettings:
    return operations.RoundSettings(
        name=form.name.data or "",
        description=form.description.data or "",
        currency=form.currency.data or "",
        timezone=form.timezone.data or "",
        districts=lines(form.districts.data),
        categories=lines(form.categories.data),
        open_registration=bool(form.open_registration.data),
    )


@role_required(Role.COUNCIL, organisation=organisation_by_slug)
def new_round(org_slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    form = RoundForm()
    if request.method == "GET":
        form.open_registration.data = True
    if form.validate_on_submit():
        try:
            with write_transaction():
                round_ = operations.create_round(organisation, current_user, _settings_from(form))
        except RoundError as error:
            _show_form_errors(form, error)
        else:
            flash(_("The round is created as a draft. Add its budgets next."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_.id))
    return render_template("rounds/round_form.html", form=form, organisation=organisation, round=None)


@council_only
def edit_round(round_id: int):
    round_ = _load_round(round_id)
    form = RoundForm(obj=None)
    if request.method == "GET":
        form.name.data, form.description.data = round_.name, round_.description
        form.currency.data, form.timezone.data = round_.currency, round_.timezone
        form.districts.data = "\n".join(d.name for d in round_.districts)
        form.categories.data = "\n".join(c.name for c in round_.categories)
        form.open_registration.data = round_.open_registration
    if form.validate_on_submit():
        try:
            with write_transaction():
                operations.update_round(_load_round(round_id), current_user, _settings_from(form))
        except RoundError as error:
            db.session.rollback()
            _show_form_errors(form, error)
        else:
            flash(_("Settings saved."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template(
        "rounds/round_form.html", form=form, organisation=round_.organisation, round=round_,
        frozen=not lifecycle.allows(round_, Action.EDIT_SETTINGS),
    )


# ------------------------------------------------------------------------------------------------------------
# Budgets and ballot settings
# ------------------------------------------------------------------------------------------------------------


def _budget_form(round_: Round, budget: Budget | None = None) -> BudgetForm:
    form = BudgetForm()
    form.district_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(d.id), d.name) for d in round_.districts]
    form.category_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(c.id), c.name) for c in round_.categories]
    if request.method == "GET" and budget is not None:
        form.name.data, form.scope.data = budget.name, budget.scope
        form.district_id.data, form.category_id.data = budget.district_id, budget.category_id
        form.amount.data = minor_to_text(budget.amount, round_.currency)
        form.min_project_cost.data = minor_to_text(budget.min_project_cost, round_.currency)
        form.max_project_cost.data = minor_to_text(budget.max_project_cost, round_.currency)
    return form


def _budget_input(form: BudgetForm, round_: Round) -> operations.BudgetInput:
    """The form's amounts parsed as money; bad amounts raise RoundValidationError naming the field."""
    errors: dict[str, str] = {}
    amounts: dict[str, int | None] = {}
    for name in ("amount", "min_project_cost", "max_project_cost"):
        text = getattr(form, name).data or ""
        if not text and name != "amount":
            amounts[name] = 0 if name == "min_project_cost" else None
            continue
        try:
            amounts[name] = parse_money(text, round_.currency)
        except MoneyError as error:
            errors[name] = str(error)
    if errors:
        raise operations.RoundValidationError(errors)
    return operations.BudgetInput(
        name=form.name.data or "",
        scope=form.scope.data or "",
        district_id=form.district_id.data if form.scope.data == BudgetScope.DISTRICT.value else None,
        category_id=form.category_id.data if form.scope.data == BudgetScope.CATEGORY.value else None,
        amount=amounts["amount"],
        min_project_cost=amounts["min_project_cost"] or 0,
        max_project_cost=amounts["max_project_cost"],
    )


@council_only
def new_budget(round_id: int):
    round_ = _load_round(round_id)
    form = _budget_form(round_)
    if form.validate_on_submit():
        try:
            with write_transaction():
                round_ = _load_round(round_id)
                operations.add_budget(round_, current_user, _budget_input(form, round_))
        except RoundError as error:
            db.session.rollback()
            _show_form_errors(form, error)
        else:
            flash(_("Budget added."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template("rounds/budget_form.html", form=form, round=round_, budget=None,
                           frozen=not lifecycle.allows(round_, Action.EDIT_SETTINGS))


@council_only
def edit_budget(round_id: int, budget_id: int):
    round_ = _load_round(round_id)
    budget = _load_budget(round_, budget_id)
    form = _budget_form(round_, budget)
    if form.validate_on_submit():
        try:
            with write_transaction():
                round_ = _load_round(round_id)
                operations.update_budget(_load_budget(round_, budget_id), current_user, _budget_input(form, round_))
        except RoundError as error:
            db.session.rollback()
            _show_form_errors(form, error)
        else:
            flash(_("Budget saved."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template("rounds/budget_form.html", form=form, round=round_, budget=_load_budget(round_, budget_id),
                           delete_form=ConfirmForm(), frozen=not lifecycle.allows(round_, Action.EDIT_SETTINGS))


@council_only
def delete_budget(round_id: int, budget_id: int):
    round_ = _load_round(round_id)
    _load_budget(round_, budget_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with write_transaction():
            round_ = _load_round(round_id)
            operations.remove_budget(_load_budget(round_, budget_id), current_user)
    except RoundError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Budget removed."), "success")
    return _redirect(url_for("rounds.show_round", round_id=round_id))


def _rule_choices() -> list[tuple[str, str]]:
    from ..tally.rules import load_rules

    return [SelectChoice(spec.id, f"{spec.id} — {spec.description.strip().splitlines()[0] if spec.description else ''}")
            for spec in sorted(load_rules().values(), key=lambda spec: spec.id)]


@council_only
def edit_ballot_settings(round_id: int, budget_id: int):
    round_ = _load_round(round_id)
    budget = _load_budget(round_, budget_id)
    form = BallotForm()
    form.rule_id.choices = _rule_choices()
    if request.method == "GET":
        form.ballot_type.data = budget.ballot_type
        for name in operations.ALL_BALLOT_FIELDS:
            if name != "points_per_rank":
                getattr(form, name).data = getattr(budget, name)
        form.points_per_rank.data = ", ".join(str(p) for p in budget.points_per_rank or [])
        form.rule_id.data = budget.rule_id
        form.rule_params.data = "\n".join(
            f"{key} = {value}" for key, value in sorted((budget.rule_params or {}).items())
        )
        form.explanation.data = budget.explanation
    if form.validate_on_submit():
        settings = operations.BallotSettings(
            ballot_type=form.ballot_type.data,
            rule_id=form.rule_id.data,
            rule_params=form.parsed_rule_params(),
            explanation=form.explanation.data or "",
            min_picks=form.min_picks.data,
            max_picks=form.max_picks.data,
            min_ranks=form.min_ranks.data,
            max_ranks=form.max_ranks.data,
            points_per_rank=form.parsed_points_per_rank(),
            min_spend_percent=form.min_spend_percent.data,
            points_total=form.points_total.data,
            points_per_project_max=form.points_per_project_max.data,
        )
        try:
            with write_transaction():
                round_ = _load_round(round_id)
                operations.update_ballot_settings(_load_budget(round_, budget_id), current_user, settings)
        except RoundError as error:
            db.session.rollback()
            _show_form_errors(form, error)
        else:
            flash(_("Ballot settings saved."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template("rounds/ballot_form.html", form=form, round=round_, budget=_load_budget(round_, budget_id),
                           frozen=not lifecycle.allows(round_, Action.EDIT_BALLOT_SETTINGS))


# ------------------------------------------------------------------------------------------------------------
# Schedule, transitions, log
# ------------------------------------------------------------------------------------------------------------


@council_only
def edit_schedule(round_id: int):
    round_ = _load_round(round_id)
    form = ScheduleForm()
    if request.method == "GET":
        for state in PHASE_STATES:
            phase = round_.phase_for(state)
            if phase is not None:
                for edge in ("starts_at", "ends_at"):
                    local = operations.to_local(getattr(phase, edge), round_.timezone)
                    getattr(form, f"{state.value}_{edge}").data = local.replace(tzinfo=None) if local else None
    if form.validate_on_submit():
        windows = {
            state: (
                operations.to_utc(getattr(form, f"{state.value}_starts_at").data, round_.timezone),
                operations.to_utc(getattr(form, f"{state.value}_ends_at").data, round_.timezone),
            )
            for state in PHASE_STATES
        }
        try:
            with write_transaction():
                operations.set_schedule(_load_round(round_id), current_user, windows)
        except RoundError as error:
            db.session.rollback()
            _show_form_errors(form, error)
        else:
            flash(_("Schedule saved. Phases will change at these times without anyone clicking."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template("rounds/schedule_form.html", form=form, round=round_, phase_states=PHASE_STATES,
                           frozen=not lifecycle.allows(round_, Action.EDIT_SCHEDULE))


#: How a round reaches the states it never enters by hand (see lifecycle.MANUAL_TRANSITIONS).
_OWN_STEP = {
    RoundState.TALLIED: _l("A round is tallied when voting closes: close the vote from the round's page, "
                           "and the votes are counted then."),
    RoundState.PUBLISHED: _l("A round is published by publishing its results from the results page."),
}


@council_only
def transition_round(round_id: int, to_state: str):
    """GET: a confirmation page; POST: make the transition (a manual one always needs this confirmation)."""
    round_ = _load_round(round_id)
    try:
        target = RoundState(to_state)
    except ValueError:
        abort(404)
    form = ConfirmForm()
    error = None
    if target not in lifecycle.manual_next_states(round_):
        if round_.imported:
            error = _("“%(round)s” was imported from a file and is read-only: its phase does not change.",
                      round=round_.name)
        elif target in lifecycle.next_states(round_):
            error = str(_OWN_STEP[target])
        else:
            error = _("A round in the %(phase)s phase cannot be moved to %(target)s.",
                      phase=round_.state_enum.label.lower(), target=target.label.lower())
    elif form.validate_on_submit():
        try:
            with write_transaction():
                operations.transition_round(_load_round(round_id), target, current_user)
        except RoundError as refusal:
            db.session.rollback()
            error = str(refusal)
        else:
            flash(_("The round is now in the %(phase)s phase.", phase=target.label.lower()), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    status = 409 if error and request.method == "POST" else 200
    return render_template("rounds/confirm_transition.html", round=round_, target=target, form=form,
                           error=error), status


@role_required(Role.COUNCIL, Role.AUDITOR, organisation=round_organisation)
def show_round_log(round_id: int):
    round_ = _load_round(round_id)
    return render_template("rounds/log.html", round=round_, events=round_events(round_id),
                           report=verify_chain(round_id))


# ------------------------------------------------------------------------------------------------------------
# Voters
# ------------------------------------------------------------------------------------------------------------


def _district_choices(round_: Round, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(str(d.id), d.name) for d in round_.districts]
    return ([SelectChoice("", blank)] if blank else []) + choices


@council_only
def manage_voters(round_id: int):
    round_ = _load_round(round_id)
    codes_form = VoterCodesForm(language=letters.letter_language(round_))
    codes_form.district_id.choices = _district_choices(round_, _("Choose a district") if round_.districts else None)
    return _render_voters(round_, VoterRollForm(), codes_form, None)


def _render_voters(round_: Round, roll_form, codes_form, report, status: int = 200):
    issued, claimed = voters.code_counts(round_)
    return render_template(
        "rounds/voters.html", round=round_, roll_form=roll_form, codes_form=codes_form, report=report,
        roll_size=voters.roll_size(round_), codes_issued=issued, codes_claimed=claimed,
        can_manage=lifecycle.allows(round_, Action.MANAGE_VOTERS),
    ), status


@council_only
def upload_voter_roll(round_id: int):
    round_ = _load_round(round_id)
    form = VoterRollForm()
    codes_form = VoterCodesForm(formdata=None, language=letters.letter_language(round_))
    codes_form.district_id.choices = _district_choices(round_, _("Choose a district") if round_.districts else None)
    if not form.validate_on_submit():
        return _render_voters(round_, form, codes_form, None)
    upload = form.roll.data
    data = upload.read(voters.ROLL_MAX_BYTES + 1) if upload else b""
    try:
        with write_transaction():
            round_ = _load_round(round_id)
            report = voters.import_voter_roll(round_, current_user, data, getattr(upload, "filename", "") or "")
            if not report.ok:
                raise _RollRejected(report)
    except _RollRejected as rejected:
        # Nothing was written: the transaction rolled back with the report in hand.
        return _render_voters(_load_round(round_id), form, codes_form, rejected.report)
    except RoundError as error:
        form.form_errors.append(str(error))
        return _render_voters(_load_round(round_id), form, codes_form, None)
    flash(_("Voter roll imported: %(voters)s added.",
            voters=counted(report.imported, "%(num)s voter", "%(num)s voters")), "success")
    return _redirect(url_for("rounds.manage_voters", round_id=round_id))


class _RollRejected(Exception):
    def __init__(self, report):
        self.report = report


@council_only
def generate_voter_codes(round_id: int):
    """Make a batch of codes and hand them over at once as a download: their clear text is never stored."""
    round_ = _load_round(round_id)
    form = VoterCodesForm(language=letters.letter_language(round_))
    form.district_id.choices = _district_choices(round_, _("Choose a district") if round_.districts else None)
    if not form.validate_on_submit():
        return _render_voters(round_, VoterRollForm(formdata=None), form, None)
    try:
        with write_transaction():
            round_ = _load_round(round_id)
            issued = voters.generate_voter_codes(round_, current_user, form.count.data, form.district_id.data)
            vote_url = external_url("rounds.claim_voter_code", round_id=round_id)
            language = form.language.data
            if form.output.data == "csv":
                body, mimetype, extension = letters.codes_csv(round_, issued), CSV_MIMETYPE, "csv"
            elif form.output.data == "pdf":
                body = letters.codes_pdf(round_, issued, vote_url, language)
                mimetype, extension = "application/pdf", "pdf"
            else:
                body = letters.codes_zip(round_, issued, vote_url, language)
                mimetype, extension = "application/zip", "zip"
    except RoundError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render_voters(_load_round(round_id), VoterRollForm(formdata=None), form, None)
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="voter-codes-round-{round_id}.{extension}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@signed_in
def register_voter(round_id: int):
    round_ = _load_round(round_id)
    if not lifecycle.can_view_round(current_user, round_):
        abort(404)
    try:
        voters.check_eligibility(round_, current_user)
    except voters.NotEligible as refusal:
        abort(403, description=str(refusal))
    form = RegisterVoterForm()
    form.district_id.choices = _district_choices(round_, _("Choose your district"))
    if form.validate_on_submit():
        try:
            with write_transaction():
                voters.register_voter(_load_round(round_id), current_user, form.district_id.data)
        except RoundError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("You are registered to vote in this round."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    round_ = _load_round(round_id)
    return render_template("rounds/register_voter.html", form=form, round=round_,
                           voter=voters.voter_record(round_, current_user))


def _code_limit() -> str:
    return current_app.config.get("RATELIMIT_VOTER_CODE", "10 per minute")


@public
@limiter.limit(_code_limit, methods=["POST"])
def claim_voter_code(round_id: int):
    round_ = _load_round(round_id)
    if not lifecycle.can_view_round(current_user, round_):
        abort(404)
    form = ClaimCodeForm()
    if form.validate_on_submit():
        signed_in_user = current_user if current_user.is_authenticated else None
        try:
            with write_transaction():
                user = voters.claim_voter_code(_load_round(round_id), form.code.data, signed_in_user,
                                               form.display_name.data or "")
        except RoundError as error:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(error)]
        else:
            if signed_in_user is None:
                start_session(user)  # a new session id and CSRF token, as at any sign-in
            round_ = _load_round(round_id)
            if lifecycle.allows(round_, Action.VOTE):
                flash(_("Your code is accepted. %(when)s", when=operations.when_voting_opens(round_)), "success")
                return _redirect(url_for("voting.show_voting", round_id=round_id))
            flash(_("Your code is accepted: you are a voter of this round. %(when)s",
                    when=operations.when_voting_opens(round_)), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_id))
    return render_template("rounds/claim_code.html", form=form, round=_load_round(round_id))


# ------------------------------------------------------------------------------------------------------------
# Importing a past round
# ------------------------------------------------------------------------------------------------------------


@role_required(Role.COUNCIL, organisation=organisation_by_slug)
def import_round(org_slug: str):
    from .importing import ImportError_
    from .importing import import_round as run_import

    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    form = ImportRoundForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(20 * 1024 * 1024 + 1) if upload else b""
        try:
            with write_transaction():
                round_ = run_import(organisation, current_user, data, getattr(upload, "filename", "") or "upload.pb",
                                    name=form.name.data or None)
        except ImportError_ as error:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(error)]
        else:
            flash(_("The round is imported and published, read-only."), "success")
            return _redirect(url_for("rounds.show_round", round_id=round_.id))
    return render_template("rounds/import.html", form=form, organisation=organisation)
