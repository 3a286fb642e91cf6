"""Discussion pages: thin views that parse, authorise, call one operation, and render or redirect (303).

Every action is a plain form that works without JavaScript (303 to a page that renders in full); htmx sends
the same forms and receives only the part of the page that changed (``HX-Request`` without ``HX-Boosted``).
"""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..access import public, role_required, signed_in
from ..accounts.models import Role, User
from ..database import write_transaction
from ..errors import handle_http_exception
from ..extensions import db, limiter
from ..i18n import _
from ..proposals import rounds_api
from ..proposals.models import Proposal
from ..rounds.models import Round, RoundState
from ..security import safe_next
from . import notifications, operations
from .forms import (
    ActionForm,
    AppealForm,
    BlockForm,
    CommentForm,
    EditCommentForm,
    FlagForm,
    MailPreferenceForm,
    ModerateForm,
    SettingsForm,
)
from .markdown import render_comment
from .models import Comment, ModerationKind
from .operations import DeliberationError, DeliberationForbidden

MAX_CURSOR = 2**31 - 1

# ------------------------------------------------------------------------------------------------------------
# Loading, access and rendering helpers
# ------------------------------------------------------------------------------------------------------------


def is_htmx_partial() -> bool:
    """htmx asked for a part of the page (not a boosted navigation, not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-Boosted")
        and not request.headers.get("HX-History-Restore-Request")
    )


def _visible_round(round_id: int) -> Round:
    round_ = rounds_api.get_round(round_id)
    if round_ is None or not rounds_api.can_view_round(current_user, round_):
        abort(404)
    return round_


def _visible_proposal(proposal_id: int) -> tuple[Proposal, Round]:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return db.session.get(Proposal, proposal_id), _visible_round(proposal.round_id)


def _visible_comment(comment_id: int) -> tuple[Comment, Proposal, Round]:
    """The comment with its proposal and round; 404 when it does not exist, the round is hidden from this
    user, or it waits for moderation and this is not its author."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    proposal, round_ = _visible_proposal(comment.proposal_id)
    comment = db.session.get(Comment, comment_id)
    if comment.status == "pending" and not (operations.can_see_text(comment, current_user)
                                            or operations.can_moderate(current_user, round_)):
        abort(404)
    return comment, proposal, round_


def round_organisation(round_id: int):
    """Resolver: the organisation of the round (None → 404)."""
    round_ = db.session.get(Round, round_id)
    return None if round_ is None else round_.organisation_id


def comment_organisation(comment_id: int):
    """Resolver: the organisation of the comment's round (None → 404)."""
    comment = db.session.get(Comment, comment_id)
    return None if comment is None else round_organisation(comment.round_id)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value.isdigit() or len(value) > 10 or int(value) > MAX_CURSOR:
        return None
    return int(value)


def discussion_context(proposal: Proposal, round_: Round, form: CommentForm | None = None,
                       start_at: int | None = None, focus_id: int | None = None, status_message: str = "") -> dict:
    """Everything the discussion part of a page shows, as ``viewer`` may see it."""
    sort = request.args.get("sort", "oldest")
    page = operations.thread_page(proposal, current_user, sort, request.args.get("after"),
                                  start_at=start_at if start_at is not None else _int_arg("from"))
    ids = operations.thread_comment_ids(page)
    refusal = operations.posting_refusal(round_, proposal)
    block = operations.active_block(current_user, round_.organisation_id)
    return {
        "proposal": proposal,
        "round": round_,
        "page": page,
        "sorts": operations.SORTS,
        "summary": operations.proposal_summaries([proposal.id])[proposal.id],
        "form": form or CommentForm(formdata=None),
        "refusal": refusal,
        "block_message": operations.block_message(block) if block else None,
        "can_post": current_user.is_authenticated and refusal is None and block is None,
        "helpful_ids": operations.marked_helpful(current_user, ids),
        "replied": operations.replied_to({n for n in _reply_targets(page)}),
        "following": operations.is_following(current_user, proposal),
        "can_moderate": operations.can_moderate(current_user, round_),
        "focus_id": focus_id,
        "status_message": status_message,
        "action_form": ActionForm(formdata=None),
    }


def _reply_targets(page: operations.ThreadPage):
    stack = list(page.threads)
    while stack:
        node = stack.pop()
        if node.comment.reply_to_id:
            yield node.comment.reply_to_id
        stack.extend(node.replies)


