"""Accountability pages: the round's delivery page, the council's progress update form (new and edit) and the
updates' photos. Thin views: parse, authorise, call one operation, render or redirect (303).

The timeline on a project's page is drawn by ``accountability/_timeline.html``, which the proposal page
includes with ``progress_for(proposal, round)`` (a template helper of this blueprint).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import public, role_required
from ..accounts.models import Role
from ..database import write_transaction
from ..extensions import db
from ..i18n import _
from ..proposals import images
from ..proposals.markdown import render_markdown
from ..proposals.models import Proposal
from ..results.operations import is_published
from ..rounds import lifecycle
from ..rounds.models import Round
from ..rounds.money import MoneyError, format_money, minor_to_text, parse_money
from . import operations
from .chart import chart_for
from .forms import ProgressUpdateForm
from .models import ProgressUpdate
from .operations import AccountabilityError, UpdateInput

SEE_OTHER = 303


# ------------------------------------------------------------------------------------------------------------
# Loading and access helpers
# ------------------------------------------------------------------------------------------------------------


def _visible_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None or not lifecycle.can_view_round(current_user, round_):
        abort(404)
    return round_


def _visible_proposal(proposal_id: int) -> tuple[Proposal, Round]:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal, _visible_round(proposal.round_id)


def _visible_update(update_id: int) -> tuple[ProgressUpdate, Proposal, Round]:
    update = db.session.get(ProgressUpdate, update_id)
    if update is None:
        abort(404)
    return (update, *_visible_proposal(update.proposal_id))


def proposal_organisation(proposal_id: int) -> int | None:
    """Resolver for the council's routes: the organisation of the proposal's round (None → 404)."""
    proposal = db.session.get(Proposal, proposal_id)
    return None if proposal is None else db.session.get(Round, proposal.round_id).organisation_id


def update_organisation(update_id: int) -> int | None:
    """Resolver: the organisation of the update's round (None → 404)."""
    update = db.session.get(ProgressUpdate, update_id)
    return None if update is None else db.session.get(Round, update.round_id).organisation_id


# ------------------------------------------------------------------------------------------------------------
# Public pages
# ------------------------------------------------------------------------------------------------------------


@public
def show_delivery(round_id: int):
    """Every funded project of a published round: status, spent against cost, a chart and its table."""
    round_ = _visible_round(round_id)
    if not is_published(round_):
        abort(403)
    delivery = operations.delivery_of(round_)
    return render_template("accountability/delivery.html", round=round_, delivery=delivery,
                           chart=chart_for(delivery, round_.currency),
                           can_post=operations.can_post(current_user, round_))


@public
def show_update_photo(update_id: int):
    update = _visible_update(update_id)[0]
    if not update.image_filename or not images.is_stored_name(update.image_filename):
        abort(404)
    path = images.upload_folder() / update.image_filename
    if not path.is_file():
        abort(404)
    extension = update.image_filename.rsplit(".", 1)[1]
    response = Response(path.read_bytes(), mimetype=images.MIMETYPES[extension])
    response.add_etag()
    response.cache_control.max_age = 3600
    response.cache_control.private = True
    return response.make_conditional(request)


# ------------------------------------------------------------------------------------------------------------
# The council's form
# ------------------------------------------------------------------------------------------------------------


def _read_input(form: ProgressUpdateForm, round_: Round) -> UpdateInput | None:
    """The operation's input from a submitted form, or None after marking errors on the form."""
    valid = form.validate()
    spent = None
    if form.spent.data:
        try:
            spent = parse_money(form.spent.data, round_.currency)
        except MoneyError as error:
            form.spent.errors = list(form.spent.errors) + [str(error)]
            valid = False
    if not valid or spent is None:
        return None
    upload = request.files.get(form.image.name)
    return UpdateInput(
        status=form.status.data, reported_on=form.reported_on.data, text=form.text.data or "", spent=spent,
        reason=form.reason.data or "", image=upload.read() if upload and upload.filename else None,
        remove_image=bool(form.remove_image.data),
    )


