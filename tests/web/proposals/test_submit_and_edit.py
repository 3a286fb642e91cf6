"""Residents submit proposals with cost lines, edit them (every edit kept as a revision) and withdraw them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from pbvote.proposals.models import Proposal, ProposalRevision, StatusChange

from .factories import png_bytes


def proposal_form(round_, **overrides) -> dict:
    """A filled-in submission form for ``round_`` (district North, two cost lines)."""
    data = {
        "title": "Shade trees on Market Square",
        "summary": "Plant twelve trees so the square is usable in summer.",
        "description": "## Why\n\nIt is **hot**. <script>alert(1)</script> [x](javascript:alert(1))",
        "cost_items-0-description": "Trees and planting",
        "cost_items-0-amount": "12,000.50",
        "cost_items-1-description": "Watering for two years",
        "cost_items-1-amount": "3000",
        "cost_items-2-description": "",
        "cost_items-2-amount": "",
        "district_id": str(round_.districts[0].id),
        "category_id": str(round_.categories[0].id),
        "location": "Market Square",
    }
    data.update(overrides)
    return data


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def submit_url(round_) -> str:
    return f"/rounds/{round_.id}/proposals/new"


def test_a_resident_submits_a_proposal_whose_total_is_the_sum_of_its_lines(round_, alice, client_for, db):
    client = client_for(alice)
    response = client.post_form(submit_url(round_), proposal_form(round_), token_page=submit_url(round_))

    assert response.status_code == 303
    proposal = db.session.scalars(select(Proposal)).one()
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert proposal.author_id == alice.id
    assert [(i.description, i.amount) for i in proposal.cost_items] == [
        ("Trees and planting", 1_200_050), ("Watering for two years", 300_000)
    ]
    assert proposal.total_cost == 1_500_050
    assert proposal.status == "submitted"
    assert [c.to_status for c in proposal.status_changes] == ["submitted"]
    assert [r.kind for r in proposal.revisions] == ["submitted"]

    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Shade trees on Market Square" in page
    assert "€15,000.50" in page
    assert "<h2>Why</h2>" in page and "<strong>hot</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "href=\"javascript" not in page


def test_the_cost_must_fit_the_budget_limits_and_nothing_is_saved_otherwise(round_, alice, client_for, db):
    client = client_for(alice)
    too_cheap = proposal_form(round_, **{"cost_items-0-amount": "10", "cost_items-1-amount": "5"})
    response = client.post_form(submit_url(round_), too_cheap, token_page=submit_url(round_))
    assert response.status_code == 200
    assert "below the minimum of €1,000.00" in response.get_data(as_text=True)

    too_dear = proposal_form(round_, **{"cost_items-0-amount": "60000"})
    response = client.post_form(submit_url(round_), too_dear, token_page=submit_url(round_))
    assert "above the maximum of €50,000.00" in response.get_data(as_text=True)
    assert count(db, Proposal) == 0


def test_bad_cost_lines_are_reported_on_the_line(round_, alice, client_for, db):
    client = client_for(alice)
    form = proposal_form(round_, **{"cost_items-0-amount": "-5", "cost_items-1-description": "", "cost_items-1-amount": "12"})
    page = client.post_form(submit_url(round_), form, token_page=submit_url(round_)).get_data(as_text=True)
    assert "Amounts cannot be negative." in page
    assert "Describe this cost." in page
    assert 'aria-invalid="true"' in page
    no_lines = proposal_form(round_, **{f"cost_items-{i}-{f}": "" for i in range(3) for f in ("description", "amount")})
    page = client.post_form(submit_url(round_), no_lines, token_page=submit_url(round_)).get_data(as_text=True)
    assert "List at least one cost item." in page
    assert count(db, Proposal) == 0


def test_a_district_of_another_round_is_refused(round_, create_round, alice, client_for, db):
    other = create_round()
    client = client_for(alice)
    form = proposal_form(round_, district_id=str(other.districts[0].id))
    page = client.post_form(submit_url(round_), form, token_page=submit_url(round_)).get_data(as_text=True)
    assert "Not a valid choice" in page or "Choose one of the round" in page
    assert count(db, Proposal) == 0


def test_submissions_are_refused_outside_the_proposals_phase(create_round, alice, client_for, db):
    for state in ("review", "voting", "published"):
        closed = create_round(state=state)
        client = client_for(alice)
        page = client.get(submit_url(closed)).get_data(as_text=True)
        assert "cannot be submitted now" in page
        response = client.post_form(submit_url(closed), proposal_form(closed), token_page=submit_url(closed))
        assert response.status_code == 200
        assert f"while the round is in the {state} phase" in response.get_data(as_text=True)
    assert count(db, Proposal) == 0


def test_an_image_is_stored_reencoded_under_a_random_name_and_served(round_, alice, client_for, db, app):
    client = client_for(alice)
    form = proposal_form(round_)
    form["image"] = (io.BytesIO(png_bytes((64, 48))), "../../etc/passwd.png")
    response = client.post_form(submit_url(round_), form, token_page=submit_url(round_), content_type="multipart/form-data")
    assert response.status_code == 303
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.image_filename.endswith(".png") and "passwd" not in proposal.image_filename
    image = client.get(f"/proposals/{proposal.id}/image")
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")


def test_a_file_that_is_not_an_image_is_refused_with_a_message(round_, alice, client_for, db):
    client = client_for(alice)
    form = proposal_form(round_)
    form["image"] = (io.BytesIO(b"<svg onload='alert(1)'/>"), "cute.png")
    response = client.post_form(submit_url(round_), form, token_page=submit_url(round_), content_type="multipart/form-data")
    assert response.status_code == 200
    assert "not an image we can read" in response.get_data(as_text=True)
    assert count(db, Proposal) == 0


def test_the_database_refuses_a_negative_total(round_, alice, db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.session.add(Proposal(round_id=round_.id, author_id=alice.id, title="x", summary="y", total_cost=-1,
                            status="submitted", search_text="", description="", location=""))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_author_edits_and_every_edit_is_a_revision(round_, alice, create_proposal, client_for, db):
    proposal = create_proposal(round_, alice, title="Benches")
    client = client_for(alice)
    edit = f"/proposals/{proposal.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Benches"' in page and 'value="2000.00"' in page

    form = proposal_form(round_, title="More benches")
    response = client.post_form(edit, form, token_page=edit)
    assert response.status_code == 303

    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.title == "More benches"
    assert proposal.total_cost == 1_500_050
    latest = proposal.revisions[-1]
    assert latest.kind == "edited" and latest.number == 2 and latest.editor_id == alice.id
    assert latest.changes["title"] == ["Benches", "More benches"]
    assert latest.changes["total_cost"] == [500_000, 1_500_050]
    history = client.get(f"/proposals/{proposal.id}/revisions").get_data(as_text=True)
    assert "Edited by Alice" in history and "More benches" in history

    # Saving the same thing again records nothing new.
    client.post_form(edit, form, token_page=edit)
    assert count(db, ProposalRevision) == 2


def test_edits_stop_when_the_proposals_phase_ends(round_, alice, create_proposal, client_for, db):
    proposal = create_proposal(round_, alice, title="Benches")
    round_.state = "review"
    db.session.commit()
    client = client_for(alice)
    edit = f"/proposals/{proposal.id}/edit"
    assert client.get(edit).status_code == 303
    response = client.post_form(edit, proposal_form(round_, title="Sneaky"), token_page=f"/proposals/{proposal.id}")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Benches"


def test_an_author_withdraws_and_the_history_shows_it(round_, alice, create_proposal, client_for, db):
    proposal = create_proposal(round_, alice)
    client = client_for(alice)
    url = f"/proposals/{proposal.id}/withdraw"
    assert "cannot be undone" in client.get(url).get_data(as_text=True)
    response = client.post_form(url, {"reason": "We found another sponsor."}, token_page=url)
    assert response.status_code == 303
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == "withdrawn"
    assert [(c.from_status, c.to_status) for c in proposal.status_changes][-1] == ("submitted", "withdrawn")
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "We found another sponsor." in page
    # Withdrawing twice changes nothing.
    client.post_form(url, {}, token_page=f"/proposals/{proposal.id}")
    assert count(db, StatusChange) == 2


def test_edits_stop_on_time_when_the_scheduled_phase_ends_without_anyone_clicking(round_, alice, create_proposal, client_for, db):
    from datetime import UTC, datetime, timedelta

    from pbvote.rounds.models import Phase, Round

    proposal = create_proposal(round_, alice, title="Benches")
    now = datetime.now(UTC)
    round_.phases.append(Phase(state="proposals", starts_at=now - timedelta(days=7), ends_at=now - timedelta(minutes=1)))
    db.session.commit()
    client = client_for(alice)
    response = client.post_form(f"/proposals/{proposal.id}/edit", proposal_form(round_, title="Too late"),
                                token_page="/")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == "review"
    assert db.session.get(Proposal, proposal.id).title == "Benches"


def test_a_replaced_or_removed_image_is_really_gone(round_, alice, create_proposal, client_for, db, app):
    from pbvote.proposals import images

    proposal = create_proposal(round_, alice, with_image=True)
    first_file = images.upload_folder() / proposal.image_filename
    assert first_file.is_file()
    client = client_for(alice)
    edit = f"/proposals/{proposal.id}/edit"

    assert client.post_form(edit, proposal_form(round_), token_page=edit).status_code == 303
    form = proposal_form(round_)  # the same text: only the picture changes
    form["image"] = (io.BytesIO(png_bytes((20, 20), "red")), "new.png")
    assert client.post_form(edit, form, token_page=edit, content_type="multipart/form-data").status_code == 303
    db.session.expire_all()
    second_name = db.session.get(Proposal, proposal.id).image_filename
    assert second_name and not first_file.exists()
    assert db.session.get(Proposal, proposal.id).revisions[-1].changes == {"image": [first_file.name, second_name]}

    form = proposal_form(round_, remove_image="y")
    assert client.post_form(edit, form, token_page=edit).status_code == 303
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.image_filename is None
    assert not (images.upload_folder() / second_name).exists()
    assert proposal.revisions[-1].changes == {"image": [second_name, None]}
    assert client.get(f"/proposals/{proposal.id}/image").status_code == 404
