"""Voting: the URL table."""

from flask import Blueprint

from . import views

bp = Blueprint("voting", __name__)

ROUND = "/rounds/<int(max=2147483647):round_id>"
BALLOT = ROUND + "/vote/<int(max=2147483647):budget_id>"

bp.add_url_rule(ROUND + "/vote", "show_voting", views.show_voting)
bp.add_url_rule(BALLOT, "edit_ballot", views.edit_ballot, methods=["GET", "POST"])
bp.add_url_rule(BALLOT + "/review", "review_ballot", views.review_ballot)
bp.add_url_rule(BALLOT + "/cast", "cast_ballot", views.cast_ballot, methods=["POST"])
bp.add_url_rule(BALLOT + "/receipt", "show_receipt", views.show_receipt)
# Council: close voting (tallies every budget).
bp.add_url_rule(ROUND + "/close-voting", "close_voting", views.close_voting, methods=["GET", "POST"])
