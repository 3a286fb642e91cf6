"""The council's progress update form. "Spent so far" is typed in the round's currency, stored in minor units."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import DeliveryStatus


class ProgressUpdateForm(FlaskForm):
    status = RadioField(
        "Status",
        choices=[SelectChoice(status.value, status.label) for status in DeliveryStatus],
        validators=[DataRequired("Choose the project's status.")],
    )
    reason = TextAreaField("Why it is cancelled (public; required when cancelled)",
                           validators=[Optional(), Length(max=2000)])
    reported_on = DateField("Date of this update", validators=[DataRequired("Enter the date, like 2026-03-31.")])
    text = TextAreaField("What happened", validators=[DataRequired("Say what happened."), Length(max=20_000)])
    spent = StringField("Spent so far", validators=[DataRequired("Enter the amount spent so far (0 if nothing)."),
                                                    Length(max=32)])
    image = FileField("Photo (optional)")
    remove_image = BooleanField("Remove the current photo")
