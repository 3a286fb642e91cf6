"""The mail settings form: one checkbox per kind of notice."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField

from .queue import NOTICE_KINDS


class MailSettingsForm(FlaskForm):
    """Built with a field named after each kind in :data:`NOTICE_KINDS` (see :func:`mail_settings_form`)."""


def mail_settings_form(enabled: set[str] | None = None) -> MailSettingsForm:
    """The form, filled from the request on POST, else from ``enabled`` (the kinds the person gets)."""
    form_class = type("MailSettingsForm", (MailSettingsForm,), {
        kind: BooleanField(label) for kind, label in NOTICE_KINDS.items()
    })
    if enabled is None:
        return form_class()
    return form_class(formdata=None, data={kind: kind in enabled for kind in NOTICE_KINDS})


def kind_fields(form: MailSettingsForm) -> list:
    return [form[kind] for kind in NOTICE_KINDS]
