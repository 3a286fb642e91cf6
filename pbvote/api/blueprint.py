"""The API's URL table, and :func:`init_api`, which binds it to an application."""

from __future__ import annotations

from flask import Flask

from ..extensions import csrf
from . import views
from .docs import bp as docs_bp
from .spec import bp, make_api

ROUND = "/rounds/<int(max=2147483647):round_id>"
BUDGET = ROUND + "/budgets/<int(max=2147483647):budget_id>"

bp.add_url_rule("/tokens/voter-code", "create_code_token", views.create_code_token, methods=["POST"])
bp.add_url_rule("/tokens/account", "create_account_token", views.create_account_token, methods=["POST"])
bp.add_url_rule("/tokens/current", "delete_current_token", views.delete_current_token, methods=["DELETE"])
# Voters (any token): the ballot definition, casting, and the receipt (the own current ballot, no code).
bp.add_url_rule(ROUND + "/ballot", "show_ballot_definition", views.show_ballot_definition)
bp.add_url_rule(BUDGET + "/ballot", "cast_ballot", views.cast_ballot, methods=["POST"])
bp.add_url_rule(BUDGET + "/receipt", "show_receipt", views.show_receipt)
# Council (a token from email and password, council of the round's organisation).
bp.add_url_rule(ROUND + "/voter-codes", "create_voter_codes", views.create_voter_codes, methods=["POST"])
bp.add_url_rule(ROUND + "/voting/open", "open_voting", views.open_voting, methods=["POST"])
bp.add_url_rule(ROUND + "/voting/close", "close_voting", views.close_voting, methods=["POST"])


def init_api(app: Flask) -> None:
    """Register the API (CSRF-exempt: it reads bearer tokens, never cookies) and its documentation pages."""
    api = make_api(app)
    app.extensions["pbvote_api"] = api
    csrf.exempt(bp)
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
