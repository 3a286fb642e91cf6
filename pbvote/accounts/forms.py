"""Forms of the accounts pages (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from ..i18n import LANGUAGES, _l
from .models import ROLE_CHOICE_LABELS, ROLE_VALUES
from .operations import MIN_PASSWORD_LENGTH

EMAIL_LENGTH = Length(max=254, message=_l("An email address has at most 254 characters."))
EMAIL_LABEL = _l("Email address")
PASSWORD_LABEL = _l("Password")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=EMAIL_LABEL) -> EmailField:
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Enter your email address.")),
            EMAIL_LENGTH,
            Email(message=_l("Enter an email address like name@example.org."), check_deliverability=False),
        ],
    )


def _new_password_field(label=PASSWORD_LABEL) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(message=_l("Choose a password.")),
            Length(min=MIN_PASSWORD_LENGTH, max=1024,
                   message=_l("Use at least %(num)d characters (and at most 1024).", num=MIN_PASSWORD_LENGTH)),
        ],
    )


def _display_name_field() -> StringField:
    return StringField(
        _l("Display name"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Enter the name others will see.")),
                    Length(max=100, message=_l("Use at most 100 characters."))],
    )


def _district_field() -> StringField:
    return StringField(
        _l("District"),
        filters=[_strip],
        validators=[Optional(), Length(max=100, message=_l("Use at most 100 characters."))],
    )


def _password_again_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(message=_l("Type the password a second time.")),
                    EqualTo("password", message=_l("The two passwords are different."))],
    )


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    password = _new_password_field()
    password_again = _password_again_field(_l("Password again"))
    # Shown only when there is more than one organisation (the view removes it otherwise).
    organisation = SelectField(_l("Organisation"), coerce=str, validate_choice=True)
    district = _district_field()


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        PASSWORD_LABEL,
        validators=[InputRequired(message=_l("Enter your password.")), Length(max=1024)],
    )
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResendConfirmationForm(FlaskForm):
    """Asks for a new confirmation link; the email is only asked of visitors who are not signed in."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))
    password_again = _password_again_field(_l("New password again"))


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming is a POST so mail scanners that follow links confirm nothing."""


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    district = _district_field()
    # Each language is named in itself ("Cymraeg", marked lang="cy" for screen readers): whoever reads the page
    # finds their own.
    language = SelectField(_l("Language"), choices=[
        SelectChoice(code, name, render_kw={"lang": code.replace("_", "-")}) for code, name in LANGUAGES.items()
    ])


class GrantRoleForm(FlaskForm):
    email = _email_field(_l("Member's email address"))
    role = SelectField(_l("Role"), choices=[SelectChoice(value, ROLE_CHOICE_LABELS[value]) for value in ROLE_VALUES],
                       validators=[InputRequired(message=_l("Choose a role."))])


class RevokeRoleForm(FlaskForm):
    """Only the CSRF token; the grant is in the URL."""
