"""Once voting opens, the settings forms are not offered (issue 17, item 5): the page explains the freeze and
links to the round's page instead of showing fields that would only be refused; the site icon is served."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("state", ["voting", "published"])
def test_frozen_settings_pages_show_no_form(app, new_round, council, client_for, state):
    round_ = new_round(actor=council, state=state)
    budget = round_.budgets[0]
    client = client_for(council)
    for url in (f"/rounds/{round_.id}/edit", f"/rounds/{round_.id}/schedule",
                f"/rounds/{round_.id}/budgets/{budget.id}/edit", f"/rounds/{round_.id}/budgets/{budget.id}/ballot"):
        page = client.get(url).get_data(as_text=True)
        assert f"frozen in the {state} phase" in page, url
        assert ">Save " not in page and 'name="name"' not in page, url
        assert f'href="/rounds/{round_.id}">See them on the round' in page, url
    voters = client.get(f"/rounds/{round_.id}/voters").get_data(as_text=True)
    assert "no roll can be uploaded" in voters and "Make and download codes" not in voters


def test_settings_pages_before_voting_still_offer_the_form(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="proposals")
    page = client_for(council).get(f"/rounds/{round_.id}/schedule").get_data(as_text=True)
    assert "Save schedule" in page and "frozen" not in page


def test_the_favicon_is_served_as_an_image(client):
    with client.get("/favicon.ico") as response:  # a file response: close it
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO file signature
