"""Only the council of the round's organisation posts updates, only on funded projects of published rounds, and
only valid ones: everything else gets a 403/404 or a clear message, and nothing is stored or logged."""

from __future__ import annotations

import io

import pytest

from pbvote.accountability.models import ProgressUpdate
from pbvote.accountability.operations import UPDATE_POSTED
from pbvote.database import write_transaction
from pbvote.extensions import db as _db
from pbvote.rounds.events import round_events
from pbvote.rounds.models import Round
from pbvote.voting.operations import close_voting
from tests.web.accountability.conftest import form_data, new_url
from tests.web.accountability.factories import make_update
from tests.web.proposals.factories import png_bytes
from tests.web.voting.factories import make_voting_round


def _nothing_stored(round_id: int) -> None:
    assert _db.session.query(ProgressUpdate).count() == 0
    assert not [e for e in round_events(round_id) if e.kind == UPDATE_POSTED]


@pytest.mark.parametrize("who", ["resident", "moderator", "auditor", "council_elsewhere"])
def test_other_roles_cannot_post_or_edit(client, auth, delivered, create_user, create_organisation, who, db):
    project = delivered.funded[0]
    update = make_update(project, delivered.council)
    if who == "council_elsewhere":
        user = create_user(email="clerk@elsewhere.example", roles=("council",),
                           organisation=create_organisation(slug="elsewhere", name="Elsewhere"))
    else:
        user = create_user(email=f"{who}@testville.example", roles=(who,))
    auth.login(user)
    page = f"/proposals/{project.id}"
    assert client.get(new_url(project)).status_code == 403
    assert client.post_form(new_url(project), form_data(), token_page=page).status_code == 403
    edit = f"/progress/{update.id}/edit"
    assert client.get(edit).status_code == 403
    assert client.post_form(edit, form_data(spent="9.00"), token_page=page).status_code == 403
    db.session.expire_all()
    assert db.session.query(ProgressUpdate).count() == 1
    assert db.session.get(ProgressUpdate, update.id).spent == 1_000_00
    assert "Post a progress update" not in client.get(page).get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, delivered, db):
    response = client.get(new_url(delivered.funded[0]))
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


def test_missing_projects_and_updates_are_404(client, auth, delivered, db):
    auth.login(delivered.council)
    assert client.get("/proposals/2147483647/progress/new").status_code == 404
    assert client.get("/progress/2147483647/edit").status_code == 404
    assert client.get("/rounds/2147483647/delivery").status_code == 404


def test_an_unfunded_project_takes_no_update(client, auth, delivered, db):
    project = delivered.unfunded[0]
    auth.login(delivered.council)
    page = client.get(new_url(project)).get_data(as_text=True)
    assert "Only projects funded in a round whose results are published take progress updates" in page
    assert "<form class=\"form\"" not in page
    response = client.post_form(new_url(project), form_data(), token_page=new_url(delivered.funded[0]))
    assert response.status_code == 422
    assert "nothing was saved" in response.get_data(as_text=True)
    _nothing_stored(delivered.round.id)
    assert "Delivery progress" not in client.get(f"/proposals/{project.id}").get_data(as_text=True)


def test_a_tallied_but_unpublished_round_takes_no_update(client, auth, organisation, create_user, db):
    council = create_user(email="clerk@testville.example", roles=("council",))
    world = make_voting_round(organisation, council, kind="approval")
    with write_transaction():
        close_voting(db.session.get(Round, world.round.id), council)
    project = world.projects["Citywide"][0]
    auth.login(council)
    response = client.post_form(new_url(project), form_data(), token_page=f"/proposals/{project.id}")
    assert response.status_code == 422 and "nothing was saved" in response.get_data(as_text=True)
    _nothing_stored(world.round.id)
    assert client.get(f"/rounds/{world.round.id}/delivery").status_code == 403


BAD_INPUT = [
    ({"spent": "-5"}, "spent", "Amounts cannot be negative."),
    ({"spent": "lots"}, "spent", "Enter the amount with the digits 0-9"),
    ({"spent": ""}, "spent", "Enter the amount spent so far"),
    ({"status": "cancelled", "reason": "  "}, "reason", "Give the public reason why the project is cancelled."),
    ({"status": "finished"}, "status", "Not a valid choice"),
    ({"reported_on": "2999-01-01"}, "reported_on", "The date cannot be after today"),
    ({"reported_on": "2026-13-45"}, "reported_on", "Enter the date, like 2026-03-31."),
    ({"text": "   "}, "text", "Say what happened."),
    ({"text": "x" * 20_001}, "text", "Field cannot be longer than 20000 characters."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT, ids=[case[1] + str(i) for i, case in
                                                                            enumerate(BAD_INPUT)])
def test_bad_input_is_refused_with_a_form_error(client, auth, delivered, overrides, field, message, db):
    project = delivered.funded[0]
    auth.login(delivered.council)
    response = client.post_form(new_url(project), form_data(**overrides), token_page=new_url(project))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page and message in page
    _nothing_stored(delivered.round.id)


@pytest.mark.parametrize(("upload", "message"), [
    (b"<svg onload='alert(1)'/>", "That file is not an image we can read"),
    (png_bytes((40, 30)) + b"x" * 5_000, "The image is larger than"),
], ids=["not-an-image", "too-large"])
def test_bad_photos_are_refused(client, auth, delivered, upload, message, app, db):
    app.config["PROPOSAL_IMAGE_MAX_BYTES"] = 4_000
    project = delivered.funded[0]
    auth.login(delivered.council)
    form = form_data(image=(io.BytesIO(upload), "photo.png"))
    response = client.post_form(new_url(project), form, token_page=new_url(project),
                                content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="image-error"' in page and message in page
    _nothing_stored(delivered.round.id)


def test_a_form_without_csrf_token_is_refused(client, auth, delivered, db):
    project = delivered.funded[0]
    auth.login(delivered.council)
    assert client.post(new_url(project), data=form_data()).status_code == 400
    _nothing_stored(delivered.round.id)
