"""Money as integer minor units, formatted in a round's currency.

A tiny formatter instead of Babel: pbvote needs one thing — "1,234.50 EUR" with the right number of decimals
for the currency — and the ISO 4217 minor-unit exponent is the only currency fact that requires. Babel would
add a 30 MB locale database for locale-specific separators no page yet needs.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

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


def exponent(currency: str) -> int:
    """The number of minor-unit digits of ``currency`` (2 for EUR, 0 for JPY, 3 for KWD)."""
    try:
        return CURRENCIES[currency.upper()]
    except KeyError:
        raise MoneyError(f"Unknown currency {currency!r}.") from None


def format_money(minor_units: int | None, currency: str) -> str:
    """``123450, "EUR"`` → ``"€1,234.50"``; ``5000, "JPY"`` → ``"¥5,000"``; unknown symbol → ``"1,234.50 CHF"``."""
    if minor_units is None:
        return ""
    digits = exponent(currency)
    sign = "-" if minor_units < 0 else ""
    whole, fraction = divmod(abs(int(minor_units)), 10**digits)
    text = f"{whole:,}" + (f".{fraction:0{digits}d}" if digits else "")
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


_AMOUNT = re.compile(r"^\d+(\.\d+)?$")


def parse_money(text: str, currency: str) -> int:
    """``"1,234.50"`` in EUR → ``123450``. Refuses negatives, more decimals than the currency has, and junk."""
    cleaned = (text or "").strip().replace(",", "").replace(" ", "").replace("_", "")
    symbol = SYMBOLS.get(currency.upper())
    if symbol and cleaned.startswith(symbol):
        cleaned = cleaned[len(symbol):]
    if cleaned.upper().endswith(currency.upper()):
        cleaned = cleaned[: -len(currency)]
    if not _AMOUNT.match(cleaned):
        raise MoneyError("Enter an amount like 1250 or 1250.50.")
    digits = exponent(currency)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex already refused it
        raise MoneyError("Enter an amount like 1250 or 1250.50.") from None
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency.upper()} amounts have at most {digits} decimals.")
    if scaled > 10**15:
        raise MoneyError("That amount is too large.")
    return int(scaled)


def minor_to_text(minor_units: int | None, currency: str) -> str:
    """The plain number for a form field: ``123450`` EUR → ``"1234.50"``."""
    if minor_units is None:
        return ""
    digits = exponent(currency)
    whole, fraction = divmod(int(minor_units), 10**digits)
    return f"{whole}" + (f".{fraction:0{digits}d}" if digits else "")
