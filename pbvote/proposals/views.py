"""Proposal pages: thin views that parse, authorise, call one operation, and render or redirect (303)."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from ..access import public, role_required, signed_in
from ..accounts.models import Role
from ..database import write_transaction
from ..extensions import db, limiter
from ..i18n import _
from ..mail import MailError
from . import images, operations, rounds_api
from .forms import (
    AnswerInvitationForm,
    CostRevisionForm,
    DeleteForm,
    ExclusionGroupForm,
    InviteForm,
    MergeForm,
    ProposalForm,
    ReviewForm,
    WithdrawForm,
)
from .models import STATUS_VALUES, ExclusionGroup, Proposal, ProposalStatus
from .operations import ProposalError, ProposalForbidden, ProposalInput, ProposalQuery

MAX_QUERY_LENGTH = 200
MAX_PAGE = 10_000


# ------------------------------------------------------------------------------------------------------------
# Loading and access helpers
# ------------------------------------------------------------------------------------------------------------


def _visible_round(round_id: int):
    """The round, or 404 when it does not exist or this user may not see it (drafts of other organisations)."""
    round_ = rounds_api.get_round(round_id)
    if round_ is None or not rounds_api.can_view_round(current_user, round_):
        abort(404)
    return round_


def _visible_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    # Make the round's due phase changes first: an edit after the proposals phase ended must be refused even
    # when no cron job has run yet.
    round_ = rounds_api.get_round(proposal.round_id)
    if not rounds_api.can_view_round(current_user, round_):
        abort(404)
    return db.session.get(Proposal, proposal_id)


def proposal_organisation(proposal_id: int):
    """Resolver for council routes: the organisation of the proposal's round (None → 404)."""
    proposal = db.session.get(Proposal, proposal_id)
    return None if proposal is None else rounds_api.organisation_id(rounds_api.round_of(proposal))


def round_organisation(round_id: int):
    round_ = rounds_api.get_round(round_id)
    return None if round_ is None else rounds_api.organisation_id(round_)


def group_organisation(group_id: int):
    group = db.session.get(ExclusionGroup, group_id)
    return None if group is None else round_organisation(group.round_id)


def _apply_errors(form, error: ProposalError) -> None:
    """Put an operation's field errors on the form's fields, the rest in the form's own errors."""
    placed = False
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
            placed = True
        else:
            form.form_errors.append(message)
            placed = True
    if not placed or not error.field_errors:
        form.form_errors.append(error.message)


def _wants_partial() -> bool:
    """htmx asked for the results only (not a boosted navigation, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-Boosted")
        and not request.headers.get("HX-History-Restore-Request")
    )


# ------------------------------------------------------------------------------------------------------------
# Browse and read
# ------------------------------------------------------------------------------------------------------------


def _int_arg(name: str, low: int = 1, high: int = 2**31 - 1) -> int | None:
    value = request.args.get(name, "")
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _parse_query() -> ProposalQuery:
    """The list's query string; anything malformed falls back to the default instead of failing."""
    status = request.args.get("status", "")
    sort = request.args.get("sort", "")
    return ProposalQuery(
        text=request.args.get("q", "")[:MAX_QUERY_LENGTH].replace("\x00", ""),
        district_id=_int_arg("district"),
        category_id=_int_arg("category"),
        status=status if status in STATUS_VALUES else None,
        sort=sort if sort in operations.SORTS else "newest",
        page=_int_arg("page", high=MAX_PAGE) or 1,
    )


@public
def list_proposals(round_id: int):
    round_ = _visible_round(round_id)
    query = _parse_query()
    page = operations.list_proposals(round_, query)
    context = {
        "round": round_,
        "query": query,
        "page": page,
        "sorts": operations.SORTS,
        "statuses": [(s.value, s.label) for s in ProposalStatus],
        "districts": rounds_api.districts(round_),
        "categories": rounds_api.categories(round_),
        "names": rounds_api.names(round_),
        "can_submit": operations.is_resident(current_user, round_) and rounds_api.allows(round_, "SUBMIT_PROPOSAL"),
        "submissions_open": rounds_api.allows(round_, "SUBMIT_PROPOSAL"),
        "is_reviewer": operations.is_reviewer(current_user, round_),
    }
    template = "proposals/_results.html" if _wants_partial() else "proposals/list.html"
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


