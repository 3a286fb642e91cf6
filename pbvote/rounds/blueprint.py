"""URL table of the rounds feature."""

from flask import Blueprint

from . import views

bp = Blueprint("rounds", __name__)

# Phases change on time without anyone clicking: every request naming a round applies its due transitions.
bp.before_app_request(views.apply_due_transitions_for_request)
bp.app_context_processor(views.template_helpers)

ROUND = "/rounds/<int(max=2147483647):round_id>"
BUDGET = ROUND + "/budgets/<int(max=2147483647):budget_id>"

bp.add_url_rule("/organisations/<org_slug>/rounds", "list_rounds", views.list_rounds)
bp.add_url_rule("/organisations/<org_slug>/rounds/new", "new_round", views.new_round, methods=["GET", "POST"])
bp.add_url_rule("/organisations/<org_slug>/rounds/import", "import_round", views.import_round, methods=["GET", "POST"])
bp.add_url_rule(ROUND, "show_round", views.show_round)
bp.add_url_rule(ROUND + "/edit", "edit_round", views.edit_round, methods=["GET", "POST"])
bp.add_url_rule(ROUND + "/budgets/new", "new_budget", views.new_budget, methods=["GET", "POST"])
bp.add_url_rule(BUDGET + "/edit", "edit_budget", views.edit_budget, methods=["GET", "POST"])
bp.add_url_rule(BUDGET + "/delete", "delete_budget", views.delete_budget, methods=["POST"])
bp.add_url_rule(BUDGET + "/ballot", "edit_ballot_settings", views.edit_ballot_settings, methods=["GET", "POST"])
bp.add_url_rule(ROUND + "/schedule", "edit_schedule", views.edit_schedule, methods=["GET", "POST"])
bp.add_url_rule(ROUND + "/transition/<to_state>", "transition_round", views.transition_round, methods=["GET", "POST"])
bp.add_url_rule(ROUND + "/log", "show_round_log", views.show_round_log)
bp.add_url_rule(ROUND + "/voters", "manage_voters", views.manage_voters)
bp.add_url_rule(ROUND + "/voters/roll", "upload_voter_roll", views.upload_voter_roll, methods=["POST"])
bp.add_url_rule(ROUND + "/voters/codes", "generate_voter_codes", views.generate_voter_codes, methods=["POST"])
bp.add_url_rule(ROUND + "/register", "register_voter", views.register_voter, methods=["GET", "POST"])
bp.add_url_rule(ROUND + "/code", "claim_voter_code", views.claim_voter_code, methods=["GET", "POST"])
