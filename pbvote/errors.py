"""Friendly error pages: 400 (and expired forms), 403, 404, 405, 413, 429, 500 — never a traceback.

Under ``/api/`` the same errors are RFC 9457 problem JSON instead (``pbvote/api/problems.py``).
"""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .api.problems import is_api_request, problem, problem_from_exception
from .extensions import db

log = logging.getLogger(__name__)

#: Status codes with their own page in templates/errors/<code>.html.
ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500)


def init_errors(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)


def _render(code: int, **context):
    template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/generic.html"
    return render_template(template, code=code, **context), code


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: the form expired (or came from elsewhere)."""
    return _render(400, form_expired=True, reason=error.description)


def handle_http_exception(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions (RequestRedirect) pass through untouched
    if is_api_request():
        return problem_from_exception(error)
    response = error.get_response()
    # A description the application wrote (abort(400, description=…)) is shown; werkzeug's stock texts are not.
    own_words = error.description if error.description != type(error).description else None
    body, code = _render(error.code, description=error.description, detail=own_words)
    response.set_data(body)
    response.status_code = code
    response.content_type = "text/html; charset=utf-8"
    # Keep Allow (405), Retry-After and the X-RateLimit headers (429) that the exception put there.
    response.headers.pop("Content-Length", None)
    return response


def handle_unexpected_error(error: Exception):
    """A bug: log it with its traceback, roll back the session, show a friendly 500 page."""
    if isinstance(error, HTTPException):  # pragma: no cover - handled above; kept for safety
        return handle_http_exception(error)
    log.exception("Unhandled error on %s %s", request.method, request.path, exc_info=error)
    try:
        db.session.rollback()
    except Exception:  # the session may itself be the broken part
        log.exception("Rollback after an unhandled error failed")
    if is_api_request():
        return problem(500)
    return _render(500, description=InternalServerError.description)
