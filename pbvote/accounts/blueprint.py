"""URL table of the accounts feature."""

from flask import Blueprint

from . import views

bp = Blueprint("accounts", __name__)

bp.add_url_rule("/register", "register", views.register, methods=["GET", "POST"])
bp.add_url_rule("/sign-in", "sign_in", views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", "sign_out", views.sign_out, methods=["POST"])
bp.add_url_rule("/confirm", "show_confirmation_needed", views.show_confirmation_needed)
bp.add_url_rule("/confirm/resend", "resend_confirmation", views.resend_confirmation, methods=["POST"])
bp.add_url_rule("/confirm/<token>", "confirm_email", views.confirm_email, methods=["GET", "POST"])
bp.add_url_rule("/reset-password", "request_password_reset", views.request_password_reset, methods=["GET", "POST"])
bp.add_url_rule("/reset-password/<token>", "reset_password", views.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/account/profile", "edit_profile", views.edit_profile, methods=["GET", "POST"])
bp.add_url_rule("/organisations/<org_slug>/members", "list_members", views.list_members)
bp.add_url_rule("/organisations/<org_slug>/members/roles", "grant_role", views.grant_role, methods=["POST"])
bp.add_url_rule(
    # Ids beyond the 32-bit id columns cannot exist: 404 in the URL rather than "integer out of range".
    "/organisations/<org_slug>/members/roles/<int(max=2147483647):grant_id>/revoke", "revoke_role", views.revoke_role,
    methods=["POST"],
)
