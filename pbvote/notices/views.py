"""Mail settings (signed in) and the one-click unsubscribe link of every notice (the signed token is the
permission: it works without signing in, and only ever turns one kind of notice off)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..access import public, signed_in
from ..accounts.models import User
from ..database import write_transaction
from ..extensions import db
from ..i18n import _
from .forms import kind_fields, mail_settings_form
from .queue import NOTICE_KINDS, enabled_kinds, read_unsubscribe_token, set_kind_enabled

#: RFC 8058: a mail client's one-click unsubscribe POSTs exactly this form field.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


@signed_in
def edit_mail_settings():
    form = mail_settings_form() if request.method == "POST" else mail_settings_form(enabled_kinds(current_user.id))
    if request.method == "POST" and form.validate():
        with write_transaction():
            for kind in NOTICE_KINDS:
                set_kind_enabled(current_user.id, kind, bool(form[kind].data))
        flash(_("Your mail settings are saved."), "success")
        return redirect(url_for("notices.edit_mail_settings"), code=303)
    return render_template("notices/mail_settings.html", form=form, fields=kind_fields(form))


@public
def unsubscribe(token: str):
    """GET: a page with one button (link checkers that open mail links change nothing). POST: the button, or
    a mail client's RFC 8058 one-click request (no CSRF token: the signed token is the permission)."""
    if request.method == "POST" and request.form.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
        abort(400)
    subject = read_unsubscribe_token(token)
    if subject is None or db.session.scalar(select(User.id).where(User.id == subject[0])) is None:
        return render_template("notices/unsubscribe.html", valid=False), 404
    user_id, kind = subject
    done = request.method == "POST"
    if done:
        with write_transaction():
            set_kind_enabled(user_id, kind, False)
    return render_template("notices/unsubscribe.html", valid=True, done=done, label=NOTICE_KINDS[kind],
                           token=token, one_click=(ONE_CLICK_FIELD, ONE_CLICK_VALUE))
