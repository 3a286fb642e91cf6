"""Voting forms. The ballot editor's buttons are parsed in the view (``action=add:12``); CSRF is checked for
every POST by Flask-WTF's CSRFProtect."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from ..i18n import _l


class CastForm(FlaskForm):
    """Submit the reviewed ballot; ``version`` ties the submission to the draft the voter reviewed."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(0, 2**31 - 1)])
    submit = SubmitField(_l("Submit my ballot"))


class CloseVotingForm(FlaskForm):
    submit = SubmitField(_l("Close voting and tally"))
