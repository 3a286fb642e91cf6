"""The council's progress update form. "Spent so far" is typed in the round's currency, stored in minor units."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n import _l
from .models import DELIVERY_STATUS_LABELS


class ProgressUpdateForm(FlaskForm):
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(status.value, label) for status, label in DELIVERY_STATUS_LABELS.items()],
        validators=[DataRequired(_l("Choose the project's status."))],
    )
    reason = TextAreaField(_l("Why it is cancelled (public; required when cancelled)"),
                           validators=[Optional(), Length(max=2000)])
    reported_on = DateField(_l("Date of this update"),
                            validators=[DataRequired(_l("Enter the date, like 2026-03-31."))])
    text = TextAreaField(_l("What happened"), validators=[DataRequired(_l("Say what happened.")), Length(max=20_000)])
    spent = StringField(_l("Spent so far"),
                        validators=[DataRequired(_l("Enter the amount spent so far (0 if nothing).")), Length(max=32)])
    image = FileField(_l("Photo (optional)"))
    remove_image = BooleanField(_l("Remove the current photo"))
