"""Money as integer minor units: formatted in a round's currency, and parsed from what people type.

Formatting needs one fact per currency — the ISO 4217 minor-unit exponent — so it is done here ("€1,234.50");
in a request in another language than English, Babel formats it that language's way ("1 234,50 €" in Polish).
Parsing is locale-aware through Babel, strict about grouping, and refuses anything that could be read two
ways: "1,5" is one and a half to a German and fifteen hundred (mistyped) to an American, so in English it is
refused rather than guessed. Only ASCII digits are accepted: Python's Decimal would read "١٢٣" or "１２３" as
123, which no council means to type into a budget.

Amounts are typed and shown in the request's language; outside a request (the CLI, the tally) in English.
This module imports Flask only inside functions, so the tally and its CLI can use it without an app.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

#: ISO 4217 codes pbvote accepts, with their minor-unit exponent (digits after the decimal point).
CURRENCIES: dict[str, int] = {
    "EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "PLN": 2, "CZK": 2, "HUF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
    "RON": 2, "BGN": 2, "CAD": 2, "AUD": 2, "NZD": 2, "BRL": 2, "MXN": 2, "ARS": 2, "CLP": 0, "COP": 2,
    "PEN": 2, "ZAR": 2, "INR": 2, "KRW": 0, "JPY": 0, "CNY": 2, "TWD": 2, "ISK": 0, "UAH": 2, "TRY": 2,
    "KWD": 3, "BHD": 3, "JOD": 3, "TND": 3, "OMR": 3, "ILS": 2, "KES": 2, "NGN": 2,
}

#: Symbols shown before the amount for the most common currencies; others show their code after it.
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


class MoneyError(ValueError):
    """An amount a person typed that is not a valid sum of money in the currency."""


def request_locale() -> str | None:
    """The locale of the current request ("pl", "cy", "en_GB"), or None outside one."""
    from flask import has_request_context

    if not has_request_context():
        return None
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else None


def _(message: str, **values) -> str:
    """``message`` in the request's language (English outside a request), with its ``%(name)s`` values."""
    from flask_babel import gettext

    return gettext(message, **values)


def exponent(currency: str) -> int:
    """The number of minor-unit digits of ``currency`` (2 for EUR, 0 for JPY, 3 for KWD)."""
    try:
        return CURRENCIES[currency.upper()]
    except KeyError:
        raise MoneyError(_("Unknown currency %(currency)s.", currency=repr(currency))) from None


def format_money(minor_units: int | None, currency: str) -> str:
    """``123450, "EUR"`` → ``"€1,234.50"``; ``5000, "JPY"`` → ``"¥5,000"``; unknown symbol → ``"1,234.50 CHF"``.

    In a request in another language, that language's way: ``"1 234,50 €"`` in Polish."""
    if minor_units is None:
        return ""
    digits = exponent(currency)
    locale = request_locale()
    if locale and Locale.parse(locale).language != "en":
        return format_currency(Decimal(int(minor_units)).scaleb(-digits), currency.upper(), locale=locale)
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(int(minor_units)), 10**digits)
    text = f"{whole:,}" + (f".{fraction:0{digits}d}" if digits else "")
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


#: The language amounts are typed in outside a request (Babel locale identifier).
DEFAULT_LOCALE = "en"

#: The largest amount pbvote stores, in minor units: 10^15 cents is ten trillion euros, far beyond any budget
#: and well inside a 64-bit integer even when thousands of such amounts are added up.
MAX_MINOR_UNITS = 10**15

# ASCII digits, decimal and group marks, and the spaces and apostrophes people group thousands with.
_TYPED = re.compile(r"[0-9.,' _\u00a0\u202f]+")
_SPACES = re.compile(r"[' _\u00a0\u202f]")


def parse_money(text: str, currency: str, *, locale: str | None = None) -> int:
    """What a person typed → minor units: ``"1,234.50"`` in EUR → ``123450`` (``"1.234,50"`` with locale "de").

    ``locale`` defaults to the request's (``"1 234,50"`` is read in Polish), else English.

    Accepts the currency's symbol or code before or after the number, and spaces or apostrophes between groups
    of thousands. Raises :class:`MoneyError` with a message for the person for anything else: ambiguous or
    badly grouped numbers, other digits than 0-9, negatives, more decimals than the currency has, amounts
    above :data:`MAX_MINOR_UNITS`.
    """
    locale = locale or request_locale() or DEFAULT_LOCALE
    code = currency.upper()
    digits = exponent(code)
    example = format_decimal(Decimal("1250.50"), format="#,##0.00", locale=locale)
    cleaned = (text or "").strip()
    symbol = SYMBOLS.get(code)
    for mark in filter(None, (symbol, code)):
        cleaned = cleaned.removeprefix(mark).removesuffix(mark).strip()
    if not cleaned:
        raise MoneyError(_("Enter an amount."))
    if cleaned.startswith("-"):
        raise MoneyError(_("Amounts cannot be negative."))
    if not _TYPED.fullmatch(cleaned) or not re.search(r"[0-9]", cleaned):
        raise MoneyError(_("Enter the amount with the digits 0-9, like %(example)s.", example=example))
    grouped = _SPACES.sub(get_group_symbol(locale), cleaned)
    try:
        amount = parse_decimal(grouped, locale=locale, strict=True)
    except NumberFormatError:
        raise MoneyError(_("“%(typed)s” could be read more than one way: write it like %(example)s.",
                           typed=cleaned, example=example)) from None
    decimals = -amount.as_tuple().exponent if get_decimal_symbol(locale) in grouped else 0
    if decimals > digits:
        raise MoneyError(_("%(currency)s amounts are whole amounts, without decimals.", currency=code) if not digits
                         else _("%(currency)s amounts have at most %(digits)s decimals.", currency=code, digits=digits))
    minor = int(amount.scaleb(digits))
    if minor > MAX_MINOR_UNITS:
        raise MoneyError(_("That amount is too large."))
    return minor


def minor_to_text(minor_units: int | None, currency: str, *, locale: str | None = None) -> str:
    """The plain number for a form field, as :func:`parse_money` reads it back: ``123450`` EUR → ``"1234.50"``
    (``"1234,50"`` in Polish). ``locale`` defaults to the request's, else English; pass ``"en"`` for files."""
    if minor_units is None:
        return ""
    digits = exponent(currency)
    mark = get_decimal_symbol(locale or request_locale() or DEFAULT_LOCALE)
    whole, fraction = divmod(int(minor_units), 10**digits)
    return f"{whole}" + (f"{mark}{fraction:0{digits}d}" if digits else "")
