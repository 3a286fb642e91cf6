"""Paper ballots: the URL table (council staff of the round's organisation only)."""

from flask import Blueprint

from . import views

bp = Blueprint("paper", __name__)

PAPER = "/rounds/<int(max=2147483647):round_id>/paper"

bp.add_url_rule(PAPER, "show_paper_ballots", views.show_paper_ballots)
bp.add_url_rule(PAPER + "/policy", "set_paper_policy", views.set_paper_policy, methods=["POST"])
bp.add_url_rule(PAPER + "/enter/<int(max=2147483647):budget_id>", "enter_paper_ballot", views.enter_paper_ballot,
                methods=["GET", "POST"])
bp.add_url_rule(PAPER + "/mismatches", "list_mismatches", views.list_mismatches)
bp.add_url_rule(PAPER + "/<int(max=2147483647):paper_ballot_id>/discard", "discard_paper_ballot",
                views.discard_paper_ballot, methods=["POST"])
