"""The council posts and corrects progress updates on funded projects; residents read them on the project page and
the delivery page; every update is in the round's hash-chained log; followers and authors are notified."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy.exc import IntegrityError

from pbvote.accountability.models import ProgressUpdate
from pbvote.accountability.operations import UPDATE_EDITED, UPDATE_POSTED
from pbvote.deliberation.models import Notification
from pbvote.deliberation.notifications import send_digests, set_daily_digest
from pbvote.rounds.events import round_events, verify_chain
from tests.web.accountability.conftest import form_data, new_url
from tests.web.accountability.factories import make_update


def _with_exif_png() -> bytes:
    image = Image.new("RGB", (64, 48), "blue")
    exif = Image.Exif()
    exif[0x010E] = "secret GPS-ish description"
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def test_council_posts_an_update_residents_read_it_everywhere(client, auth, delivered, create_user, db):
    project = delivered.funded[0]
    auth.login(delivered.council)
    upload = _with_exif_png()
    form = form_data(image=(io.BytesIO(upload), "site.png"))
    response = client.post_form(new_url(project), form, token_page=new_url(project),
                                content_type="multipart/form-data")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/proposals/{project.id}#progress-update-"
                                                 f"{db.session.query(ProgressUpdate).one().id}")
    update = db.session.query(ProgressUpdate).one()
    assert (update.status, update.spent, update.reported_on.isoformat()) == ("in_progress", 125050, "2026-11-02")
    assert update.author_id == delivered.council.id and update.round_id == delivered.round.id

    events = [e for e in round_events(delivered.round.id) if e.kind == UPDATE_POSTED]
    assert len(events) == 1
    assert events[0].payload["spent"] == 125050 and events[0].payload["currency"] == "EUR"
    assert events[0].payload["proposal_id"] == project.id and events[0].payload["photo"] is True
    assert verify_chain(delivered.round.id).ok
    auth.logout()

    resident = create_user(email="reader@testville.example")
    auth.login(resident)
    page = client.get(f"/proposals/{project.id}").get_data(as_text=True)
    assert "Delivery progress" in page
    assert 'class="delivery-status delivery-status--in_progress">In progress</strong>' in page  # current status
    assert "<strong>Monday</strong>" in page  # Markdown rendered
    assert "€1,250.50" in page and "Post a progress update" not in page
    photo = client.get(f"/progress/{update.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert photo.data != upload  # re-encoded ...
    with Image.open(io.BytesIO(photo.data)) as stored:
        assert not stored.getexif()  # ... without the EXIF data

    delivery = client.get(f"/rounds/{delivered.round.id}/delivery").get_data(as_text=True)
    assert project.title in delivery and "In progress" in delivery and "€1,250.50" in delivery
    assert 'role="img"' in delivery and "<desc" in delivery and "<table" in delivery
    assert "In progress: 1" in delivery
    if len(delivered.funded) > 1:
        assert f"No update yet: {len(delivered.funded) - 1}" in delivery
    round_page = client.get(f"/rounds/{delivered.round.id}").get_data(as_text=True)
    assert f'href="/rounds/{delivered.round.id}/delivery"' in round_page


def test_timeline_is_newest_first_and_current_status_is_the_newest(client, delivered, db):
    project = delivered.funded[0]
    make_update(project, delivered.council, status="planned", text="Contract signed.", spent=0,
                reported_on=date(2026, 9, 1))
    make_update(project, delivered.council, status="delivered", text="Opened to the public.", spent=4_000_00,
                reported_on=date(2026, 11, 20))
    make_update(project, delivered.council, status="in_progress", text="Halfway there.", spent=2_000_00,
                reported_on=date(2026, 10, 10))
    page = client.get(f"/proposals/{project.id}").get_data(as_text=True)
    assert page.index("Opened to the public.") < page.index("Halfway there.") < page.index("Contract signed.")
    assert "Current status: <strong class=\"delivery-status delivery-status--delivered\">Delivered</strong>" in page


def test_spending_over_cost_is_stored_with_a_visible_warning(client, auth, delivered, db):
    project = delivered.funded[0]
    over = project.total_cost + 1_000_00
    auth.login(delivered.council)
    response = client.post_form(new_url(project), form_data(spent=f"{over // 100}.00"), token_page=new_url(project),
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "more than the project&#39;s cost" in page or "more than the project's cost" in page
    assert "Warning:" in page
    delivery = client.get(f"/rounds/{delivered.round.id}/delivery").get_data(as_text=True)
    assert "over cost" in delivery


def test_cancelled_update_shows_its_reason(client, delivered, db):
    project = delivered.funded[0]
    make_update(project, delivered.council, status="cancelled", reason="The site was sold.", spent=0)
    page = client.get(f"/proposals/{project.id}").get_data(as_text=True)
    assert "Cancelled" in page and "The site was sold." in page
    delivery = client.get(f"/rounds/{delivered.round.id}/delivery").get_data(as_text=True)
    assert "The site was sold." in delivery


def test_followers_and_authors_are_notified_and_the_digest_mails_it(client, auth, delivered, create_user, db,
                                                                     mail_outbox):
    project = delivered.funded[0]
    follower = create_user(email="follower@testville.example")
    bystander = create_user(email="bystander@testville.example")
    auth.login(follower)
    page = f"/proposals/{project.id}"
    assert client.post_form(f"/proposals/{project.id}/follow", {}, token_page=page).status_code == 303
    auth.logout()

    update = make_update(project, delivered.council, status="in_progress")
    notified = {n.user_id: n for n in db.session.query(Notification).filter_by(kind="project_update")}
    assert set(notified) == {follower.id, project.author_id}  # never the council member, nor a bystander
    assert bystander.id not in notified and delivered.council.id not in notified
    assert notified[follower.id].url == f"/proposals/{project.id}#progress-update-{update.id}"
    assert project.title in notified[follower.id].text

    set_daily_digest(follower.id, True)
    db.session.commit()
    report = send_digests()
    assert report.sent == 1
    body = mail_outbox[-1].get_payload(decode=True).decode()
    assert mail_outbox[-1]["To"] == follower.email
    assert f"Progress on “{project.title}”: in progress" in body
    assert f"#progress-update-{update.id}" in body


def test_council_corrects_an_update_and_the_log_keeps_the_change(client, auth, delivered, db):
    project = delivered.funded[0]
    update = make_update(project, delivered.council, photo=True, spent=1_000_00)
    old_photo = update.image_filename
    url = f"/progress/{update.id}/edit"
    auth.login(delivered.council)
    form = client.get(url).get_data(as_text=True)
    assert 'value="1000.00"' in form and "Works **started**." in form

    same = form_data(reported_on="2026-11-01", text="Works **started**.", spent="1000.00")
    assert client.post_form(url, same, token_page=url).status_code == 303
    assert not [e for e in round_events(delivered.round.id) if e.kind == UPDATE_EDITED]  # nothing changed

    changed = form_data(reported_on="2026-11-01", text="Works **started**.", spent="1500.00", remove_image="y")
    assert client.post_form(url, changed, token_page=url).status_code == 303
    db.session.expire_all()
    update = db.session.get(ProgressUpdate, update.id)
    assert update.spent == 1_500_00 and update.image_filename is None and update.edited_at is not None
    edits = [e for e in round_events(delivered.round.id) if e.kind == UPDATE_EDITED]
    assert len(edits) == 1
    assert edits[0].payload["changes"]["spent"] == {"from": 1_000_00, "to": 1_500_00}
    assert edits[0].payload["photo_replaced"] is True and edits[0].payload["currency"] == "EUR"
    assert verify_chain(delivered.round.id).ok
    from pbvote.proposals import images
    assert not (images.upload_folder() / old_photo).exists()
    assert client.get(f"/progress/{update.id}/photo").status_code == 404


def test_update_text_is_sanitised(client, delivered, db):
    project = delivered.funded[0]
    make_update(project, delivered.council, text="<script>alert(1)</script> [x](javascript:alert(2)) ![i](x.png)")
    page = client.get(f"/proposals/{project.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and 'href="javascript' not in page and "<img src=\"x.png" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_photo_is_served_only_for_a_stored_image(client, delivered, db):
    update = make_update(delivered.funded[0], delivered.council)
    assert client.get(f"/progress/{update.id}/photo").status_code == 404
    assert client.get("/progress/2147483647/photo").status_code == 404


def test_the_notification_kinds_constraint_still_refuses_unknown_kinds(delivered, db):
    """The migration rebuilt the notification kinds check with project_update added, not dropped it."""
    db.session.add(Notification(user_id=delivered.council.id, kind="bogus", text="x", url="/"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
