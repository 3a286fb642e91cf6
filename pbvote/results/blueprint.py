"""Results: the URL table."""

from flask import Blueprint

from ..tally.explain import use_translations
from . import views

bp = Blueprint("results", __name__)
bp.app_context_processor(views.template_helpers)
# Pages say rules and traces in the visitor's language; the tally itself knows nothing of Flask.
bp.record_once(lambda state: use_translations(views.request_translations))

ROUND = "/rounds/<int(max=2147483647):round_id>"

bp.add_url_rule(ROUND + "/results", "show_results", views.show_results)
bp.add_url_rule(ROUND + "/results/<int(max=2147483647):budget_id>/compare", "compare_rules", views.compare_rules)
bp.add_url_rule(ROUND + "/results/publish", "publish_results", views.publish_results, methods=["POST"])
bp.add_url_rule(ROUND + "/results.csv", "download_results_csv", views.download_results_csv)
bp.add_url_rule(ROUND + "/results.json", "download_results_json", views.download_results_json)
bp.add_url_rule(ROUND + "/audit-bundle.zip", "download_bundle", views.download_bundle)
bp.add_url_rule(ROUND + "/tracking", "check_tracking_code", views.check_tracking_code)
bp.add_url_rule(ROUND + "/tracking.json", "check_tracking_code_json", views.check_tracking_code_json)
