"""The delivery pages and progress notifications in Welsh and Polish (issue 14, the i18n-proposals part).

These need the compiled catalogues with the accountability translations (``make catalogues`` after the parts
are merged into pbvote/translations)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pbvote.deliberation.models import Notification
from pbvote.deliberation.operations import toggle_follow
from tests.web.accountability.factories import make_update


def test_the_delivery_page_is_in_welsh(client, delivered):
    page = client.get(f"/rounds/{delivered.round.id}/delivery", headers={"Accept-Language": "cy"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="cy"' in html
    assert "<h1>Cyflawni'r prosiectau a ariennir</h1>" in html
    assert "Dim diweddariad eto" in html  # no project has an update yet
    assert "Gwariant o'i gymharu â'r gost" in html  # the chart
    assert "Yr arian a wariwyd hyd yma ar bob un o&#39;r" in html  # the chart's summary for screen readers


def test_the_timeline_is_in_polish_with_polish_dates(client, delivered):
    project = delivered.funded[0]
    make_update(project, delivered.council, status="in_progress", text="Works started.", spent=0,
                reported_on=date(2026, 11, 2))
    html = client.get(f"/proposals/{project.id}", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert '<html lang="pl"' in html
    assert "Postęp realizacji" in html and "Obecny status:" in html and ">W realizacji</strong>" in html
    assert "2 listopada 2026" in html


def test_followers_are_notified_in_their_own_language(delivered, create_user, db):
    project = delivered.funded[0]
    reader = create_user(email="czytelnik@testville.example", language="pl")
    toggle_follow(project, reader)
    db.session.commit()
    make_update(project, delivered.council, status="in_progress", text="Works started.", spent=0,
                reported_on=date(2026, 11, 2))
    texts = db.session.scalars(select(Notification.text).where(Notification.user_id == reader.id)).all()
    assert texts == [f"Postęp projektu „{project.title}”: w realizacji (aktualizacja z 2 listopada 2026)."]
