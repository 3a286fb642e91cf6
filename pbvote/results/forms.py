"""Results forms (CSRF is checked for every POST by Flask-WTF's CSRFProtect)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from ..i18n import _l


class PublishForm(FlaskForm):
    bundle_public = BooleanField(_l("Let anyone download the audit bundle (auditors always can)"))
    submit = SubmitField(_l("Publish the results"))
