"""The API's flask-smorest setup: the blueprint the views are declared on, and an ``Api`` whose OpenAPI 3.1
document describes every error as problem JSON.

flask-smorest's own error handler and documentation pages are not used: ``pbvote/errors.py`` answers every
error (problem JSON under ``/api/``), and ``/api/openapi.json`` and ``/api/docs`` are pbvote views (the docs page
loads only vendored files, which the Content-Security-Policy requires).
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response

from .. import __version__
from .problems import PROBLEM_MIMETYPE
from .schemas import ProblemSchema

OPENAPI_VERSION = "3.1.0"

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Voting for kiosks, scanners and integrations.")


class ProblemApi(Api):
    """flask-smorest's Api, with errors documented as ``application/problem+json`` (:class:`ProblemSchema`)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Nothing: pbvote/errors.py handles every error of the application."""

    def _register_responses(self) -> None:
        """The reusable error responses, each a problem document."""
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response = {"description": status.phrase, "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def make_api(app: Flask) -> ProblemApi:
    """The Api bound to ``app`` (one per application), with the bearer scheme the views require."""
    api = ProblemApi(app, spec_kwargs={
        "title": "pbvote API",
        "version": __version__,
        "openapi_version": OPENAPI_VERSION,
        "info": {"description": "Sign in with a voter code, read the ballot, cast it and read the receipt; "
                                "council endpoints create voter codes and open and close voting. Every error "
                                "is RFC 9457 problem JSON."},
    })
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    return api