def _comment_context(comment: Comment, proposal: Proposal, round_: Round) -> dict:
    """What one comment's partial needs (after htmx changed it)."""
    return {
        "proposal": proposal,
        "round": round_,
        "helpful_ids": operations.marked_helpful(current_user, [comment.id]),
        "replied": operations.replied_to([comment.reply_to_id] if comment.reply_to_id else []),
        "can_post": current_user.is_authenticated and operations.posting_refusal(round_, proposal) is None
        and operations.active_block(current_user, round_.organisation_id) is None,
        "can_moderate": operations.can_moderate(current_user, round_),
        "action_form": ActionForm(formdata=None),
        "focus_id": None,
    }


def _partial(template: str, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def _to_comment(comment_id: int):
    return redirect(url_for("deliberation.show_comment", comment_id=comment_id), code=303)


# ------------------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------------------


@public
def show_discussion(proposal_id: int):
    """The discussion of a proposal page by page (sort, ``after`` cursor); htmx gets the discussion part."""
    proposal, round_ = _visible_proposal(proposal_id)
    context = discussion_context(proposal, round_)
    template = "deliberation/_discussion.html" if is_htmx_partial() else "deliberation/discussion.html"
    return _partial(template, **context)


@public
def show_comment(comment_id: int):
    """A comment's permalink: the discussion page that starts with its thread, the comment focused."""
    comment, proposal, round_ = _visible_comment(comment_id)
    context = discussion_context(proposal, round_, start_at=operations.thread_position(comment), focus_id=comment.id)
    return _partial("deliberation/discussion.html", **context)


@public
def list_comment_versions(comment_id: int):
    comment, proposal, round_ = _visible_comment(comment_id)
    readable = operations.can_see_text(comment, current_user)
    return render_template(
        "deliberation/history.html", comment=comment, proposal=proposal, round=round_, readable=readable,
        render_comment=render_comment,
    )


# ------------------------------------------------------------------------------------------------------------
# Posting, replying, editing, deleting
# ------------------------------------------------------------------------------------------------------------


def _comment_limit() -> str:
    return current_app.config.get("RATELIMIT_COMMENT", "10 per 5 minutes")


def _flag_limit() -> str:
    return current_app.config.get("RATELIMIT_FLAG", "20 per hour")


def _person_key() -> str:
    """Limits count per person (per address for anonymous requests, which are refused anyway)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{request.remote_addr}"


def _parent_id(form: CommentForm) -> int | None:
    raw = (form.parent_id.data or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_CURSOR:
        raise DeliberationError(_("The comment you are replying to is not part of this proposal's discussion."))
    return int(raw)


@signed_in
@limiter.limit(_comment_limit, key_func=_person_key, methods=["POST"])
def post_comment(proposal_id: int):
    """Post a comment or reply (the reply form sends ``parent_id``)."""
    _visible_proposal(proposal_id)
    form = CommentForm()

    def post():
        comment = operations.post_comment(db.session.get(Proposal, proposal_id), current_user,
                                          form.stance.data or "", form.body.data or "", _parent_id(form))
        return comment.id, comment.status == "pending"

    status, posted = _submit(form, post)
    proposal, round_ = _visible_proposal(proposal_id)
    if posted is not None:
        comment_id, pending = posted
        message = _("Your comment waits for a moderator before others see it.") if pending else _("Your comment is posted.")
        if is_htmx_partial():
            return _partial("deliberation/_discussion.html", **discussion_context(
                proposal, round_, focus_id=comment_id, status_message=message))
        flash(message, "success")
        return _to_comment(comment_id)
    parent = _reply_parent(form, proposal)
    context = discussion_context(proposal, round_, form=form if parent is None else None)
    if is_htmx_partial():
        if parent is not None:
            response = _partial("deliberation/_reply_form.html", status, form=form, comment=parent, proposal=proposal)
            # The reply form sits under its comment: show it again there, with its errors and the text kept.
            response.headers["HX-Retarget"] = f"#reply-slot-{parent.id}"
            response.headers["HX-Reswap"] = "innerHTML"
            return response
        return _partial("deliberation/_discussion.html", status, **context)
    if parent is not None:
        return render_template("deliberation/reply.html", form=form, comment=parent, proposal=proposal,
                               round=round_), status
    return _partial("deliberation/discussion.html", status, **context)


def _reply_parent(form: CommentForm, proposal: Proposal) -> Comment | None:
    """The visible comment a failed reply answered (to show the reply form again beside it)."""
    try:
        parent_id = _parent_id(form)
    except DeliberationError:
        return None
    parent = db.session.get(Comment, parent_id) if parent_id else None
    if parent is None or parent.proposal_id != proposal.id or parent.status != "visible":
        return None
    return parent


def _place_error(form, error: DeliberationError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _submit(form, action):
    """Validate ``form`` and run ``action()`` in a write transaction: ``(None, result)`` when it went through,
    else ``(status, None)`` after putting the refusal on the form (400 expired form, 403 forbidden, 422 input)."""
    if not form.validate():
        form.form_errors.append(_("The form expired; please try again."))
        return 400, None
    try:
        with write_transaction():
            return None, action()
    except DeliberationError as error:
        _place_error(form, error)
        return (403 if isinstance(error, DeliberationForbidden) else 422), None


@signed_in
def reply_to_comment(comment_id: int):
    """The reply form for a comment: a page of its own without JavaScript, inline with htmx."""
    comment, proposal, round_ = _visible_comment(comment_id)
    form = CommentForm(formdata=None, data={"parent_id": str(comment.id)})
    refusal = operations.posting_refusal(round_, proposal)
    block = operations.active_block(current_user, round_.organisation_id)
    if comment.status != "visible":
        refusal = _("You can only reply to comments that are visible.")
    context = {"form": form, "comment": comment, "proposal": proposal, "round": round_,
               "refusal": refusal or (operations.block_message(block) if block else None)}
    if is_htmx_partial():
        return _partial("deliberation/_reply_form.html", **context)
    return render_template("deliberation/reply.html", **context)


@signed_in
def edit_comment(comment_id: int):
    comment, proposal, round_ = _visible_comment(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    status = 200
    if request.method == "POST":
        form = EditCommentForm()
        status, changed = _submit(form, lambda: operations.edit_comment(
            db.session.get(Comment, comment_id), current_user, form.stance.data or "", form.body.data or ""))
        comment, proposal, round_ = _visible_comment(comment_id)
        if status is None:
            if is_htmx_partial():
                return _partial("deliberation/_comment_alone.html", comment=comment,
                                **_comment_context(comment, proposal, round_))
            flash(_("Your comment is updated; the earlier version stays in its history.") if changed
                  else _("Nothing changed."), "success")
            return _to_comment(comment_id)
    else:
        form = EditCommentForm(formdata=None, data={"stance": comment.stance, "body": comment.body})
    context = {"form": form, "comment": comment, "proposal": proposal, "round": round_,
               "delete_form": ActionForm(formdata=None)}
    template = "deliberation/_edit_form.html" if is_htmx_partial() else "deliberation/edit.html"
    return _partial(template, status, **context)


@signed_in
def delete_comment(comment_id: int):
    comment = _visible_comment(comment_id)[0]
    if comment.author_id != current_user.id:
        abort(403)
    if not ActionForm().validate():
        abort(400)
    try:
        with write_transaction():
            operations.delete_comment(db.session.get(Comment, comment_id), current_user)
    except DeliberationError as error:
        flash(error.message, "error")
    else:
        flash(_("Your comment is deleted. Its place in the discussion says so, for the replies' sake."), "success")
    return _to_comment(comment_id)


# ------------------------------------------------------------------------------------------------------------
# Helpful, follow, flag, appeal
# ------------------------------------------------------------------------------------------------------------


@signed_in
def mark_helpful(comment_id: int):
    """Toggle the signed-in person's "helpful" mark on a comment."""
    comment, proposal, round_ = _visible_comment(comment_id)
    if not ActionForm().validate():
        abort(400)
    error_message = None
    try:
        with write_transaction():
            operations.toggle_helpful(db.session.get(Comment, comment_id), current_user)
    except DeliberationError as error:
        error_message = error.message
    if is_htmx_partial():
        comment, proposal, round_ = _visible_comment(comment_id)
        return _partial("deliberation/_helpful.html", 422 if error_message else 200, comment=comment,
                        error_message=error_message, **_comment_context(comment, proposal, round_))
    if error_message:
        flash(error_message, "error")
    return _to_comment(comment_id)


@signed_in
def follow_proposal(proposal_id: int):
    """Follow or stop following a proposal's discussion."""
    _visible_proposal(proposal_id)
    if not ActionForm().validate():
        abort(400)
    with write_transaction():
        following = operations.toggle_follow(db.session.get(Proposal, proposal_id), current_user)
    if is_htmx_partial():
        proposal = _visible_proposal(proposal_id)[0]
        return _partial("deliberation/_follow.html", proposal=proposal, following=following,
                        action_form=ActionForm(formdata=None))
    flash(_("You follow this discussion: new comments appear in your notifications.") if following
          else _("You no longer follow this discussion."), "success")
    return redirect(url_for("deliberation.show_discussion", proposal_id=proposal_id), code=303)


@signed_in
@limiter.limit(_flag_limit, key_func=_person_key, methods=["POST"])
def flag_comment(comment_id: int):
    comment, proposal, round_ = _visible_comment(comment_id)
    form = FlagForm() if request.method == "POST" else FlagForm(formdata=None)
    status = 200
    if request.method == "POST":
        status, _done = _submit(form, lambda: operations.flag_comment(
            db.session.get(Comment, comment_id), current_user, form.reason.data or "", form.details.data or ""))
        if status is None:
            message = _("Thank you. The moderators will look at this comment.")
            if is_htmx_partial():
                return _partial("deliberation/_notice.html", message=message)
            flash(message, "success")
            return _to_comment(comment_id)
        comment, proposal, round_ = _visible_comment(comment_id)
    context = {"form": form, "comment": comment, "proposal": proposal, "round": round_}
    template = "deliberation/_flag_form.html" if is_htmx_partial() else "deliberation/flag.html"
    return _partial(template, status, **context)


@signed_in
def appeal_comment(comment_id: int):
    comment, proposal, round_ = _visible_comment(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    form = AppealForm() if request.method == "POST" else AppealForm(formdata=None)
    status = 200
    if request.method == "POST":
        status, _done = _submit(form, lambda: operations.appeal_comment(
            db.session.get(Comment, comment_id), current_user, form.text.data or ""))
        if status is None:
            flash(_("Your appeal is with the moderators; you will be told their decision."), "success")
            return _to_comment(comment_id)
        comment, proposal, round_ = _visible_comment(comment_id)
    return render_template("deliberation/appeal.html", form=form, comment=comment, proposal=proposal,
                           round=round_, appeal=operations.appeal_of(comment)), status


# ------------------------------------------------------------------------------------------------------------
# Moderation
# ------------------------------------------------------------------------------------------------------------


@role_required(Role.MODERATOR, Role.COUNCIL, organisation=round_organisation)
def show_moderation_queue(round_id: int):
    round_ = _visible_round(round_id)
    return render_template(
        "deliberation/queue.html", round=round_, items=operations.moderation_queue(round_),
        moderate_form=ModerateForm(formdata=None), block_form=BlockForm(formdata=None), kinds=ModerationKind,
        render_comment=render_comment,
    )


@role_required(Role.MODERATOR, Role.COUNCIL, organisation=comment_organisation)
def moderate_comment(comment_id: int):
    """A moderator's decision about one comment (GET: the comment with the decisions that apply)."""
    comment, proposal, round_ = _visible_comment(comment_id)
    back = safe_next(url_for("deliberation.show_moderation_queue", round_id=round_.id))
    form = ModerateForm() if request.method == "POST" else ModerateForm(formdata=None)
    status = 200
    if request.method == "POST":
        status, _done = _submit(form, lambda: operations.moderate_comment(
            db.session.get(Comment, comment_id), current_user, form.decision.data or "", form.reason.data or ""))
        if status is None:
            flash(_("The decision is recorded in the public moderation log."), "success")
            return redirect(back, code=303)
        comment, proposal, round_ = _visible_comment(comment_id)
    return render_template(
        "deliberation/moderate.html", form=form, block_form=BlockForm(formdata=None), comment=comment,
        proposal=proposal, round=round_, appeal=operations.appeal_of(comment), kinds=ModerationKind,
        decisions=operations.DECISIONS, render_comment=render_comment, back=back,
    ), status


@role_required(Role.MODERATOR, Role.COUNCIL, organisation=comment_organisation)
def block_author(comment_id: int):
    _visible_comment(comment_id)
    form = BlockForm()
    if form.validate():
        try:
            with write_transaction():
                operations.block_author(db.session.get(Comment, comment_id), current_user,
                                        form.days.data or 0, form.justification.data or "")
        except DeliberationError as error:
            flash(error.message, "error")
        else:
            flash(_("The author is blocked from posting here and told why."), "success")
    else:
        flash(_("Block for 1 to %(max)d days.", max=operations.MAX_BLOCK_DAYS), "error")
    return redirect(url_for("deliberation.moderate_comment", comment_id=comment_id), code=303)


@public
def show_moderation_log(round_id: int):
    round_ = _visible_round(round_id)
    actions, next_before = operations.moderation_log(round_, _int_arg("before"))
    return render_template("deliberation/log.html", round=round_, actions=actions, next_before=next_before)


@role_required(Role.COUNCIL, organisation=round_organisation)
def edit_deliberation_settings(round_id: int):
    round_ = _visible_round(round_id)
    settings = operations.settings_for(round_)
    choices = [SelectChoice(state, RoundState(state).label) for state in operations.DEFAULT_COMMENT_STATES]
    if request.method == "POST":
        form = SettingsForm()
        form.comment_states.choices = choices
        if form.validate():
            try:
                with write_transaction():
                    operations.update_settings(
                        rounds_api.get_round(round_id), current_user, form.comment_states.data or [],
                        form.flag_threshold.data or 0,
                        form.premoderate_first.data if form.premoderate_first.data is not None else 0,
                    )
            except DeliberationError as error:
                _place_error(form, error)
            else:
                flash(_("The discussion rules of this round are saved."), "success")
                return redirect(url_for("deliberation.edit_deliberation_settings", round_id=round_id), code=303)
    else:
        form = SettingsForm(formdata=None, data={
            "comment_states": settings.comment_states, "flag_threshold": settings.flag_threshold,
            "premoderate_first": settings.premoderate_first,
        })
        form.comment_states.choices = choices
    return render_template("deliberation/settings.html", form=form, round=round_)


# ------------------------------------------------------------------------------------------------------------
# Notifications
# ------------------------------------------------------------------------------------------------------------


@signed_in
def list_notifications():
    items, next_before = operations.notifications_of(current_user, _int_arg("before"))
    return render_template("deliberation/notifications.html", items=items, next_before=next_before,
                           action_form=ActionForm(formdata=None))


@signed_in
def mark_notifications_read():
    if not ActionForm().validate():
        abort(400)
    with write_transaction():
        operations.mark_all_read(db.session.get(User, current_user.id))
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("deliberation.list_notifications"), code=303)


@signed_in
def edit_notification_settings():
    preference = notifications.preference_of(current_user)
    form = MailPreferenceForm() if request.method == "POST" else MailPreferenceForm(
        formdata=None, data={"daily_digest": preference.daily_digest})
    if request.method == "POST" and form.validate():
        with write_transaction():
            notifications.set_daily_digest(current_user.id, bool(form.daily_digest.data))
        flash(_("Your mail preference is saved."), "success")
        return redirect(url_for("deliberation.edit_notification_settings"), code=303)
    return render_template("deliberation/notification_settings.html", form=form)


@public
def unsubscribe(token: str):
    """The digest's one-click unsubscribe: the signed token is the permission; it only turns mail off."""
    user_id = notifications.user_of_unsubscribe_token(token)
    exists = user_id is not None and db.session.scalar(select(User.id).where(User.id == user_id)) is not None
    if exists:
        with write_transaction():
            notifications.set_daily_digest(user_id, False)
    return render_template("deliberation/unsubscribed.html", ok=exists), (200 if exists else 404)


# ------------------------------------------------------------------------------------------------------------
# Error pages and template helpers
# ------------------------------------------------------------------------------------------------------------


def rate_limited(error):
    """A friendly 429: for htmx, a message in the discussion's status area; otherwise the full page."""
    if is_htmx_partial():
        response = _partial("deliberation/_notice.html", 429, message=_(
            "You are posting very quickly. Wait a few minutes, then try again."), error=True)
        response.headers["HX-Retarget"] = "#discussion-status"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return handle_http_exception(error)


def template_helpers() -> dict:
    """Available in every template: the discussion of a proposal page, list summaries, the unread count."""
    return {
        "discussion_for": lambda proposal, round_: discussion_context(proposal, round_),
        "comment_summaries": operations.proposal_summaries,
        "unread_notifications": lambda: operations.unread_count(current_user),
        "render_comment": render_comment,
    }
