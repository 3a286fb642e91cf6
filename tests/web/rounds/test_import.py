"""Importing a past round from a pabulib file: a published, read-only round whose recomputed outcome is the
file's recorded one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.proposals.models import Proposal
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import Round, RoundImport

ASSEN = Path(__file__).resolve().parents[3] / "pbvote" / "demo_data" / "Netherlands_Assen_2024.pb"
ASSEN_SELECTED = {"2", "3", "5", "6", "9", "11", "12", "13", "14"}


def _upload(client, content: bytes, name="assen.pb"):
    return client.post_form("/organisations/testville/rounds/import", {"file": (io.BytesIO(content), name)},
                            content_type="multipart/form-data")


def test_council_imports_a_real_round_and_the_outcome_matches_the_file(app, council, client_for):
    client = client_for(council)
    response = _upload(client, ASSEN.read_bytes())
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    round_ = db.session.scalar(select(Round))
    assert (round_.state, round_.imported, round_.currency, round_.name) == (
        "published", True, "EUR", "Assen Top Idee 2024")
    budget = round_.budgets[0]
    assert (budget.amount, budget.rule_id, budget.ballot_type, budget.min_picks) == (10_000_000, "mes", "approval", 2)
    assert budget.rule_params["completion"] == "add1"

    record = db.session.scalar(select(RoundImport))
    assert set(record.computed_selected) == set(record.file_selected) == ASSEN_SELECTED
    proposals = db.session.scalars(select(Proposal).where(Proposal.round_id == round_.id)).all()
    assert len(proposals) == 14 and all(p.status == "feasible" for p in proposals)
    assert {p.title for p in proposals} >= {"PopUp Podium", "Jongerenplatform"}
    # The import tallies the file's ballots and publishes the outcome (the results feature), all in the log.
    assert [e.kind for e in round_events(round_.id)] == ["round_imported", "tallied", "results_published"]
    assert verify_chain(round_.id).ok

    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "read-only" in page and "the same as the file's record" in page
    assert "<li>PopUp Podium</li>" in page and "Crossbaan in Peelo" not in page.split("Funded projects")[1]


def test_an_imported_round_cannot_be_changed(app, council, client_for):
    client = client_for(council)
    _upload(client, ASSEN.read_bytes())
    round_ = db.session.scalar(select(Round))
    budget = round_.budgets[0]
    response = client.post_form(f"/rounds/{round_.id}/edit", {"name": "Changed", "currency": "EUR", "timezone": "UTC"})
    assert "read-only" in response.get_data(as_text=True)
    response = client.post_form(f"/rounds/{round_.id}/budgets/{budget.id}/ballot", {
        "ballot_type": "approval", "min_picks": "0", "max_picks": "3", "rule_id": "greedy"})
    assert "read-only" in response.get_data(as_text=True)
    assert client.post_form(f"/rounds/{round_.id}/transition/archived").status_code == 409
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    assert (round_.name, round_.state, round_.budgets[0].rule_id) == ("Assen Top Idee 2024", "published", "mes")


def test_a_file_whose_recorded_outcome_cannot_be_reproduced_is_refused(app, council, client_for):
    # Mark an unfunded project as selected: the recomputed outcome no longer matches the file.
    text = ASSEN.read_text(encoding="utf-8").replace("8;40000;25;Crossbaan in Peelo;0;", "8;40000;25;Crossbaan in Peelo;1;")
    response = _upload(client_for(council), text.encode())
    assert response.status_code == 200
    assert "does not reproduce" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "Choose a .pb file"), (b"\xff\xfe junk", "not UTF-8"), (b"META\nkey;value\n", "not a valid pabulib file")],
)
def test_broken_files_are_refused_with_a_reason(app, council, client_for, content, message):
    response = _upload(client_for(council), content)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Round)) == 0


def test_import_pb_command(app, organisation, pbvote_cli):
    result = pbvote_cli("import-pb", str(ASSEN), "--organisation", organisation.slug)
    assert result.exit_code == 0, result.output
    assert "9 projects funded by mes (matches the file's selected column)" in result.output
    round_ = db.session.scalar(select(Round))
    assert round_.imported and round_.state == "published"
    assert pbvote_cli("import-pb", str(ASSEN), "--organisation", "nowhere").exit_code == 1


@pytest.mark.slow
def test_every_real_pabulib_file_imports_with_its_recorded_outcome(app, organisation, pabulib_dir):
    from pbvote.rounds.importing import ImportError_, import_round

    imported = refused = 0
    for path in sorted(pabulib_dir.glob("*.pb")):
        try:
            round_ = import_round(organisation, None, path.read_bytes(), path.name)
        except ImportError_ as error:
            # Exclusive groups are only described in prose in the file's comment: nothing to pass the rule.
            assert "greedy-exclusive" in str(error), f"{path.name}: {error}"
            db.session.rollback()
            refused += 1
            continue
        record = db.session.scalar(select(RoundImport).where(RoundImport.round_id == round_.id))
        if record.file_selected is not None:
            assert sorted(record.computed_selected) == sorted(record.file_selected), path.name
        db.session.commit()
        imported += 1
    assert imported >= 20 and refused <= 1
