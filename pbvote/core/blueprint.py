from flask import Blueprint

from . import views

bp = Blueprint("core", __name__)
bp.add_url_rule("/", "show_home", views.show_home)
bp.add_url_rule("/favicon.ico", "show_favicon", views.show_favicon)
bp.add_url_rule("/healthz", "check_health", views.check_health)
