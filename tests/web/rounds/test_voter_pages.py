"""Council uploads a voter roll and prints codes; residents register or sign in with a code."""

from __future__ import annotations

import csv
import io
import zipfile

from sqlalchemy import func, select

from pbvote.extensions import db
from pbvote.rounds.models import RoundVoter, VoterCode, VoterRollEntry

from .test_voters import BAD_ROLL


def _upload(client, round_, content: bytes):
    return client.post_form(f"/rounds/{round_.id}/voters/roll", {"roll": (io.BytesIO(content), "roll.csv")},
                            content_type="multipart/form-data")


def test_a_bad_roll_is_reported_row_by_row_and_nothing_is_imported(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    client = client_for(council)
    assert _upload(client, round_, b"email,district\nalready@example.org,North\n").status_code == 303

    response = _upload(client, round_, BAD_ROLL.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "9 problems found" in page
    for line in range(3, 12):
        assert f"Line {line}" in page
    assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 1


def test_codes_download_as_csv_and_letters(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    client = client_for(council)
    north = round_.districts[0]
    response = client.post_form(f"/rounds/{round_.id}/voters/codes",
                                {"count": "4", "district_id": str(north.id), "output": "zip"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    rows = list(csv.DictReader(io.StringIO(archive.read("voter-codes.csv").decode())))
    assert [row["district"] for row in rows] == ["North"] * 4
    pdf = archive.read("voter-letters.pdf")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 4
    assert db.session.scalar(select(func.count()).select_from(VoterCode)) == 4

    response = client.post_form(f"/rounds/{round_.id}/voters/codes", {"count": "2", "output": "csv"})
    assert "Choose the district" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(VoterCode)) == 4


def _codes(client, round_, count=2):
    response = client.post_form(f"/rounds/{round_.id}/voters/codes",
                                {"count": str(count), "district_id": str(round_.districts[1].id), "output": "csv"})
    return [row["code"] for row in csv.DictReader(io.StringIO(response.data.decode()))]


def test_a_code_signs_a_new_voter_in_once(app, new_round, council, client_for):
    round_ = new_round(actor=council)
    codes = _codes(client_for(council), round_)
    round_.state = "voting"
    db.session.commit()

    visitor = app.test_client()
    url = f"/rounds/{round_.id}/code"
    response = visitor.post_form(url, {"code": codes[0].replace("-", " ").lower(), "display_name": "Sam"},
                                 token_page=url)
    assert response.status_code == 303
    voter = db.session.scalar(select(RoundVoter))
    assert (voter.source, voter.district.name, voter.user.display_name) == ("code", "South", "Sam")
    assert "You are a voter in this round (South)" in visitor.get(f"/rounds/{round_.id}").get_data(as_text=True)

    again = app.test_client()
    response = again.post_form(url, {"code": codes[0]}, token_page=url)
    assert "already been used" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(RoundVoter)) == 1


def test_code_guessing_is_rate_limited(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="voting")
    url = f"/rounds/{round_.id}/code"
    visitor = app.test_client()
    token = visitor.csrf_token(url)
    statuses = [visitor.post(url, data={"csrf_token": token, "code": "A" * 18}).status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10
    assert statuses[-1] == 429


def test_open_registration_with_a_district(app, new_round, resident, client_for):
    round_ = new_round(state="proposals")
    client = client_for(resident)
    url = f"/rounds/{round_.id}/register"
    assert "Choose your district" in client.post_form(url, {"district_id": ""}, token_page=url).get_data(as_text=True)
    assert client.post_form(url, {"district_id": str(round_.districts[0].id)}, token_page=url).status_code == 303
    voter = db.session.scalar(select(RoundVoter))
    assert (voter.user_id, voter.district.name, voter.source) == (resident.id, "North", "registration")
