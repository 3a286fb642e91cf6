"""Results forms (CSRF is checked for every POST by Flask-WTF's CSRFProtect)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class PublishForm(FlaskForm):
    bundle_public = BooleanField("Let anyone download the audit bundle (auditors always can)")
    submit = SubmitField("Publish the results")
