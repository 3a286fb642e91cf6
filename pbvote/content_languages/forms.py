"""The form that adds or edits one translation. Its choices are offered, not trusted: the operation checks the
language and the field (an unknown one is refused with a message)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField

from ..i18n import _l


class TranslationForm(FlaskForm):
    language = SelectField(_l("Language"), validate_choice=False)
    field = SelectField(_l("Text"), validate_choice=False)
    text = TextAreaField(_l("Translation"))
