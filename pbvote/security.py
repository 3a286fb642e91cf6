"""Security baseline: response headers, safe ``next=`` redirects, rate-limit values from config.

Every response carries a strict Content-Security-Policy: no inline script or style anywhere, htmx is loaded from
``static/vendor`` and configured by a ``<meta name="htmx-config">`` with ``allowEval: false``. HSTS is sent when
the application runs with secure cookies (production).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from .i18n import _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS_VALUE = "max-age=31536000; includeSubDomains"


def init_security(app: Flask) -> None:
    """Install the header hook on ``app``; trust ``PROXY_COUNT`` reverse proxies' X-Forwarded-* headers."""
    # First of all hooks: nothing (CSRF checks, error pages) may build a link for a host we do not serve.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    proxies = int(app.config.get("PROXY_COUNT", 0) or 0)
    if proxies > 0:
        # Only when told: trusting X-Forwarded-For without a proxy would let clients pick their own address
        # and slip past the rate limits.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]


def refuse_untrusted_host() -> Response | None:
    """Answer a plain 400 to a request for a host outside ``TRUSTED_HOSTS``.

    Flask has refused the host already (a SecurityError waits as the routing exception) but is left without a
    URL adapter, so no page that builds a link could be rendered: answer in plain text before anything tries.
    """
    if isinstance(request.routing_exception, SecurityError):
        return Response(_("This site does not answer to that host name.") + "\n", status=400, mimetype="text/plain")
    return None


def refuse_nul_characters() -> None:
    """Answer 400 to a request whose path, query or form fields contain a NUL character.

    No legitimate browser sends one, PostgreSQL refuses to store one ("text fields cannot contain NUL"), and
    refusing at the door means no view or operation has to think about it. Uploaded files are not inspected.
    """
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    elif request.is_json and any("\x00" in text for text in _json_strings(request.get_json(silent=True))):
        # The API's bodies (a NUL arrives as \u0000): a field the document allows but the rules refuse, 422.
        abort(422, description=_("The request contained a NUL character, which no field accepts."))
    if any("\x00" in text for text in texts):
        abort(400, description=_("The request contained a NUL character, which no form field accepts."))


def _json_strings(value: Any) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_json_strings(key), *_json_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _json_strings(item)]
    return []


def add_security_headers(response: Response) -> Response:
    """Add the security headers (without overwriting what a view chose deliberately).

    Pages made for a signed-in person are ``Cache-Control: no-store``: the browser's back button or a shared
    computer must not show them to the next person, and no proxy may keep them. Static files keep their caching.
    """
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static" and "Cache-Control" not in response.headers and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("HSTS_ENABLED", current_app.config.get("SESSION_COOKIE_SECURE", False)):
        response.headers.setdefault("Strict-Transport-Security", HSTS_VALUE)
    return response


def is_safe_next(target: str | None) -> bool:
    """True only for a relative path on this site: "/rounds/3?x=1" yes; "//evil", "https://…", "\\\\x" no."""
    if not target or not isinstance(target, str):
        return False
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default: str, target: str | None = None) -> str:
    """``target`` (default: the request's ``next`` argument) when it is safe, else ``default``."""
    if target is None:
        target = request.values.get("next")
    return target if is_safe_next(target) else default


def rate_limit(config_key: str):
    """A Flask-Limiter limit value read from config at request time (so tests and instances can change it)."""

    def value() -> str:
        return current_app.config[config_key]

    return value
