"""The proposal forms' defects of issue 17 (item 5): no "None" attribute or option values, required fields
marked, re-marking the same decision records it once, an image over the limit re-shows the form with what was
typed; and a proposal with a single revision does not say "All 1 revision"."""

from __future__ import annotations

import io

import pytest

from pbvote.proposals.models import Proposal

from .test_review import fresh, review
from .test_submit_and_edit import proposal_form, submit_url


def test_the_proposal_forms_render_no_none_values(round_, alice, council, create_round, create_proposal, client_for):
    page = client_for(alice).get(submit_url(round_)).get_data(as_text=True)
    assert '="None"' not in page
    assert '<option selected value="">Choose a district</option>' in page
    assert 'inputmode="decimal"' in page

    in_review = create_round(state="review", name="Under review")
    reviewed = create_proposal(in_review, alice)
    create_proposal(in_review, alice, title="The same idea")
    page = client_for(council).get(f"/proposals/{reviewed.id}/review").get_data(as_text=True)
    assert '="None"' not in page and 'inputmode="None"' not in page
    assert '<option selected value="">Choose the proposal to keep</option>' in page


def test_required_fields_carry_the_attribute_and_a_visible_marker(round_, alice, client_for):
    page = client_for(alice).get(submit_url(round_)).get_data(as_text=True)
    label, control = page.split('for="title"', 1)[1].split("</label>", 1)
    assert '<span class="field__required">(required)</span>' in label
    assert "required" in control.split(">", 1)[0]
    location_label = page.split('for="location"', 1)[1].split("</label>", 1)[0]
    assert "(required)" not in location_label


def test_a_field_the_template_marks_required_is_marked_too(app, new_round_for_codes, client):
    """The voter code field has no validator flag; the template's required=True is enough for both."""
    page = client.get(f"/rounds/{new_round_for_codes.id}/code").get_data(as_text=True)
    label, control = page.split('for="code"', 1)[1].split("</label>", 1)
    assert "(required)" in label and " required" in control.split(">", 1)[0]


@pytest.fixture
def new_round_for_codes(create_round):
    return create_round(state="proposals", name="Codes")


def test_re_marking_the_same_decision_keeps_one_history_entry(create_round, alice, council, create_proposal,
                                                               client_for, db):
    proposal = create_proposal(create_round(state="review"), alice)
    client = client_for(council)
    assert review(client, proposal, "feasible", "Parks agree.").status_code == 303
    again = review(client, proposal, "feasible", "Parks agree.")
    assert again.status_code == 303
    assert "nothing changed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert [c.to_status for c in fresh(db, proposal).status_changes] == ["submitted", "feasible"]
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert page.count("Feasible — Parks agree.") == 1

    assert review(client, proposal, "feasible", "Parks agree, and the budget office too.").status_code == 303
    assert [c.to_status for c in fresh(db, proposal).status_changes] == ["submitted", "feasible", "feasible"]


class TestAnImageOverTheLimit:
    @pytest.fixture
    def app_config(self):
        return {"MAX_CONTENT_LENGTH": 512 * 1024, "PROPOSAL_IMAGE_MAX_BYTES": 1024 * 1024,
                "PROPOSAL_FORM_MAX_CONTENT_LENGTH": 4 * 1024 * 1024}

    def test_re_shows_the_form_with_what_was_typed(self, round_, alice, client_for, db):
        client = client_for(alice)
        form = proposal_form(round_, title="Shade for the bus stop")
        form["image"] = (io.BytesIO(b"\xff" * (2 * 1024 * 1024)), "holiday.jpg")
        response = client.post_form(submit_url(round_), form, token_page=submit_url(round_),
                                    content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "The image is larger than 1 MB." in page
        assert 'value="Shade for the bus stop"' in page and "Watering for two years" in page
        assert db.session.query(Proposal).count() == 0

    def test_anonymous_senders_keep_the_site_limit(self, round_, client):
        response = client.post(submit_url(round_), data={"image": (io.BytesIO(b"\xff" * (600 * 1024)), "a.jpg")},
                               content_type="multipart/form-data")
        assert response.status_code == 413

    def test_other_forms_keep_the_site_limit(self, client):
        token = client.csrf_token("/sign-in")
        response = client.post("/sign-in", data={"csrf_token": token, "email": "x" * (600 * 1024), "password": "y"})
        assert response.status_code == 413


def test_a_single_revision_is_not_called_all_1_revision(round_, alice, create_proposal, client):
    proposal = create_proposal(round_, alice)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "All 1 revision" not in page and "The first and only revision" in page
