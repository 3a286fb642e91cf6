"""Notices: the URL table."""

from flask import Blueprint

from ..extensions import csrf
from . import views

bp = Blueprint("notices", __name__)

bp.add_url_rule("/account/mail", "edit_mail_settings", views.edit_mail_settings, methods=["GET", "POST"])
bp.add_url_rule("/mail/unsubscribe/<token>", "unsubscribe", views.unsubscribe, methods=["GET", "POST"])
# Mail clients send RFC 8058 one-click requests without our CSRF token; the view requires the signed token and
# the exact one-click form field instead, and can only turn mail off.
csrf.exempt(views.unsubscribe)
