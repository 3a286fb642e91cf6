"""Voter codes as files: a CSV list and printable letters (one A4 page per code) made with reportlab."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..safecsv import csv_bytes
from .models import Round
from .operations import when_voting_opens
from .voters import IssuedCode


def codes_csv(round_: Round, codes: Sequence[IssuedCode]) -> bytes:
    """One row per code: round, district, code (grouped for reading aloud); formula-safe."""
    return csv_bytes(["round", "district", "code"], [[round_.name, code.district, code.printed] for code in codes])


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def codes_pdf(round_: Round, codes: Sequence[IssuedCode], vote_url: str) -> bytes:
    """A letter per page: the round, the code in large type, and how to vote with it."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"Voter codes — {round_.name}")
    pdf.setAuthor(round_.organisation.name if round_.organisation else "pbvote")
    _width, height = A4
    left = 25 * mm
    for code in codes:
        y = height - 35 * mm
        pdf.setFont("Helvetica", 11)
        pdf.drawString(left, y, round_.organisation.name if round_.organisation else "")
        y -= 14 * mm
        pdf.setFont("Helvetica-Bold", 18)
        for line in _wrap(f"Your vote in “{round_.name}”", 45):
            pdf.drawString(left, y, line)
            y -= 9 * mm
        if code.district:
            pdf.setFont("Helvetica", 12)
            pdf.drawString(left, y, f"District: {code.district}")
            y -= 8 * mm
        y -= 6 * mm
        pdf.setFont("Helvetica", 12)
        pdf.drawString(left, y, "Your personal voter code:")
        y -= 14 * mm
        pdf.setFont("Courier-Bold", 24)
        pdf.drawString(left, y, code.printed)
        y -= 16 * mm
        pdf.setFont("Helvetica", 12)
        steps = [
            f"1. Go to {vote_url}",
            "2. Type the code above (capital letters and digits; the dashes are optional).",
            f"3. {when_voting_opens(round_)} While it is open, choose the projects you want funded.",
            "The code works once. Keep this letter private: whoever has the code can vote with it.",
        ]
        for step in steps:
            for line in _wrap(step, 80):
                pdf.drawString(left, y, line)
                y -= 6.5 * mm
            y -= 2 * mm
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def codes_zip(round_: Round, codes: Sequence[IssuedCode], vote_url: str) -> bytes:
    """The CSV list and the PDF letters of the same codes in one archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("voter-codes.csv", codes_csv(round_, codes))
        archive.writestr("voter-letters.pdf", codes_pdf(round_, codes, vote_url))
    return buffer.getvalue()
