"""Home page and health check."""

from flask import render_template
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
def check_health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
