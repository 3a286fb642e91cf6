"""Accountability: the URL table."""

from flask import Blueprint

from . import views

bp = Blueprint("accountability", __name__)
bp.app_context_processor(views.template_helpers)

ID = "int(max=2147483647)"

bp.add_url_rule(f"/rounds/<{ID}:round_id>/delivery", "show_delivery", views.show_delivery)
bp.add_url_rule(f"/proposals/<{ID}:proposal_id>/progress/new", "post_update", views.post_update,
                methods=["GET", "POST"])
bp.add_url_rule(f"/progress/<{ID}:update_id>/edit", "edit_update", views.edit_update, methods=["GET", "POST"])
bp.add_url_rule(f"/progress/<{ID}:update_id>/photo", "show_update_photo", views.show_update_photo)
