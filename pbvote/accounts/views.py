"""Account pages: thin views that parse a form, check access, call one operation, then render or redirect."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..access import organisation_by_slug, public, role_required, signed_in
from ..extensions import db, limiter
from ..i18n import _
from ..security import rate_limit, safe_next
from . import operations
from .forms import (
    ConfirmForm,
    GrantRoleForm,
    ProfileForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
    RevokeRoleForm,
    SignInForm,
)
from .models import Organisation, Role, role_name
from .tokens import TokenError

SEE_OTHER = 303


def _home():
    return url_for("core.show_home")


def _redirect(url: str):
    return redirect(url, code=SEE_OTHER)


# ---------------------------------------------------------------------------------------------------------
# Registration and confirmation
# ---------------------------------------------------------------------------------------------------------


@public
@limiter.limit(rate_limit("RATELIMIT_REGISTER"), methods=["POST"])
def register():
    organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    form = RegisterForm()
    if len(organisations) > 1:
        form.organisation.choices = [SelectChoice("", _("Choose your organisation"))] + [
            SelectChoice(o.slug, o.name) for o in organisations
        ]
    else:
        del form.organisation
    if not organisations:
        return render_template("accounts/register.html", form=None)
    if form.validate_on_submit():
        if len(organisations) > 1:
            organisation = next((o for o in organisations if o.slug == form.organisation.data), None)
            if organisation is None:
                form.organisation.errors.append(_("Choose your organisation."))
                return render_template("accounts/register.html", form=form)
        else:
            organisation = organisations[0]
        operations.register_user(
            operations.Registration(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                organisation=organisation,
                district=form.district.data,
            )
        )
        # Identical for a new and a taken address: the mail tells the owner which case it was.
        flash(_("We have sent a message to %(email)s. Follow the link in it to confirm your address, then sign in.",
                email=form.email.data), "success")
        return _redirect(url_for("accounts.sign_in"))
    return render_template("accounts/register.html", form=form)


@public
def show_confirmation_needed():
    """Signed-in users with an unconfirmed address land here; visitors may ask for a new link by email."""
    if current_user.is_authenticated and current_user.email_confirmed:
        return _redirect(_home())
    return _confirmation_needed_page(_resend_form())


def _resend_form() -> ResendConfirmationForm:
    form = ResendConfirmationForm()
    if current_user.is_authenticated:
        del form.email  # we know whose address it is
    return form


def _confirmation_needed_page(form: ResendConfirmationForm):
    return render_template("accounts/confirmation_needed.html", form=form)


@public
@limiter.limit(rate_limit("RATELIMIT_RESET"), methods=["POST"])
def resend_confirmation():
    if current_user.is_authenticated and current_user.email_confirmed:
        return _redirect(_home())
    form = _resend_form()
    if not form.validate_on_submit():
        return _confirmation_needed_page(form)
    if current_user.is_authenticated:
        operations.send_confirmation(current_user)
        flash(_("We have sent a new confirmation link to %(email)s.", email=current_user.email), "success")
        return _redirect(url_for("accounts.show_confirmation_needed"))
    operations.resend_confirmation(form.email.data)
    # The same words whether or not the address has an (unconfirmed) account.
    flash(_("If %(email)s has an account that is not confirmed yet, we have sent it a new link.",
            email=form.email.data), "success")
    return _redirect(url_for("accounts.sign_in"))


@public
def confirm_email(token: str):
    """GET shows a button, POST confirms: link scanners in mail systems only ever GET."""
    form = ConfirmForm()
    try:
        user = operations.load_confirmation_token(token) if request.method == "GET" else None
        if form.validate_on_submit():
            user = operations.confirm_email(token)
            if current_user.is_authenticated and current_user.id == user.id:
                flash(_("Your email address is confirmed. Welcome to pbvote!"), "success")
            else:
                flash(_("Your email address is confirmed. Sign in to take part."), "success")
            return _redirect(_home())
    except TokenError as error:
        return render_template("accounts/token_invalid.html", message=str(error), expired=error.expired,
                               purpose="confirm"), 400
    return render_template("accounts/confirm_email.html", form=form, user=user)


# ---------------------------------------------------------------------------------------------------------
# Signing in and out
# ---------------------------------------------------------------------------------------------------------


@public
@limiter.limit(rate_limit("RATELIMIT_LOGIN"), methods=["POST"])
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = safe_next("", request.args.get("next"))
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            if not user.email_confirmed:
                return _redirect(url_for("accounts.show_confirmation_needed"))
            flash(_("Signed in as %(name)s.", name=user.display_name), "success")
            return _redirect(safe_next(_home(), form.next.data))
        # One message for an unknown address, a wrong password and a deactivated account.
        form.form_errors.append(_("The email address or the password is not right."))
    return render_template("accounts/sign_in.html", form=form)


def start_session(user) -> None:
    """Renew the session at sign-in: nothing from before (a planted session id, the old CSRF token) survives."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token per request; a new one is made for the new session
    login_user(user)
    session.permanent = True


