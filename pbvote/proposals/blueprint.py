"""Proposals: the URL table."""

from flask import Blueprint

from . import views

bp = Blueprint("proposals", __name__)

# Ids above the database's 32-bit integer range cannot exist; refusing them in the URL (404) keeps PostgreSQL
# from raising "integer out of range".

# Residents: browse, read, submit, edit, withdraw, co-authors.
bp.add_url_rule("/rounds/<int(max=2147483647):round_id>/proposals", "list_proposals", views.list_proposals)
bp.add_url_rule(
    "/rounds/<int(max=2147483647):round_id>/proposals/new", "submit_proposal", views.submit_proposal, methods=["GET", "POST"]
)
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>", "show_proposal", views.show_proposal)
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/image", "show_proposal_image", views.show_proposal_image)
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/revisions", "list_revisions", views.list_revisions)
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/edit", "edit_proposal", views.edit_proposal, methods=["GET", "POST"])
bp.add_url_rule(
    "/proposals/<int(max=2147483647):proposal_id>/withdraw", "withdraw_proposal", views.withdraw_proposal, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/proposals/<int(max=2147483647):proposal_id>/coauthors", "invite_coauthor", views.invite_coauthor, methods=["GET", "POST"]
)
bp.add_url_rule("/invitations/<token>", "show_invitation", views.show_invitation)
bp.add_url_rule("/invitations/<token>/answer", "answer_invitation", views.answer_invitation, methods=["POST"])

# Council: review during the review phase.
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/review", "review_proposal", views.review_proposal, methods=["GET", "POST"])
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/cost", "revise_cost", views.revise_cost, methods=["POST"])
bp.add_url_rule("/proposals/<int(max=2147483647):proposal_id>/merge", "merge_proposal", views.merge_proposal, methods=["POST"])
bp.add_url_rule(
    "/rounds/<int(max=2147483647):round_id>/exclusion-groups",
    "list_exclusion_groups",
    views.list_exclusion_groups,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/exclusion-groups/<int(max=2147483647):group_id>/delete", "delete_exclusion_group", views.delete_exclusion_group, methods=["POST"]
)

bp.context_processor(views.template_helpers)
bp.url_value_preprocessor(views.allow_image_uploads)
