"""Forms of the discussion pages. They carry the CSRF token and the fields; the rules (lengths, stances,
phases) live in operations.py, which words every refusal for the person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
    widgets,
)
from wtforms.validators import NumberRange, Optional

from ..i18n import _l
from .models import FLAG_REASON_LABELS, Stance

STANCE_CHOICES = [SelectChoice(stance.value, stance.label) for stance in Stance]
FLAG_CHOICES = [SelectChoice(reason.value, label) for reason, label in FLAG_REASON_LABELS.items()]


class CommentForm(FlaskForm):
    """A new comment or reply; ``parent_id`` names the comment replied to."""

    # Unknown values reach the operation, which explains what to choose (instead of "Not a valid choice").
    stance = RadioField(_l("Your stance"), choices=STANCE_CHOICES, validate_choice=False)
    body = TextAreaField(_l("Your comment"))
    parent_id = HiddenField()


class EditCommentForm(FlaskForm):
    stance = RadioField(_l("Your stance"), choices=STANCE_CHOICES, validate_choice=False)
    body = TextAreaField(_l("Your comment"))


class FlagForm(FlaskForm):
    reason = RadioField(_l("Why should moderators look at this comment?"), choices=FLAG_CHOICES, validate_choice=False)
    details = TextAreaField(_l("Details (required for “Other”)"))


class AppealForm(FlaskForm):
    text = TextAreaField(_l("Why should the comment be restored?"))


class ModerateForm(FlaskForm):
    decision = HiddenField()
    reason = TextAreaField(_l("Public reason"))


class BlockForm(FlaskForm):
    days = IntegerField(_l("Days"), default=7, validators=[Optional(), NumberRange(min=1, max=365)])
    justification = TextAreaField(_l("Justification (the person is told)"))


class ActionForm(FlaskForm):
    """A button that changes one thing (helpful, follow, delete, mark read): only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SettingsForm(FlaskForm):
    comment_states = MultiCheckboxField(_l("Residents may post during"), validate_choice=False)
    flag_threshold = IntegerField(_l("Flags from different people that hide a comment until review"),
                                  validators=[Optional(), NumberRange(min=1, max=100)])
    premoderate_first = IntegerField(_l("Posts of a new account that wait for a moderator (0: none)"),
                                     validators=[Optional(), NumberRange(min=0, max=100)])


class MailPreferenceForm(FlaskForm):
    daily_digest = BooleanField(_l("Mail me a daily digest of my notifications"))
