"""Deliberation: the URL table."""

from flask import Blueprint

from . import views

bp = Blueprint("deliberation", __name__)

ID = "int(max=2147483647)"  # ids beyond PostgreSQL's integer range cannot exist: 404, not "out of range"

# Reading: a proposal's discussion page by page, a comment's permalink and its earlier versions.
bp.add_url_rule(f"/proposals/<{ID}:proposal_id>/discussion", "show_discussion", views.show_discussion)
bp.add_url_rule(f"/comments/<{ID}:comment_id>", "show_comment", views.show_comment)
bp.add_url_rule(f"/comments/<{ID}:comment_id>/versions", "list_comment_versions", views.list_comment_versions)

# Residents: post, reply, edit, delete, mark helpful, follow, flag, appeal.
bp.add_url_rule(f"/proposals/<{ID}:proposal_id>/comments", "post_comment", views.post_comment, methods=["POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/reply", "reply_to_comment", views.reply_to_comment)
bp.add_url_rule(f"/comments/<{ID}:comment_id>/edit", "edit_comment", views.edit_comment, methods=["GET", "POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/delete", "delete_comment", views.delete_comment, methods=["POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/helpful", "mark_helpful", views.mark_helpful, methods=["POST"])
bp.add_url_rule(f"/proposals/<{ID}:proposal_id>/follow", "follow_proposal", views.follow_proposal, methods=["POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/flag", "flag_comment", views.flag_comment, methods=["GET", "POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/appeal", "appeal_comment", views.appeal_comment, methods=["GET", "POST"])

# Moderators and council of the round's organisation; the log is public.
bp.add_url_rule(f"/rounds/<{ID}:round_id>/moderation", "show_moderation_queue", views.show_moderation_queue)
bp.add_url_rule(f"/comments/<{ID}:comment_id>/moderate", "moderate_comment", views.moderate_comment,
                methods=["GET", "POST"])
bp.add_url_rule(f"/comments/<{ID}:comment_id>/block", "block_author", views.block_author, methods=["POST"])
bp.add_url_rule(f"/rounds/<{ID}:round_id>/moderation-log", "show_moderation_log", views.show_moderation_log)
bp.add_url_rule(f"/rounds/<{ID}:round_id>/discussion-settings", "edit_deliberation_settings",
                views.edit_deliberation_settings, methods=["GET", "POST"])

# Notifications.
bp.add_url_rule("/notifications", "list_notifications", views.list_notifications)
bp.add_url_rule("/notifications/read", "mark_notifications_read", views.mark_notifications_read, methods=["POST"])
bp.add_url_rule("/notifications/settings", "edit_notification_settings", views.edit_notification_settings,
                methods=["GET", "POST"])
bp.add_url_rule("/notifications/unsubscribe/<token>", "unsubscribe", views.unsubscribe)

bp.register_error_handler(429, views.rate_limited)
bp.app_context_processor(views.template_helpers)
