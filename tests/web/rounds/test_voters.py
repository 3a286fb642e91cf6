"""Who may vote: the voter roll import reports every bad row and imports nothing; codes work once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.rounds import voters
from pbvote.rounds.events import round_events
from pbvote.rounds.models import RoundVoter, VoterCode, VoterRollEntry

BAD_ROLL = (
    "email,district\n"
    "ann@example.org,North\n"  # line 2: fine
    ",North\n"  # 3: empty id
    "not-an-email,South\n"  # 4: bad email
    "bea@example.org,Atlantis\n"  # 5: unknown district
    "Ann@example.org,South\n"  # 6: duplicate in file (case-insensitive)
    "already@example.org,North\n"  # 7: already on the roll
    f"{'x' * 250}@example.org,North\n"  # 8: too long
    "=HYPERLINK(\"http://evil\"),North\n"  # 9: formula injection
    "cy@example.org,North,extra\n"  # 10: wrong number of cells
    "dee@example.org,\n"  # 11: missing district
)


def _entries(round_) -> int:
    return db.session.scalar(select(func.count()).where(VoterRollEntry.round_id == round_.id))


def test_a_roll_with_bad_rows_reports_every_one_and_imports_nothing(app, new_round, council):
    round_ = new_round(actor=council)
    assert voters.import_voter_roll(round_, council, b"email,district\nalready@example.org,North\n").ok
    db.session.commit()
    events_before = len(round_events(round_.id))

    report = voters.import_voter_roll(round_, council, BAD_ROLL.encode())
    db.session.commit()

    assert not report.ok
    by_line = {problem.line: problem.kind for problem in report.problems}
    assert by_line == {
        3: "empty_id", 4: "bad_email", 5: "unknown_district", 6: "duplicate_in_file", 7: "already_on_roll",
        8: "too_long", 9: "formula", 10: "wrong_column_count", 11: "missing_district",
    }
    assert _entries(round_) == 1  # only the earlier, clean import
    assert len(round_events(round_.id)) == events_before


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"", "empty_file"),
        (b"email,district\n", "no_rows"),
        (b"ann@example.org,North\n", "header_missing"),
        (b"name,district\nAnn,North\n", "missing_column"),
        (b"email\nann@example.org\n", "missing_column"),  # the round has districts
        (b"email,district,phone\nann@example.org,North,123\n", "extra_columns"),
        (b"email,external_id,district\nann@example.org,A1,North\n", "ambiguous_columns"),
        ("email,district\nann@example.org,Nörth\n".encode("latin-1"), "wrong_encoding"),
        (b"external_id,district\nA 1,North\n", "bad_external_id"),
    ],
)
def test_whole_file_problems_are_reported(app, new_round, council, content, kind):
    round_ = new_round(actor=council)
    report = voters.import_voter_roll(round_, council, content)
    assert kind in report.kinds, report.problems
    assert _entries(round_) == 0


def test_a_clean_roll_imports_everyone_and_makes_known_users_voters(app, new_round, council, resident):
    round_ = new_round(actor=council)
    roll = f"Email;District\n{resident.email};South\nbo@example.org;north\n".encode("utf-8-sig")
    report = voters.import_voter_roll(round_, council, roll, "roll.csv")
    db.session.commit()
    assert report.ok and report.imported == 2
    assert _entries(round_) == 2
    voter = voters.voter_record(round_, resident)
    assert voter.source == "roll" and voter.district.name == "South"
    assert round_events(round_.id)[-1].kind == "voter_roll_imported"


def test_external_ids_are_accepted(app, new_round, council):
    round_ = new_round(actor=council)
    report = voters.import_voter_roll(round_, council, b"external_id,district\nNL-0001,North\nNL-0002,South\n")
    assert report.ok and report.imported == 2


def test_voter_codes_are_stored_hashed_and_work_once(app, new_round, council, resident):
    round_ = new_round(actor=council, state="voting")
    round_.state = "draft"
    north = round_.districts[0]
    issued = voters.generate_voter_codes(round_, council, 5, north.id)
    round_.state = "voting"
    db.session.commit()

    assert len({code.code for code in issued}) == 5
    assert all(len(code.code) == voters.CODE_LENGTH for code in issued)
    assert all(set(code.code) <= set(voters.CODE_ALPHABET) for code in issued)
    stored = db.session.scalars(select(VoterCode.code_hash)).all()
    assert issued[0].code not in stored and voters.hash_code(issued[0].code) in stored

    user = voters.claim_voter_code(round_, issued[0].printed.lower(), None, "Letter reader")
    db.session.commit()
    voter = db.session.scalar(select(RoundVoter).where(RoundVoter.user_id == user.id))
    assert (voter.source, voter.district_id, user.display_name) == ("code", north.id, "Letter reader")

    with pytest.raises(voters.VoterError, match="already been used"):
        voters.claim_voter_code(round_, issued[0].code, resident)
    with pytest.raises(voters.VoterError, match="not a voter code"):
        voters.claim_voter_code(round_, "HELLO", resident)
    voters.claim_voter_code(round_, issued[1].code, resident)
    with pytest.raises(voters.VoterError, match="already a voter"):
        voters.claim_voter_code(round_, issued[2].code, resident)


def test_codes_cannot_be_made_once_voting_has_opened(app, new_round, council):
    round_ = new_round(actor=council, state="voting")
    with pytest.raises(Exception, match="voting phase"):
        voters.generate_voter_codes(round_, council, 3, round_.districts[0].id)


def test_open_registration_needs_a_district_of_the_round(app, new_round, resident):
    round_ = new_round(state="proposals")
    with pytest.raises(voters.VoterError, match="district"):
        voters.register_voter(round_, resident, None)
    voter = voters.register_voter(round_, resident, round_.districts[1].id)
    assert (voter.source, voter.district.name) == ("registration", "South")
    with pytest.raises(voters.VoterError, match="already registered"):
        voters.register_voter(round_, resident, round_.districts[1].id)
