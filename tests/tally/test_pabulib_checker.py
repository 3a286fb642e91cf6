"""Files pbvote writes pass the pabulib-checker package's validation (the checker pabulib.org uses)."""

from __future__ import annotations

import contextlib
import io

import pytest
from pabulib.checker import Checker

from pbvote.tally import pabulib
from tests.conftest import PABULIB_DIR as PABULIB

from .elections import make_election


def checker_errors(text: str) -> dict:
    """The checker's errors for one file's text (its progress printing silenced)."""
    with contextlib.redirect_stdout(io.StringIO()):
        report = Checker().process_files([text])
    # The report holds "metadata", "summary" and one entry per file, keyed by its position.
    (result,) = (value for value in report.values() if isinstance(value, dict) and "results" in value)
    return result["results"]["errors"]


@pytest.mark.parametrize(
    "name",
    [
        # The checker recomputes Assen's equal-shares result exactly, which takes it a few seconds.
        pytest.param("Netherlands_Assen_2024", marks=pytest.mark.slow),
        "Poland_Krakow_2021_Stare_Miasto",
        "Poland_Warszawa_2022_Bemowo",
        "Switzerland_Zurich_D10",
        "Worldwide_Mechanical_Turk_Ranking_value_3",
    ],
)
def test_a_real_file_written_back_passes_the_checker(name: str):
    """Written back, a file gets exactly the checker's verdict on the original (which is clean for all but the
    Mechanical Turk file, whose source data has spaces inside a list field)."""
    original = (PABULIB / f"{name}.pb").read_text(encoding="utf-8-sig")
    written = pabulib.dumps(pabulib.load(PABULIB / f"{name}.pb"))
    assert checker_errors(written) == checker_errors(original)
    if not name.startswith("Worldwide"):
        assert checker_errors(written) == {}


def test_a_small_election_built_in_code_passes_the_checker():
    election = make_election(
        {"1": 60, "2": 50, "3": 30},
        ["1,2", "1,2", "1,3"],
        budget=100,
        rule="greedy",
        country="Poland",
        unit="Testville",
        instance="2026",
        date_begin="01.06.2026",
        date_end="15.06.2026",
        language="en",
        currency="PLN",
    )
    assert checker_errors(pabulib.dumps(election)) == {}


def test_the_checker_does_catch_a_broken_file():
    """Control: the check can fail — a budget the officially selected projects exceed is reported."""
    text = pabulib.dumps(pabulib.load(PABULIB / "Poland_Krakow_2021_Stare_Miasto.pb"))
    assert checker_errors(text.replace("budget;1104775", "budget;1000")) != {}
