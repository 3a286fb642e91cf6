"""Vote → close → publish → bundle → verify: the bundle reproduces the published outcome, byte for byte."""

from __future__ import annotations

import contextlib
import io

from pabulib.checker import Checker

from pbvote.audit.bundle import build_bundle
from pbvote.audit.keys import public_key_hex
from pbvote.audit.verify import verify_bundle
from pbvote.results.models import TallyResult
from pbvote.tally import compute, loads

from .conftest import unzip


def test_the_bundle_of_a_voted_round_verifies_and_reproduces_the_outcome(published, bundle, db, pbvote_cli, tmp_path):
    world, _ = published
    path = tmp_path / "bundle.zip"
    result = pbvote_cli(*["audit", "bundle", str(world.round.id), "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == bundle == build_bundle(world.round)  # byte-identical rebuilds

    key = public_key_hex(world.round.id)
    result = pbvote_cli(*["audit", "verify", str(path), "--public-key", key])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("verified: round ")

    files = unzip(bundle)
    election = loads(files[f"budget-{world.citywide.id}/ballots.pb"].decode())
    stored = db.session.query(TallyResult).filter_by(budget_id=world.citywide.id).one()
    outcome = compute(stored.rule_id, election, **stored.rule_params)
    assert [int(p) for p in outcome.selected] == stored.selected
    assert election.num_voters == 12 == stored.ballots_counted
    # Random voter ids, not the database's numbering.
    assert not {row[0] for row in election.vote_rows} & {str(n) for n in range(1, 13)}


def test_a_wrong_public_key_fails(bundle):
    report = verify_bundle(bundle, "ab" * 32)
    assert not report.ok and report.headline().startswith("FAILED: ")
    assert "signature" in report.headline()


def test_the_ballots_file_passes_pabulib_checker(published, bundle):
    world, _ = published
    text = unzip(bundle)[f"budget-{world.citywide.id}/ballots.pb"].decode()
    with contextlib.redirect_stdout(io.StringIO()):
        report = Checker().process_files([text])
    (entry,) = (value for value in report.values() if isinstance(value, dict) and "results" in value)
    assert entry["results"]["errors"] == {}, entry["results"]["errors"]


def test_an_unreadable_file_exits_2(pbvote_cli, tmp_path):
    path = tmp_path / "not.zip"
    path.write_bytes(b"this is not a zip")
    result = pbvote_cli(*["audit", "verify", str(path)])
    assert result.exit_code == 2
