"""Home page, favicon and health check."""

from flask import current_app, render_template, send_from_directory
from sqlalchemy import select, text

from ..access import public
from ..accounts.models import Organisation
from ..extensions import db


@public
def show_home():
    """The front page: what pbvote is and the organisations using this site."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("core/home.html", organisations=organisations)


@public
def show_favicon():
    """The site icon browsers ask for at /favicon.ico (a page's <link rel=icon> may name the same file)."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86_400)


@public
def check_health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