def _apply_errors(form: ProgressUpdateForm, error: AccountabilityError) -> None:
    for name, message in error.field_errors.items():
        getattr(form, name).errors = list(getattr(form, name).errors) + [message]
    form.form_errors.append(error.message)


def _saved(proposal: Proposal, round_: Round, update_id: int, message: str):
    update = db.session.get(ProgressUpdate, update_id)
    flash(message, "success")
    if update.spent > proposal.total_cost:
        flash(_("Spent so far (%(spent)s) is more than the project's cost (%(cost)s); the pages show this as an "
                "overrun.", spent=format_money(update.spent, round_.currency),
                cost=format_money(proposal.total_cost, round_.currency)), "warning")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id, _anchor=f"progress-update-{update_id}"),
                    code=SEE_OTHER)


def _render_form(form: ProgressUpdateForm, proposal: Proposal, round_: Round, update: ProgressUpdate | None,
                 status: int = 200):
    return render_template("accountability/form.html", form=form, proposal=proposal, round=round_, update=update,
                           takes_updates=operations.takes_updates(proposal, round_)), status


@role_required(Role.COUNCIL, organisation=proposal_organisation)
def post_update(proposal_id: int):
    """The council posts a progress update on a funded project."""
    proposal, round_ = _visible_proposal(proposal_id)
    form = ProgressUpdateForm()
    if request.method == "GET":
        form = ProgressUpdateForm(formdata=None, reported_on=operations.today_in(round_),
                                  spent=minor_to_text(_current_spent(proposal), round_.currency))
        return _render_form(form, proposal, round_, None)
    data = _read_input(form, round_)
    if data is not None:
        try:
            with write_transaction():
                update = operations.post_update(db.session.get(Proposal, proposal_id), current_user, data)
                update_id = update.id
        except AccountabilityError as error:
            _apply_errors(form, error)
        else:
            return _saved(proposal, round_, update_id, _("The progress update is published."))
    proposal, round_ = _visible_proposal(proposal_id)
    return _render_form(form, proposal, round_, None, 422)


@role_required(Role.COUNCIL, organisation=update_organisation)
def edit_update(update_id: int):
    """The council corrects a progress update (the log keeps what changed)."""
    update, proposal, round_ = _visible_update(update_id)
    if request.method == "GET":
        form = ProgressUpdateForm(formdata=None, status=update.status, reason=update.reason or "",
                                  reported_on=update.reported_on, text=update.text,
                                  spent=minor_to_text(update.spent, round_.currency))
        return _render_form(form, proposal, round_, update)
    form = ProgressUpdateForm()
    data = _read_input(form, round_)
    if data is not None:
        try:
            with write_transaction():
                operations.edit_update(db.session.get(ProgressUpdate, update_id), current_user, data)
        except AccountabilityError as error:
            _apply_errors(form, error)
        else:
            return _saved(proposal, round_, update_id, _("The progress update is corrected."))
    update, proposal, round_ = _visible_update(update_id)
    return _render_form(form, proposal, round_, update, 422)


def _current_spent(proposal: Proposal) -> int:
    updates = operations.timeline(proposal)
    return updates[0].spent if updates else 0


# ------------------------------------------------------------------------------------------------------------
# Template helpers
# ------------------------------------------------------------------------------------------------------------


def progress_for(proposal: Proposal, round_: Round) -> dict:
    """What the project page's timeline shows: the updates (newest first), whether the project takes updates,
    and whether the viewer may post them."""
    updates = operations.timeline(proposal)
    return {
        "updates": updates,
        "current": updates[0] if updates else None,
        "takes_updates": operations.takes_updates(proposal, round_),
        "can_post": operations.can_post(current_user, round_),
    }


def template_helpers() -> dict:
    return {"progress_for": progress_for, "progress_markdown": render_markdown}