@public
def sign_out():
    """End every session of this user (all devices), then this one."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        operations.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return _redirect(_home())


# ---------------------------------------------------------------------------------------------------------
# Password reset
# ---------------------------------------------------------------------------------------------------------


@public
@limiter.limit(rate_limit("RATELIMIT_RESET"), methods=["POST"])
def request_password_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        flash(_("If %(email)s has an account, we have sent it a link to choose a new password. The link works "
                "once, for one hour.", email=form.email.data), "success")
        return _redirect(url_for("accounts.sign_in"))
    return render_template("accounts/request_reset.html", form=form)


@public
@limiter.limit(rate_limit("RATELIMIT_RESET"), methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        operations.check_reset_token(token)
        if form.validate_on_submit():
            operations.reset_password(token, form.password.data)
            if current_user.is_authenticated:
                logout_user()
                session.clear()
            flash(_("Your password has been changed and you were signed out everywhere. Sign in with the new "
                    "password."), "success")
            return _redirect(url_for("accounts.sign_in"))
    except TokenError as error:
        return render_template("accounts/token_invalid.html", message=str(error), expired=error.expired,
                               purpose="reset"), 400
    return render_template("accounts/reset_password.html", form=form)


# ---------------------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------------------


@signed_in
def edit_profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.language.data is None:  # not chosen yet: the language this page is shown in
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        operations.update_profile(user, display_name=form.display_name.data, district=form.district.data,
                                  language=form.language.data)
        refresh()  # the confirmation in the language just chosen
        flash(_("Your profile has been saved."), "success")
        return _redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/profile.html", form=form, user=user)


# ---------------------------------------------------------------------------------------------------------
# Members and roles (council of the organisation)
# ---------------------------------------------------------------------------------------------------------


def _organisation() -> Organisation:
    organisation = db.session.get(Organisation, g.organisation_id)
    if organisation is None:  # resolved a moment ago; only a concurrent delete gets here
        abort(404)
    return organisation


def _members_page(organisation: Organisation, grant_form: GrantRoleForm, status: int = 200):
    return render_template(
        "accounts/members.html",
        organisation=organisation,
        staff=operations.staff_of(organisation.id),
        member_count=operations.count_members(organisation.id),
        resident_count=operations.count_residents(organisation.id),
        grant_form=grant_form,
        revoke_form=RevokeRoleForm(),
    ), status


@role_required(Role.COUNCIL, organisation=organisation_by_slug)
def list_members(org_slug: str):
    return _members_page(_organisation(), GrantRoleForm())


@role_required(Role.COUNCIL, organisation=organisation_by_slug)
def grant_role(org_slug: str):
    organisation = _organisation()
    form = GrantRoleForm()
    if form.validate_on_submit():
        try:
            grant = operations.grant_role(organisation, form.email.data, form.role.data, current_user)
        except operations.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("%(name)s is now %(role)s in %(organisation)s.", name=grant.user.display_name,
                    role=role_name(grant.role), organisation=organisation.name), "success")
            return _redirect(url_for("accounts.list_members", org_slug=organisation.slug))
    return _members_page(organisation, form, 200)


@role_required(Role.COUNCIL, organisation=organisation_by_slug)
def revoke_role(org_slug: str, grant_id: int):
    organisation = _organisation()
    form = RevokeRoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        display_name, role = operations.revoke_role(organisation, grant_id)
    except operations.AccountError as error:
        flash(str(error), "error")
    else:
        flash(_("%(name)s no longer holds the role %(role)s in %(organisation)s.", name=display_name,
                role=role_name(role), organisation=organisation.name), "success")
    return _redirect(url_for("accounts.list_members", org_slug=organisation.slug))
