"""Content languages: the URL table and the ``localized()`` template global."""

from flask import Blueprint

from . import views
from .lookup import localized

bp = Blueprint("content_languages", __name__)

bp.add_app_template_global(localized)
bp.add_app_template_global(views.may_translate, "can_translate")

bp.add_url_rule("/rounds/<int(max=2147483647):round_id>/translations", "translate_round", views.translate_round,
                methods=["GET", "POST"])
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/translations", "translate_proposal",
                views.translate_proposal, methods=["GET", "POST"])
