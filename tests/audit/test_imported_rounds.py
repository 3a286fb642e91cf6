"""Real pabulib files imported with ``pbvote import-pb`` get a bundle that verifies and whose ballots.pb
pabulib-checker accepts: every file of /work/shared/pabulib that ``pbvote tally --check-official`` reproduces
(the others are refused by the import, which is tested with the rounds)."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from pabulib.checker import Checker

from pbvote.audit.keys import public_key_hex
from pbvote.tally import loads
from tests.conftest import PABULIB_DIR

from .conftest import unzip

SMALL = [
    "Poland_Czestochowa_2024_Tysiaclecie", "Poland_Krakow_2021_Debniki",
    "Poland_Krakow_2021_Stare_Miasto", "Poland_Warszawa_2021_Bemowo", "Poland_Warszawa_2026_Mokotow",
    "Poland_Warszawa_2026_Sielce", "Poland_Warszawa_2026_Wygledow_Sluzewiec",
]
# Slow: pabulib-checker recomputes Assen's equal shares itself; the others are the largest files.
LARGE = ["Netherlands_Assen_2024", "Poland_Katowice_2020", "Poland_Krakow_2021", "Poland_Warszawa_2026", "Poland_Wroclaw_2018",
         "Poland_Wroclaw_2021"]


def checker_errors(text: str) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        report = Checker().process_files([text])
    (entry,) = (value for value in report.values() if isinstance(value, dict) and "results" in value)
    return entry["results"]["errors"]


@pytest.mark.parametrize("name", SMALL + [pytest.param(name, marks=pytest.mark.slow) for name in LARGE])
def test_an_imported_real_file_bundles_and_verifies(name, pbvote_cli, organisation, tmp_path, db):
    result = pbvote_cli("import-pb", str(PABULIB_DIR / f"{name}.pb"), "--organisation", organisation.slug)
    assert result.exit_code == 0, result.output
    round_id = int(re.search(r"Imported round (\d+)", result.output).group(1))
    path = tmp_path / "bundle.zip"
    result = pbvote_cli("audit", "bundle", str(round_id), "-o", str(path))
    assert result.exit_code == 0, result.output
    result = pbvote_cli("audit", "verify", str(path), "--public-key", public_key_hex(round_id))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("verified: ")

    (ballots,) = [body.decode() for file, body in unzip(path.read_bytes()).items() if file.endswith("ballots.pb")]
    original = loads((PABULIB_DIR / f"{name}.pb").read_text(encoding="utf-8-sig"))
    published = loads(ballots)
    assert published.num_voters == original.num_voters
    # The published outcome is the city's: the same projects (in file order) are selected, at the same costs.
    assert [p.fields["selected"] != "0" for p in published.projects] == [
        p.fields["selected"] not in ("", "0") for p in original.projects]
    assert [p.cost for p in published.projects] == [p.cost for p in original.projects]
    # Demographics survive only where every combination has at least 5 voters.
    extra = [column for column in published.vote_columns if column not in ("voter_id", "vote", "points")]
    if extra:
        from collections import Counter

        at = [published.vote_columns.index(column) for column in extra]
        assert min(Counter(tuple(row[i] for i in at) for row in published.vote_rows).values()) >= 5
    assert checker_errors(ballots) == {}
