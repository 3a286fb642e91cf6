"""Forms of the accounts pages (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from .models import ROLE_VALUES
from .operations import MIN_PASSWORD_LENGTH

EMAIL_LENGTH = Length(max=254, message="An email address has at most 254 characters.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label: str = "Email address") -> EmailField:
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            InputRequired(message="Enter your email address."),
            EMAIL_LENGTH,
            Email(message="Enter an email address like name@example.org.", check_deliverability=False),
        ],
    )


def _new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(message="Choose a password."),
            Length(min=MIN_PASSWORD_LENGTH, max=1024,
                   message=f"Use at least {MIN_PASSWORD_LENGTH} characters (and at most 1024)."),
        ],
    )


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = StringField(
        "Display name",
        filters=[_strip],
        validators=[DataRequired(message="Enter the name others will see."),
                    Length(max=100, message="Use at most 100 characters.")],
    )
    password = _new_password_field()
    password_again = PasswordField(
        "Password again",
        validators=[InputRequired(message="Type the password a second time."),
                    EqualTo("password", message="The two passwords are different.")],
    )
    # Shown only when there is more than one organisation (the view removes it otherwise).
    organisation = SelectField("Organisation", coerce=str, validate_choice=True)
    district = StringField(
        "District",
        filters=[_strip],
        validators=[Optional(), Length(max=100, message="Use at most 100 characters.")],
    )


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        validators=[InputRequired(message="Enter your password."), Length(max=1024)],
    )
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResendConfirmationForm(FlaskForm):
    """Asks for a new confirmation link; the email is only asked of visitors who are not signed in."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password_field("New password")
    password_again = PasswordField(
        "New password again",
        validators=[InputRequired(message="Type the password a second time."),
                    EqualTo("password", message="The two passwords are different.")],
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirming is a POST so mail scanners that follow links confirm nothing."""


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name",
        filters=[_strip],
        validators=[DataRequired(message="Enter the name others will see."),
                    Length(max=100, message="Use at most 100 characters.")],
    )
    district = StringField(
        "District",
        filters=[_strip],
        validators=[Optional(), Length(max=100, message="Use at most 100 characters.")],
    )


class GrantRoleForm(FlaskForm):
    email = _email_field("Member's email address")
    role = SelectField("Role", choices=[SelectChoice(value, value.capitalize()) for value in ROLE_VALUES],
                       validators=[InputRequired(message="Choose a role.")])


class RevokeRoleForm(FlaskForm):
    """Only the CSRF token; the grant is in the URL."""

