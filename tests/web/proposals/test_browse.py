"""Residents browse a round's proposals: search, filters, sorting, pages; live search with htmx that is also a
plain GET form."""

from __future__ import annotations

import re

import pytest

from pbvote.proposals.models import Proposal


def titles(html: str) -> list[str]:
    return re.findall(r'class="proposal-card__title"><a href="/proposals/\d+">([^<]+)</a>', html)


@pytest.fixture
def park_round(create_round, alice, create_proposal, db):
    """A round with five proposals in two districts and two categories, of different costs and ages, and real
    comments (posted through deliberation, which keeps the count "most discussed" sorts by)."""
    from pbvote.deliberation.operations import post_comment

    round_ = create_round()
    specs = [
        ("Shade trees", "Trees on Market Square", "North", "Parks", 4_000_00, 3),
        ("Bike lanes", "Safe cycling to school", "South", "Streets", 20_000_00, 0),
        ("Park benches", "Benches for older residents", "North", "Parks", 2_000_00, 7),
        ("Night buses", "Buses after midnight — 100% needed", "South", "Streets", 30_000_00, 1),
        ("Fountain", "A drinking fountain in the park", "North", None, 6_000_00, 12),
    ]
    for title, summary, district, category, cost, comments in specs:
        proposal = create_proposal(round_, alice, title=title, summary=summary, district=district,
                                   category=category, items=(("All of it", cost),))
        for number in range(comments):
            post_comment(proposal, alice, "for", f"Comment {number}")
        db.session.commit()
    return round_


def test_the_list_shows_newest_first_by_default(park_round, client):
    page = client.get(f"/rounds/{park_round.id}/proposals")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert titles(html) == ["Fountain", "Night buses", "Park benches", "Bike lanes", "Shade trees"]
    assert "5 proposals" in html
    assert "HX-Request" in page.vary


def test_search_matches_words_in_any_order_and_case(park_round, client):
    url = f"/rounds/{park_round.id}/proposals"
    assert titles(client.get(url, query_string={"q": "PARK"}).get_data(as_text=True)) == ["Fountain", "Park benches"]
    assert titles(client.get(url, query_string={"q": "square trees"}).get_data(as_text=True)) == ["Shade trees"]
    # LIKE wildcards typed by a resident are plain characters.
    assert titles(client.get(url, query_string={"q": "100%"}).get_data(as_text=True)) == ["Night buses"]
    assert titles(client.get(url, query_string={"q": "%"}).get_data(as_text=True)) == ["Night buses"]
    assert titles(client.get(url, query_string={"q": "_"}).get_data(as_text=True)) == []


def test_filters_combine(park_round, client):
    url = f"/rounds/{park_round.id}/proposals"
    north, _south = park_round.districts
    parks, streets = park_round.categories
    html = client.get(url, query_string={"district": north.id}).get_data(as_text=True)
    assert titles(html) == ["Fountain", "Park benches", "Shade trees"]
    html = client.get(url, query_string={"district": north.id, "category": parks.id, "q": "bench"}).get_data(as_text=True)
    assert titles(html) == ["Park benches"]
    assert titles(client.get(url, query_string={"category": streets.id, "status": "feasible"}).get_data(as_text=True)) == []


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("cost_low", ["Park benches", "Shade trees", "Fountain", "Bike lanes", "Night buses"]),
        ("cost_high", ["Night buses", "Bike lanes", "Fountain", "Shade trees", "Park benches"]),
        ("discussed", ["Fountain", "Park benches", "Shade trees", "Night buses", "Bike lanes"]),
        ("oldest", ["Shade trees", "Bike lanes", "Park benches", "Night buses", "Fountain"]),
    ],
)
def test_sorting(park_round, client, sort, expected):
    html = client.get(f"/rounds/{park_round.id}/proposals", query_string={"sort": sort}).get_data(as_text=True)
    assert titles(html) == expected


def test_pages_of_twenty_keep_the_search(create_round, alice, create_proposal, client, db):
    round_ = create_round()
    for number in range(45):
        create_proposal(round_, alice, title=f"Idea {number:02d}", commit=False)
    db.session.commit()
    url = f"/rounds/{round_.id}/proposals"
    first = client.get(url, query_string={"q": "idea", "sort": "oldest"}).get_data(as_text=True)
    assert len(titles(first)) == 20 and titles(first)[0] == "Idea 00"
    assert "page 1 of 3" in first
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "q=idea" in next_link and "sort=oldest" in next_link and "page=2" in next_link
    last = client.get(next_link.replace("page=2", "page=3")).get_data(as_text=True)
    assert titles(last) == [f"Idea {n}" for n in range(40, 45)]
    # A page past the end shows the last page instead of an empty one.
    assert titles(client.get(url, query_string={"q": "idea", "sort": "oldest", "page": 99}).get_data(as_text=True))[-1] == "Idea 44"


def test_htmx_gets_only_the_results_and_a_plain_get_the_whole_page(park_round, client):
    url = f"/rounds/{park_round.id}/proposals"
    full = client.get(url, query_string={"q": "bike"}).get_data(as_text=True)
    assert "<html" in full and 'hx-get="' in full and 'hx-push-url="true"' in full
    assert 'hx-trigger="input changed delay:300ms, search' in full
    assert 'method="get"' in full and '<button type="submit"' in full

    partial = client.get(url, query_string={"q": "bike"}, headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and "<form" not in body
    assert titles(body) == ["Bike lanes"]
    assert "HX-Request" in partial.vary

    # A boosted navigation or a history restore needs the whole page.
    for headers in ({"HX-Request": "true", "HX-Boosted": "true"},
                    {"HX-Request": "true", "HX-History-Restore-Request": "true"}):
        assert "<html" in client.get(url, headers=headers).get_data(as_text=True)


def test_garbage_in_the_query_string_falls_back_to_defaults(park_round, client):
    url = f"/rounds/{park_round.id}/proposals"
    for query in ({"district": "-1"}, {"page": "9" * 30}, {"sort": "DROP TABLE"}, {"status": "everything"},
                  {"q": "x" * 5000}, {"category": "1e309"}):
        response = client.get(url, query_string=query)
        assert response.status_code == 200, query
    assert client.get(url, query_string={"q": "\x00x"}).status_code == 400  # refused at the door, see security.py


def test_the_proposal_page_shows_the_status_history(create_round, alice, council, create_proposal, client_for, db):
    round_ = create_round(state="review")
    proposal = create_proposal(round_, alice, title="Water fountain")
    client = client_for(council)
    url = f"/proposals/{proposal.id}/review"
    client.post_form(url, {"review-decision": "not_feasible", "review-reason": "No water main."}, token_page=url)
    client.post_form(url, {"review-decision": "feasible", "review-reason": "A water main exists after all."}, token_page=url)
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    history = html[html.index("Status history"):]
    assert history.index("Submitted") < history.index("Not feasible — No water main.") < history.index(
        "Feasible — A water main exists after all."
    )
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status_reason == "A water main exists after all."
