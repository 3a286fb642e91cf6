"""Residents read the published results; before publication only the council sees the preview and publishes."""

from __future__ import annotations

import csv
import io
import json

from pbvote.extensions import db
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import Round
from pbvote.voting.models import Ballot
from tests.audit.conftest import vote_close_publish


def _tallied(organisation, create_user):
    """A closed (tallied) round, its council, and a resident who voted."""
    from pbvote.database import write_transaction
    from pbvote.voting.operations import BallotContent, cast_ballot, close_voting
    from tests.web.voting.factories import make_voter, make_voting_round

    council = create_user(email="clerk@testville.example", roles=("council",))
    resident = create_user(email="rita@testville.example")
    world = make_voting_round(organisation, resident, kind="approval", amount=10_000_00)
    make_voter(world.round, resident, "North")
    projects = world.projects["Citywide"]
    cast_ballot(world.round.id, world.citywide.id, resident, BallotContent([projects[0].id, projects[1].id]))
    with write_transaction():
        close_voting(db.session.get(Round, world.round.id), council)
    return world, council, resident


def test_preview_is_the_councils_until_published_then_everyone_reads_it(client, auth, organisation, create_user, db):
    world, council, resident = _tallied(organisation, create_user)
    url = f"/rounds/{world.round.id}/results"
    assert client.get(url).status_code == 403  # anonymous
    auth.login(resident)
    assert client.get(url).status_code == 403
    assert client.get(f"/rounds/{world.round.id}/results.csv").status_code == 403
    assert client.get(f"/rounds/{world.round.id}/results/{world.citywide.id}/compare").status_code == 403
    auth.logout()

    auth.login(council)
    page = client.get(url).get_data(as_text=True)
    assert "Results (preview)" in page and "Publish the results" in page
    compare = client.get(f"/rounds/{world.round.id}/results/{world.citywide.id}/compare").get_data(as_text=True)
    assert "greedy (stored)" in compare and "mes" in compare and "Voters with at least one funded project" in compare
    response = client.post_form(f"{url}/publish", {"bundle_public": "y"}, token_page=url)
    assert response.status_code == 303
    db.session.expire_all()
    assert world.round.state == "published"
    published = [e for e in round_events(world.round.id) if e.kind == "results_published"]
    assert len(published) == 1 and published[0].payload["bundle_public"] is True
    assert verify_chain(world.round.id).ok
    auth.logout()

    auth.login(resident)
    page = client.get(url).get_data(as_text=True)
    assert "What your ballot achieved" in page
    assert "Citywide project 1" in page and "Funded:" in page
    assert 'role="img"' in page and "<desc" in page  # the chart's text alternative
    assert published[0].payload["public_key"] in page


def test_publishing_is_refused_to_residents(client, auth, organisation, create_user, db):
    world, _, resident = _tallied(organisation, create_user)
    auth.login(resident)
    url = f"/rounds/{world.round.id}/results/publish"
    assert client.post_form(url, {}, token_page="/").status_code == 403
    db.session.expire_all()
    assert world.round.state == "tallied"


def test_downloads_and_tracking_code_check(client, organisation, create_user, db):
    world, _ = vote_close_publish(organisation, create_user)
    base = f"/rounds/{world.round.id}"
    rows = list(csv.reader(io.StringIO(client.get(f"{base}/results.csv").get_data(as_text=True))))
    assert rows[0][:3] == ["budget", "project_id", "project"] and any(row[5] == "yes" for row in rows[1:])
    document = json.loads(client.get(f"{base}/results.json").get_data())
    citywide = next(b for b in document["budgets"] if b["budget_id"] == world.citywide.id)
    assert citywide["ballots"] == 12 and citywide["outcome"]["steps"]

    code = db.session.query(Ballot.tracking_code).filter_by(budget_id=world.citywide.id).first()[0]
    spaced = "-".join(code[i:i + 4] for i in range(0, len(code), 4)).lower()
    assert "Yes: a ballot with this tracking code" in client.get(f"{base}/tracking?code={spaced}").get_data(as_text=True)
    assert "No counted ballot" in client.get(f"{base}/tracking?code=AAAA").get_data(as_text=True)
    assert client.get(f"{base}/tracking.json?code={code}").get_json() == {
        "counted": True, "budget_id": world.citywide.id, "budget": "Citywide"}
    assert client.get(f"{base}/tracking.json?code=NOPE").get_json() == {"counted": False}


def test_csv_injection_payloads_are_neutralised(client, organisation, create_user, db):
    from pbvote.audit.bundle import build_bundle
    from tests.audit.conftest import unzip

    world, _ = vote_close_publish(organisation, create_user)
    payloads = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    for proposal, payload in zip(world.projects["Citywide"], payloads, strict=False):
        proposal.title = payload
    db.session.commit()
    files = [client.get(f"/rounds/{world.round.id}/results.csv").get_data(as_text=True)]
    bundle = unzip(build_bundle(db.session.get(Round, world.round.id)))
    files += [body.decode() for name, body in bundle.items() if name.endswith(".csv")]
    for text in files:
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, text[:200])
    assert any("'=HYPERLINK" in text for text in files)