@public
def show_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    round_ = rounds_api.round_of(proposal)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        round=round_,
        names=rounds_api.names(round_),
        can_edit=operations.can_edit(current_user, proposal),
        can_withdraw=operations.can_withdraw(current_user, proposal),
        can_review=operations.can_review(current_user, proposal),
        is_author=proposal.is_author(current_user),
    )


@public
def show_proposal_image(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    if not proposal.image_filename or not images.is_stored_name(proposal.image_filename):
        abort(404)
    extension = proposal.image_filename.rsplit(".", 1)[1]
    path = images.upload_folder() / proposal.image_filename
    if not path.is_file():
        abort(404)
    # Stored images are small (re-encoded, at most 1600 px), so they are read whole: no file handle is left
    # open for the server to close later.
    response = Response(path.read_bytes(), mimetype=images.MIMETYPES[extension])
    response.add_etag()
    response.cache_control.max_age = 3600
    # Draft rounds' images must not sit in shared caches.
    response.cache_control.private = True
    return response.make_conditional(request)


@public
def list_revisions(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    round_ = rounds_api.round_of(proposal)
    return render_template(
        "proposals/revisions.html", proposal=proposal, round=round_, names=rounds_api.names(round_)
    )


# ------------------------------------------------------------------------------------------------------------
# Submit, edit, withdraw
# ------------------------------------------------------------------------------------------------------------


def _proposal_form(round_, **kwargs) -> ProposalForm:
    form = ProposalForm(**kwargs)
    form.set_choices(
        rounds_api.districts(round_), rounds_api.categories(round_), rounds_api.requires_district(round_)
    )
    return form


#: The forms carrying an image upload (see PROPOSAL_FORM_MAX_CONTENT_LENGTH).
IMAGE_FORM_ENDPOINTS = frozenset({"proposals.submit_proposal", "proposals.edit_proposal"})


def allow_image_uploads(endpoint: str | None, _values: dict | None) -> None:
    """Raise this request's body limit for the image forms, for signed-in people only (nobody else may send
    them). Registered as a URL value preprocessor because those run before every ``before_request`` hook,
    CSRF's included, i.e. before the body is parsed."""
    if endpoint in IMAGE_FORM_ENDPOINTS and current_user.is_authenticated:
        request.max_content_length = current_app.config["PROPOSAL_FORM_MAX_CONTENT_LENGTH"]


def _read_input(form: ProposalForm, round_) -> ProposalInput | None:
    """The operation's input from a submitted form, or None after marking errors on the form."""
    valid = form.validate()
    items = form.parsed_cost_items(rounds_api.currency(round_))
    if not valid or items is None:
        return None
    upload = request.files.get(form.image.name)
    # One byte over the limit is enough to refuse it (the upload itself waits in a temporary file).
    image = upload.read(images.max_image_bytes() + 1) if upload and upload.filename else None
    return ProposalInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        cost_items=items,
        district_id=form.district_id.data,
        category_id=form.category_id.data,
        location=form.location.data or "",
        image=image,
        remove_image=bool(form.remove_image.data),
    )


@role_required(Role.RESIDENT, organisation=round_organisation)
def submit_proposal(round_id: int):
    round_ = _visible_round(round_id)
    form = _proposal_form(round_)
    open_ = rounds_api.allows(round_, "SUBMIT_PROPOSAL")
    if request.method == "POST":
        data = _read_input(form, round_)
        if data is not None:
            try:
                with write_transaction():
                    round_ = rounds_api.get_round(round_id)
                    proposal = operations.submit_proposal(round_, current_user, data)
                    proposal_id = proposal.id
            except ProposalForbidden:
                abort(403)
            except ProposalError as error:
                _apply_errors(form, error)
            else:
                flash(_("Your proposal is submitted. You can invite co-authors and edit it until the phase ends."),
                      "success")
                return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
    form.pad_cost_items()
    return render_template(
        "proposals/form.html", form=form, round=round_, proposal=None, open=open_,
        currency=rounds_api.currency(round_),
    )


def _require_author(proposal: Proposal) -> None:
    if not proposal.is_author(current_user):
        abort(403)


@signed_in
def edit_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    _require_author(proposal)
    round_ = rounds_api.round_of(proposal)
    if not operations.can_edit(current_user, proposal):
        flash(_("This proposal can no longer be edited."), "error")
        return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id), code=303)
    if request.method == "POST":
        form = _proposal_form(round_)
        data = _read_input(form, round_)
        if data is not None:
            try:
                with write_transaction():
                    proposal = db.session.get(Proposal, proposal_id)
                    revision = operations.edit_proposal(proposal, current_user, data)
            except ProposalForbidden:
                abort(403)
            except ProposalError as error:
                _apply_errors(form, error)
            else:
                flash(_("Your changes are saved.") if revision else _("Nothing changed."), "success")
                return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
        proposal = db.session.get(Proposal, proposal_id)
        form.pad_cost_items()
    else:
        form = _proposal_form(
            round_,
            formdata=None,
            data={
                "title": proposal.title,
                "summary": proposal.summary,
                "description": proposal.description,
                "district_id": proposal.district_id,
                "category_id": proposal.category_id,
                "location": proposal.location,
            },
        )
        form.fill_cost_items([(i.description, i.amount) for i in proposal.cost_items], rounds_api.currency(round_))
    return render_template(
        "proposals/form.html", form=form, round=round_, proposal=proposal, open=True,
        currency=rounds_api.currency(round_),
    )


