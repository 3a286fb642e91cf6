"""Voter codes as files: a CSV list and printable letters (one A4 page per code) made with reportlab.

Letters are written in the letter's language (chosen when the codes are made; else the organisation's default,
else the request's) in DejaVu Sans, shipped in ``pbvote/fonts`` and embedded in the PDF: reportlab's built-in
Helvetica has no ł, ś, ŵ or ŷ, and a fresh machine needs no system font.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

from flask_babel import force_locale, get_locale
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from ..i18n import DEFAULT_LOCALE, _, normalise
from ..safecsv import csv_bytes
from .models import Round
from .operations import when_voting_opens
from .voters import IssuedCode

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
#: reportlab name → file in FONTS_DIR.
FONTS = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
         "DejaVuSansMono-Bold": "DejaVuSansMono-Bold.ttf"}
TEXT, BOLD, CODE = FONTS


@functools.cache
def register_fonts() -> None:
    """Register the shipped fonts with reportlab (once per process)."""
    for name, filename in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / filename)))


def codes_csv(round_: Round, codes: Sequence[IssuedCode]) -> bytes:
    """One row per code: round, district, code (grouped for reading aloud); formula-safe."""
    return csv_bytes(["round", "district", "code"], [[round_.name, code.district, code.printed] for code in codes])


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` points in ``font`` at ``size``."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def letter_language(round_: Round, language: str | None = None) -> str:
    """The language of the round's letters: ``language`` when given, else the organisation's default, else the
    request's, else English."""
    organisation = round_.organisation
    return (normalise(language) or normalise(organisation.default_language if organisation else None)
            or normalise(str(get_locale() or "")) or DEFAULT_LOCALE)


def codes_pdf(round_: Round, codes: Sequence[IssuedCode], vote_url: str, language: str | None = None) -> bytes:
    """A letter per page, in the letter's language: the round, the code in large type, and how to vote."""
    register_fonts()
    with force_locale(letter_language(round_, language)):
        return _letters(round_, codes, vote_url)


def _letters(round_: Round, codes: Sequence[IssuedCode], vote_url: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=TEXT, initialFontSize=11)
    pdf.setTitle(_("Voter codes — %(round)s", round=round_.name))
    pdf.setAuthor(round_.organisation.name if round_.organisation else "pbvote")
    width, height = A4
    left = 25 * mm
    line_width = width - 2 * left
    steps = [
        _("1. Go to %(url)s", url=vote_url),
        _("2. Type the code above (capital letters and digits; the dashes are optional)."),
        _("3. %(when)s While it is open, choose the projects you want funded.", when=when_voting_opens(round_)),
        _("The code works once. Keep this letter private: whoever has the code can vote with it."),
    ]
    for code in codes:
        y = height - 35 * mm
        pdf.setFont(TEXT, 11)
        pdf.drawString(left, y, round_.organisation.name if round_.organisation else "")
        y -= 14 * mm
        pdf.setFont(BOLD, 18)
        for line in _wrap(_("Your vote in “%(round)s”", round=round_.name), BOLD, 18, line_width):
            pdf.drawString(left, y, line)
            y -= 9 * mm
        if code.district:
            pdf.setFont(TEXT, 12)
            pdf.drawString(left, y, _("District: %(district)s", district=code.district))
            y -= 8 * mm
        y -= 6 * mm
        pdf.setFont(TEXT, 12)
        pdf.drawString(left, y, _("Your personal voter code:"))
        y -= 14 * mm
        pdf.setFont(CODE, 24)
        pdf.drawString(left, y, code.printed)
        y -= 16 * mm
        pdf.setFont(TEXT, 12)
        for step in steps:
            for line in _wrap(step, TEXT, 12, line_width):
                pdf.drawString(left, y, line)
                y -= 6.5 * mm
            y -= 2 * mm
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def codes_zip(round_: Round, codes: Sequence[IssuedCode], vote_url: str, language: str | None = None) -> bytes:
    """The CSV list and the PDF letters of the same codes in one archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("voter-codes.csv", codes_csv(round_, codes))
        archive.writestr("voter-letters.pdf", codes_pdf(round_, codes, vote_url, language))
    return buffer.getvalue()
