"""The tests' app keeps one app context (and its ``g``) across requests, and Flask-Babel caches a request's
locale on ``g``: without a refresh, the first request's language would stick to every later one. In
production each request has its own app context."""

from __future__ import annotations

import flask_babel
import pytest
from flask import request_started


def _forget_locale(_sender, **_extra) -> None:
    flask_babel.refresh()


@pytest.fixture(autouse=True)
def locale_per_request(app):
    request_started.connect(_forget_locale, app)
    yield
    request_started.disconnect(_forget_locale, app)