@signed_in
def withdraw_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    _require_author(proposal)
    form = WithdrawForm()
    if request.method == "POST" and form.validate():
        try:
            with write_transaction():
                operations.withdraw_proposal(db.session.get(Proposal, proposal_id), current_user, form.reason.data or "")
        except ProposalForbidden:
            abort(403)
        except ProposalError as error:
            flash(error.message, "error")
        else:
            flash(_("Your proposal is withdrawn; it will not go on the ballot."), "success")
        return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
    return render_template(
        "proposals/withdraw.html", form=form, proposal=proposal, round=rounds_api.round_of(proposal),
        allowed=operations.can_withdraw(current_user, proposal),
    )


# ------------------------------------------------------------------------------------------------------------
# Co-authors
# ------------------------------------------------------------------------------------------------------------


def _invitation_limit() -> str:
    """Invitations send mail to any address: limited so the form cannot be used to spam."""
    return current_app.config.get("RATELIMIT_INVITE", "20 per hour")


@signed_in
@limiter.limit(_invitation_limit, methods=["POST"])
def invite_coauthor(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    _require_author(proposal)
    form = InviteForm()
    if request.method == "POST" and form.validate():
        try:
            with write_transaction():
                coauthor = operations.invite_coauthor(
                    db.session.get(Proposal, proposal_id), current_user, form.email.data or ""
                )
                email = coauthor.email
        except ProposalForbidden:
            abort(403)
        except ProposalError as error:
            _apply_errors(form, error)
        except MailError:
            form.form_errors.append(_("The invitation could not be mailed just now; please try again later."))
        else:
            flash(_("Invitation sent to %(email)s.", email=email), "success")
            return redirect(url_for("proposals.invite_coauthor", proposal_id=proposal_id), code=303)
        proposal = db.session.get(Proposal, proposal_id)
    return render_template(
        "proposals/coauthors.html", form=form, proposal=proposal, round=rounds_api.round_of(proposal),
        can_invite=operations.can_edit(current_user, proposal),
    )


@signed_in
def show_invitation(token: str):
    try:
        coauthor = operations.load_invitation(token)
        error = None
    except operations.InvitationInvalid as invalid:
        coauthor, error = None, invalid.message
    if coauthor is not None and coauthor.email != current_user.email.lower():
        error = str(operations.WRONG_ADDRESS)
    return render_template(
        "proposals/invitation.html", coauthor=coauthor, error=error, token=token, form=AnswerInvitationForm()
    )


@signed_in
def answer_invitation(token: str):
    form = AnswerInvitationForm()
    if not form.validate():
        abort(400)
    if "accept" in request.form:
        accept = True
    elif "decline" in request.form:
        accept = False
    else:
        flash(_("Choose whether to accept or decline the invitation."), "error")
        return redirect(url_for("proposals.show_invitation", token=token), code=303)
    try:
        with write_transaction():
            coauthor = operations.respond_to_invitation(token, current_user, accept)
            proposal_id = coauthor.proposal_id
    except ProposalError as error:
        flash(error.message, "error")
        return redirect(url_for("proposals.show_invitation", token=token), code=303)
    if accept:
        flash(_("You are now a co-author of this proposal and can edit it."), "success")
        return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
    flash(_("You declined the invitation."), "info")
    return redirect(url_for("core.show_home"), code=303)


# ------------------------------------------------------------------------------------------------------------
# Council review
# ------------------------------------------------------------------------------------------------------------


def _merge_form(proposal: Proposal, **kwargs) -> MergeForm:
    form = MergeForm(prefix="merge", **kwargs)
    candidates = operations.list_proposals(
        rounds_api.round_of(proposal), ProposalQuery(sort="oldest"), page_size=1000
    ).items
    form.target_id.choices = [SelectChoice("", _("Choose the proposal to keep"))] + [
        SelectChoice(p.id, f"#{p.id} {p.title}") for p in candidates
        if p.id != proposal.id and p.status_enum in operations.OPEN_STATUSES
    ]
    return form


def _render_review(proposal: Proposal, review_form=None, cost_form=None, merge_form=None):
    round_ = rounds_api.round_of(proposal)
    if cost_form is None:
        cost_form = CostRevisionForm(prefix="cost", formdata=None)
        cost_form.fill_cost_items(
            [(i.description, i.amount) for i in proposal.cost_items], rounds_api.currency(round_)
        )
    return render_template(
        "proposals/review.html",
        proposal=proposal,
        round=round_,
        names=rounds_api.names(round_),
        review_form=review_form or ReviewForm(prefix="review", formdata=None),
        cost_form=cost_form,
        merge_form=merge_form or _merge_form(proposal, formdata=None),
        can_review=operations.can_review(current_user, proposal),
        currency=rounds_api.currency(round_),
    )


@role_required(Role.COUNCIL, organisation=proposal_organisation)
def review_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    form = ReviewForm(prefix="review")
    if request.method == "POST" and form.validate():
        try:
            with write_transaction():
                recorded = operations.review_proposal(
                    db.session.get(Proposal, proposal_id), current_user, form.decision.data == "feasible",
                    form.reason.data or "",
                )
        except ProposalForbidden:
            abort(403)
        except ProposalError as error:
            _apply_errors(form, error)
        else:
            flash(_("The decision is recorded and public.") if recorded else
                  _("The proposal already had this decision with this reason: nothing changed."), "success")
            return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
        proposal = db.session.get(Proposal, proposal_id)
    return _render_review(proposal, review_form=form if request.method == "POST" else None)


@role_required(Role.COUNCIL, organisation=proposal_organisation)
def revise_cost(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    round_ = rounds_api.round_of(proposal)
    form = CostRevisionForm(prefix="cost")
    valid = form.validate()
    items = form.parsed_cost_items(rounds_api.currency(round_))
    if valid and items is not None:
        try:
            with write_transaction():
                operations.revise_cost(db.session.get(Proposal, proposal_id), current_user, items, form.reason.data or "")
        except ProposalForbidden:
            abort(403)
        except ProposalError as error:
            _apply_errors(form, error)
        else:
            flash(_("The cost is revised; the change and its reason are in the proposal's history."), "success")
            return redirect(url_for("proposals.show_proposal", proposal_id=proposal_id), code=303)
        proposal = db.session.get(Proposal, proposal_id)
    form.pad_cost_items()
    return _render_review(proposal, cost_form=form)


@role_required(Role.COUNCIL, organisation=proposal_organisation)
def merge_proposal(proposal_id: int):
    proposal = _visible_proposal(proposal_id)
    form = _merge_form(proposal)
    if form.validate():
        target = db.session.get(Proposal, form.target_id.data) if form.target_id.data else None
        if target is None:
            form.target_id.errors = list(form.target_id.errors) + [_("Choose the proposal to keep.")]
        else:
            try:
                with write_transaction():
                    operations.merge_proposals(
                        db.session.get(Proposal, proposal_id), db.session.get(Proposal, target.id), current_user,
                        form.reason.data or "",
                    )
                    target_id = target.id
            except ProposalForbidden:
                abort(403)
            except ProposalError as error:
                _apply_errors(form, error)
            except MailError:
                form.form_errors.append(
                    _("The authors could not be mailed just now; nothing was merged. Try again later.")
                )
            else:
                flash(_("The proposals are merged and their authors informed."), "success")
                return redirect(url_for("proposals.show_proposal", proposal_id=target_id), code=303)
        proposal = db.session.get(Proposal, proposal_id)
    return _render_review(proposal, merge_form=form)


def _group_form(round_, **kwargs) -> ExclusionGroupForm:
    form = ExclusionGroupForm(**kwargs)
    candidates = operations.list_proposals(round_, ProposalQuery(sort="oldest"), page_size=1000).items
    form.proposal_ids.choices = [
        SelectChoice(p.id, f"#{p.id} {p.title}") for p in candidates if p.status_enum in operations.OPEN_STATUSES
    ]
    return form


@role_required(Role.COUNCIL, organisation=round_organisation)
def list_exclusion_groups(round_id: int):
    round_ = _visible_round(round_id)
    form = _group_form(round_)
    if request.method == "POST" and form.validate():
        try:
            with write_transaction():
                round_ = rounds_api.get_round(round_id)
                proposals = operations.proposals_by_ids(round_, form.proposal_ids.data or [])
                operations.create_exclusion_group(round_, current_user, proposals, form.name.data or "")
        except ProposalForbidden:
            abort(403)
        except ProposalError as error:
            _apply_errors(form, error)
        else:
            flash(_("The proposals are now mutually exclusive: at most one of them can be funded."), "success")
            return redirect(url_for("proposals.list_exclusion_groups", round_id=round_id), code=303)
        round_ = rounds_api.get_round(round_id)
    return render_template(
        "proposals/exclusion_groups.html",
        round=round_,
        form=form,
        groups=operations.exclusion_groups_of_round(round_),
        delete_form=DeleteForm(),
        can_review=rounds_api.allows(round_, "REVIEW_PROPOSAL"),
    )


@role_required(Role.COUNCIL, organisation=group_organisation)
def delete_exclusion_group(group_id: int):
    form = DeleteForm()
    if not form.validate():
        abort(400)
    group = db.session.get(ExclusionGroup, group_id)
    round_id = group.round_id
    try:
        with write_transaction():
            operations.delete_exclusion_group(db.session.get(ExclusionGroup, group_id), current_user)
    except ProposalForbidden:
        abort(403)
    except ProposalError as error:
        flash(error.message, "error")
    else:
        flash(_("The exclusion group is removed."), "success")
    return redirect(url_for("proposals.list_exclusion_groups", round_id=round_id), code=303)


# ------------------------------------------------------------------------------------------------------------
# Template helpers for this blueprint's pages
# ------------------------------------------------------------------------------------------------------------


def _round_url(round_) -> str:
    """The round's own page when the rounds feature has one, else its proposals."""
    if "rounds.show_round" in current_app.view_functions:
        return url_for("rounds.show_round", round_id=round_.id)
    return url_for("proposals.list_proposals", round_id=round_.id)


def _page_args(query: ProposalQuery, page: int) -> dict:
    """Query-string arguments that keep the search and filters on another page."""
    args = {"q": query.text or None, "district": query.district_id, "category": query.category_id,
            "status": query.status, "sort": query.sort if query.sort != "newest" else None, "page": page}
    return {key: value for key, value in args.items() if value is not None}


def template_helpers() -> dict:
    return {"money": rounds_api.format_money, "round_url": _round_url, "page_args": _page_args}
