"""Languages: English, Welsh and Polish through Flask-Babel.

The language of a request is, in this order: the one the person chose (the switcher sets a cookie and, when
signed in, their profile), the best match of the browser's ``Accept-Language``, the organisation's default,
and English. Catalogues live in ``pbvote/translations/<locale>/LC_MESSAGES/messages.po``; ``make messages``
extracts and updates them, and the compiled ``.mo`` files are built at install (``make install``), never
committed.

Templates get ``_()``, ``ngettext()``, ``{% trans %}``, ``counted()`` and the locale-aware filters ``day``
(a date), ``moment`` (a date and time, in a given time zone) and ``number``; Python code imports ``_`` /
``_l`` (lazy, for form labels and other module-level text) from here.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from flask import (
    Flask,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    request_started,
)
from flask_babel import Babel, format_date, format_decimal, get_locale, get_translations
from flask_babel import gettext as _  # noqa: F401  (re-exported for the features)
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_babel import ngettext as _n  # noqa: F401
from flask_login import current_user

from .config import DEFAULT_LOCALE, LANGUAGES

#: The cookie that remembers a visitor's choice (a year; the profile keeps it for signed-in people).
LANGUAGE_COOKIE = "pbvote_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

babel = Babel()


def normalise(code: str | None) -> str | None:
    """``"cy"``, ``"cy-GB"``, ``"en"``, ``"en_US"``, ``"PL"`` → the supported locale code, or None."""
    if not code:
        return None
    language = code.replace("-", "_").split("_")[0].lower()
    return next((locale for locale in LANGUAGES if locale.split("_")[0] == language), None)


def select_locale() -> str:
    """The locale of this request (see the module's docstring); English outside a request (the command line)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = normalise(request.cookies.get(LANGUAGE_COOKIE))
    if current_user and getattr(current_user, "is_authenticated", False):
        chosen = normalise(getattr(current_user, "language", None)) or chosen
    if chosen:
        return chosen
    offered = request.accept_languages.best_match([*LANGUAGES, *(code.split("_")[0] for code in LANGUAGES)])
    if offered:
        return normalise(offered)
    return organisation_default() or DEFAULT_LOCALE


def organisation_default() -> str | None:
    """The default language of the organisation the request concerns: the signed-in person's, else the one a
    view named in ``g.organisation_id`` (set by access checks), else None."""
    from .accounts.models import Organisation
    from .extensions import db

    organisation_id = None
    if current_user and getattr(current_user, "is_authenticated", False):
        organisation_id = current_user.organisation_id
    organisation_id = g.get("organisation_id", organisation_id)
    if organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    return normalise(organisation.default_language) if organisation else None


def locale_code() -> str:
    """The locale text is being written in now (``"cy"``; ``"en_GB"`` outside a request and ``force_locale``),
    for storing beside text that is written once and read later."""
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale else DEFAULT_LOCALE


def language_tag(code: str) -> str:
    """The BCP 47 tag of a locale code, for ``lang`` attributes: ``"en_GB"`` → ``"en-GB"`` (filter ``language_tag``)."""
    return code.replace("_", "-")


def current_language() -> str:
    """The BCP 47 tag of the request's language for ``<html lang>``: ``"en-GB"``, ``"cy"``, ``"pl"``."""
    locale = get_locale() if has_request_context() else None
    return language_tag(str(locale) if locale else DEFAULT_LOCALE)


def counted(count: int, singular: str, plural: str) -> str:
    """A count with its noun in the right plural form of the request's language:
    ``counted(3, "%(num)s budget", "%(num)s budgets")`` → ``"3 budgets"`` (``"3 cyllideb"`` in Welsh).
    Both forms are English msgids (extracted as ``counted:2,3``); ``num`` is the count, grouped per locale.
    Translated wherever Flask-Babel works (a request, or ``force_locale`` in a command such as ``pbvote tick``)."""
    if has_app_context():
        # Not flask_babel.ngettext: it fills ``num`` with the bare count itself (and refuses another ``num``).
        return get_translations().ungettext(singular, plural, count) % {"num": format_decimal(count)}
    return (singular if count == 1 else plural) % {"num": f"{count:,}"}


def day(value: date | datetime | None, format: str = "long") -> str:
    """A date in the request's language: ``4 December 2026``, ``4 Rhagfyr 2026``, ``4 grudnia 2026``."""
    return format_date(value, format) if value else ""


def moment(value: datetime | None, timezone: str | None = None, format: str = "medium") -> str:
    """A date and time in the request's language, in ``timezone`` (a round's) or UTC, with the zone named."""
    if value is None:
        return ""
    from babel.dates import format_datetime as babel_format_datetime

    zone = ZoneInfo(timezone or "UTC")
    text = babel_format_datetime(value, format, tzinfo=zone, locale=get_locale() or DEFAULT_LOCALE)
    return f"{text} {zone.key}"


def number(value: float | None) -> str:
    """A number grouped the request's way: ``1,234`` (en), ``1234`` or ``1 234`` (pl)."""
    return "" if value is None else format_decimal(value)


def language_name(code: str) -> str:
    """The language's name in the language itself, for the switcher: ``"Cymraeg"``."""
    return LANGUAGES.get(code) or Locale.parse(code).get_display_name(code)


def safe_next(target: str | None) -> str:
    """A same-site path to go back to after switching language (never another site's address, nor ``/\\host``,
    which browsers read as ``//host``)."""
    from .security import safe_next as same_site_or

    return same_site_or("/", target or "/")


def switch_language():
    """POST /language: remember the language chosen in the switcher (cookie, and profile when signed in),
    then go back to the page it was chosen on. CSRF-protected like every form."""
    from .extensions import db

    chosen = normalise(request.form.get("language"))
    response = redirect(safe_next(request.form.get("next")), code=303)
    if chosen is None:
        return response
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
    if current_user.is_authenticated and current_user.language != chosen:
        current_user.language = chosen
        db.session.commit()
    return response


def forget_locale(sender: Flask, **extra) -> None:
    """Before anything of a request runs: drop the locale Flask-Babel cached on ``g``. Requests that share an
    application context (tests, requests made inside a command) would otherwise keep the first one's language."""
    g.pop("_flask_babel", None)


def init_i18n(app: Flask) -> None:
    from .access import public

    request_started.connect(forget_locale, app)

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)
    app.add_url_rule("/language", "switch_language", public(switch_language), methods=["POST"])
    app.add_template_global(counted)
    app.add_template_global(current_language)
    app.add_template_global(language_name)
    app.add_template_global(LANGUAGES, "LANGUAGES")
    app.add_template_filter(day)
    app.add_template_filter(moment)
    app.add_template_filter(number)
    app.add_template_filter(language_tag)
