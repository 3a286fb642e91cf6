from flask import render_template
from sqlalchemy import text

from ..extensions import db


def show_home():
    return render_template("core/home.html")


def check_health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
