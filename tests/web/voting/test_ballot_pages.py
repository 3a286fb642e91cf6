"""A voter builds a ballot without JavaScript (every button a plain form), reviews, submits, gets a receipt
once, changes the ballot, and only the last one counts."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pbvote.voting.models import Ballot, BallotDraft

CODE = re.compile(r"\b[3-9A-Y]{4}(?:-[3-9A-Y]{4}){4}\b")


def ballot_url(world, budget) -> str:
    return f"/rounds/{world.round.id}/vote/{budget.id}"


def press(client, url: str, action: str):
    """Click one of the editor's buttons (a POST of the editor form)."""
    return client.post_form(url, {"action": action}, token_page=url)


def cast_reviewed(client, url: str):
    review = client.get(url + "/review").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', review)
    assert version, review
    return client.post_form(url + "/cast", {"version": version.group(1) or version.group(2)}, token_page=url + "/review")


def current_ballots(db, budget) -> list[Ballot]:
    db.session.rollback()
    return list(db.session.scalars(select(Ballot).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))))


def test_rank_review_submit_receipt_then_change(client, auth, ranked, voter_user, db, mail_outbox):
    auth.login(voter_user)
    url = ballot_url(ranked, ranked.citywide)
    a, b, c, _ = ranked.projects["Citywide"]
    for project in (a, b, c):
        response = press(client, url, f"add:{project.id}")
        assert response.status_code == 303
        assert response.location.endswith(f"#project-{project.id}")
    assert press(client, url, f"up:{c.id}").status_code == 303  # a, c, b
    assert press(client, url, f"remove:{a.id}").status_code == 303  # c, b

    page = client.get(url).get_data(as_text=True)
    assert page.index(c.title) < page.index(b.title) < page.index("Projects on the ballot")
    assert "2 ranked of at most 3" in page

    # The draft survives a reload and a new session (it is in the database).
    auth.logout()
    auth.login(voter_user)
    response = cast_reviewed(client, url)
    assert response.status_code == 303 and response.location.endswith("/receipt")
    receipt_page = client.get(response.location).get_data(as_text=True)
    code = CODE.search(receipt_page).group(0)
    [ballot] = current_ballots(db, ranked.citywide)
    assert ballot.choices == [c.id, b.id]
    assert ballot.tracking_code == code.replace("-", "")
    assert code in mail_outbox[-1].get_content() and mail_outbox[-1]["To"] == voter_user.email
    # Shown once: the receipt page no longer carries the code.
    assert CODE.search(client.get(response.location).get_data(as_text=True)) is None
    assert db.session.scalar(select(func.count()).select_from(BallotDraft)) == 0

    # Change it: the editor starts from the current ballot; the old ballot is kept as superseded.
    assert press(client, url, f"add:{a.id}").status_code == 303
    assert cast_reviewed(client, url).status_code == 303
    [current] = current_ballots(db, ranked.citywide)
    assert current.choices == [c.id, b.id, a.id]
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2
    assert db.session.get(Ballot, ballot.id).superseded_at is not None


def test_htmx_press_returns_the_editor_partial(client, auth, ranked, voter_user):
    auth.login(voter_user)
    url = ballot_url(ranked, ranked.citywide)
    project = ranked.projects["Citywide"][0]
    token = client.csrf_token(url)
    response = client.post(url, data={"action": f"add:{project.id}", "csrf_token": token},
                           headers={"HX-Request": "true", "HX-Target": "ballot-editor"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ballot-editor"') and "<html" not in html
    assert 'hx-history="false"' in html
    assert response.headers["Cache-Control"] == "no-store"


def test_search_and_category_filter_the_projects(client, auth, ranked, voter_user):
    auth.login(voter_user)
    url = ballot_url(ranked, ranked.citywide)
    page = client.get(url + "?q=project+2").get_data(as_text=True)
    assert "Citywide project 2" in page and "Citywide project 3" not in page


def test_points_ballot(client, auth, voting, voter_user, db):
    from .factories import make_voter

    world = voting(kind="points")
    make_voter(world.round, voter_user, "South")
    auth.login(voter_user)
    url = ballot_url(world, world.south)
    a, b = world.projects["South budget"][:2]
    press(client, url, f"add:{a.id}")
    press(client, url, f"add:{b.id}")
    response = client.post_form(url, {"action": "points:all", f"points-{a.id}": "6", f"points-{b.id}": "4"},
                                token_page=url)
    assert response.status_code == 422
    assert "at most 5" in response.get_data(as_text=True)
    client.post_form(url, {"action": "points:all", f"points-{a.id}": "5", f"points-{b.id}": "4"}, token_page=url)
    assert cast_reviewed(client, url).status_code == 303
    [ballot] = current_ballots(db, world.south)
    assert sorted(zip(ballot.choices, ballot.points)) == sorted([(a.id, 5), (b.id, 4)])


def test_knapsack_ballot_keeps_a_running_total(client, auth, voting, voter_user):
    from .factories import make_voter

    world = voting(kind="knapsack", amount=10_000_00)  # €10,000; each project costs €5,000
    make_voter(world.round, voter_user, "North")
    auth.login(voter_user)
    url = ballot_url(world, world.north)
    a, b, c = world.projects["North budget"][:3]
    press(client, url, f"add:{a.id}")
    press(client, url, f"add:{b.id}")
    assert "€0.00 left" in client.get(url).get_data(as_text=True)
    response = press(client, url, f"add:{c.id}")
    assert response.status_code == 422
    assert "more than the budget of €10,000.00" in response.get_data(as_text=True)


def test_each_project_carries_its_for_and_against_summary(client, auth, ranked, voter_user, create_user, db):
    from pbvote.deliberation.operations import post_comment

    project = ranked.projects["Citywide"][0]
    neighbour = create_user(email="nora@example.org")
    post_comment(project, neighbour, "for", "Shade for the **whole** street.")
    post_comment(project, voter_user, "against", "Too dear for what it does.")
    db.session.commit()
    auth.login(voter_user)
    page = client.get(ballot_url(ranked, ranked.citywide)).get_data(as_text=True)
    item = page[page.index(f'id="project-{project.id}"'):]
    item = item[: item.index("ballot-item__actions")]
    assert "Discussion: 1 for · 1 against · 0 questions" in item
    assert "Shade for the whole street." in item and "Too dear for what it does." in item
