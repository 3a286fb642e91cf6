"""Errors of the JSON API as RFC 9457 problem details (``application/problem+json``).

Every error under ``/api/`` — a refusal a view makes, a validation error, an unknown URL, a wrong method, a rate
limit, a bug — leaves as one JSON object: ``type`` (``about:blank``: the status says it all), ``title`` (the
status phrase), ``status``, ``detail`` (what went wrong, in words for people) and, for invalid input,
``errors`` (field → messages). ``pbvote/errors.py`` calls :func:`problem_from_exception` for API paths.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Response, request
from werkzeug.exceptions import HTTPException

from ..i18n import _

PROBLEM_MIMETYPE = "application/problem+json"
API_PREFIX = "/api/"
#: RFC 6750: a 401 names the scheme the client must use.
WWW_AUTHENTICATE = 'Bearer realm="pbvote"'


def is_api_request() -> bool:
    """True for requests under ``/api/`` (answered with problem JSON, never an HTML page)."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, errors: Any = None,
            headers: dict[str, str] | None = None) -> Response:
    """A problem-details response with ``status``; ``detail`` defaults to the status's own description."""
    phrase = HTTPStatus(status)
    body: dict[str, Any] = {"type": "about:blank", "title": phrase.phrase, "status": status,
                            "detail": detail or phrase.description}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(status: int, detail: str, *, errors: Any = None, headers: dict[str, str] | None = None) -> NoReturn:
    """Stop the request with a problem response (raised as an HTTPException, so handlers see it)."""
    raise HTTPException(response=problem(status, detail, errors=errors, headers=headers))


# Response headers of an exception worth keeping (405's Allow, 429's Retry-After and rate-limit headers).
_KEPT_HEADERS = ("Allow", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def problem_from_exception(error: HTTPException) -> Response:
    """The problem response for an HTTPException raised anywhere under /api/."""
    if error.response is not None and error.response.mimetype == PROBLEM_MIMETYPE:
        return error.response  # made by refuse()
    status = error.code or 500
    data = getattr(error, "data", None) or {}  # flask-smorest / webargs put validation details here
    own_words = error.description if error.description != type(error).description else None
    detail = data.get("message") or own_words
    errors = data.get("errors") or data.get("messages")
    if errors is not None and detail is None:
        detail = _("The request does not match what this operation accepts; see errors.")
    original = error.get_response()
    headers = {name: original.headers[name] for name in _KEPT_HEADERS if name in original.headers}
    headers.update(data.get("headers") or {})
    if status not in HTTPStatus._value2member_map_:
        status = 500
    return problem(status, detail, errors=errors, headers=headers)
