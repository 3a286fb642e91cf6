"""Council staff enter paper ballots twice, by two different people; agreeing entries count once, disagreeing ones
wait for a third entry or a discard; impossible ballots are refused at entry; the round's paper policy keeps a
voter to one channel; everything is logged without saying who voted how."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import func, select

from pbvote.paper.models import PaperBallot, PaperEntry, PaperStatus
from pbvote.rounds.events import round_events, verify_chain
from pbvote.rounds.models import PaperPolicy, Round, RoundVoter, VoterCode
from pbvote.voting.models import Ballot
from pbvote.voting.operations import BallotContent, cast_ballot, count_current
from tests.web.voting.factories import make_voter

from .factories import add_voter_code


def entry_url(world, budget) -> str:
    return f"/rounds/{world.round.id}/paper/enter/{budget.id}"


def enter(client, world, budget, identifier: str, ranked: list) -> object:
    """Submit the entry form as a staff member types it: the voter, then rank 1, 2, … for ``ranked``."""
    url = entry_url(world, budget)
    data = {"identifier": identifier, **{f"project-{p.id}": str(rank) for rank, p in enumerate(ranked, start=1)}}
    return client.post_form(url, data, token_page=url)


def text_of(response) -> str:
    """The page's text with HTML escapes undone (apostrophes arrive as &#39;)."""
    return html.unescape(response.get_data(as_text=True))


def paper_rows(db):
    db.session.rollback()
    return list(db.session.scalars(select(PaperBallot).order_by(PaperBallot.id)))


def counted(db, budget) -> list[Ballot]:
    db.session.rollback()
    return list(db.session.scalars(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.superseded_at.is_(None))))


def stored_counts(db) -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (PaperBallot, PaperEntry, Ballot))


def log_after(db, round_id: int, start: int):
    db.session.rollback()
    return [event for event in round_events(round_id) if event.sequence > start]


def last_sequence(db, round_id: int) -> int:
    db.session.rollback()
    events = round_events(round_id)
    return events[-1].sequence if events else 0


# --------------------------------------------------------------------------------------------------------------
# Double entry
# --------------------------------------------------------------------------------------------------------------


def test_two_agreeing_entries_by_different_staff_count_once_and_are_logged(client_for, clerks, paper_round, db):
    first, second = client_for(clerks[0]), client_for(clerks[1])
    a, b, c, _ = paper_round.projects["Citywide"]
    start = last_sequence(db, paper_round.round.id)

    response = enter(first, paper_round, paper_round.citywide, "NL-0001", [b, a, c])
    assert response.status_code == 303
    page = first.get(response.location).get_data(as_text=True)
    [paper] = paper_rows(db)
    assert f"Paper ballot {paper.number} is recorded (first entry)" in page
    assert paper.status == PaperStatus.AWAITING_SECOND.value
    assert counted(db, paper_round.citywide) == []  # one entry never counts

    response = enter(second, paper_round, paper_round.citywide, "  NL-0001 ", [b, a, c])  # spaces as typed
    assert response.status_code == 303
    assert "counts: both entries agree" in second.get(response.location).get_data(as_text=True)
    [paper] = paper_rows(db)
    assert paper.status == PaperStatus.COUNTED.value
    [ballot] = counted(db, paper_round.citywide)
    assert ballot.channel == "paper" and ballot.choices == [b.id, a.id, c.id] and ballot.id == paper.ballot_id
    voter = db.session.get(RoundVoter, ballot.voter_id)
    assert voter.user_id is None and voter.roll_entry.identifier == "NL-0001"
    assert count_current(paper_round.citywide) == 1

    events = log_after(db, paper_round.round.id, start)
    assert [event.kind for event in events] == ["paper_entry_recorded", "paper_entry_recorded", "paper_ballot_counted"]
    entry_ids = [e.id for e in paper.entries]
    assert events[2].payload == {"paper_ballot_id": paper.id, "budget_id": paper_round.citywide.id,
                                 "entries": entry_ids, "paper_ballots_counted": 1}
    assert [event.actor_label for event in events] == [clerks[0].email, clerks[1].email, clerks[1].email]
    # Secrecy: nothing in the log names the voter or what they chose.
    logged = json.dumps([event.payload for event in events])
    assert "NL-0001" not in logged and "choices" not in logged
    assert not any({"voter_id", "ballot_id", "roll_entry_id"} & event.payload.keys() for event in events)
    assert verify_chain(paper_round.round.id).ok


def test_the_same_staff_member_cannot_enter_a_paper_ballot_twice(client_for, clerks, paper_round, db):
    clerk = client_for(clerks[0])
    a, b, *_ = paper_round.projects["Citywide"]
    assert enter(clerk, paper_round, paper_round.citywide, "NL-0001", [a, b]).status_code == 303
    before = stored_counts(db)

    response = enter(clerk, paper_round, paper_round.citywide, "NL-0001", [a, b])
    assert response.status_code == 422
    assert "You have already entered paper ballot P-" in response.get_data(as_text=True)
    assert "a different staff member must enter it" in response.get_data(as_text=True)
    assert stored_counts(db) == before
    assert counted(db, paper_round.citywide) == []


def test_the_database_refuses_a_second_entry_by_the_same_person(clerks, paper_round, db):
    """The unique constraint holds even if the operation's check were skipped."""
    from sqlalchemy.exc import IntegrityError

    paper = PaperBallot(round_id=paper_round.round.id, budget_id=paper_round.citywide.id,
                        roll_entry_id=_roll_id(db, "NL-0001"), status=PaperStatus.AWAITING_SECOND.value)
    paper.entries.append(PaperEntry(entered_by_id=clerks[0].id, choices=[1]))
    paper.entries.append(PaperEntry(entered_by_id=clerks[0].id, choices=[1]))
    db.session.add(paper)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _roll_id(db, identifier: str) -> int:
    from pbvote.rounds.models import VoterRollEntry

    return db.session.scalar(select(VoterRollEntry.id).where(VoterRollEntry.identifier == identifier))


def test_disagreeing_entries_do_not_count_until_a_third_entry_agrees(client_for, clerks, paper_round, db):
    one, two, three = (client_for(clerk) for clerk in clerks)
    a, b, *_ = paper_round.projects["Citywide"]
    start = last_sequence(db, paper_round.round.id)
    assert enter(one, paper_round, paper_round.citywide, "rosa@example.org", [a, b]).status_code == 303
    response = enter(two, paper_round, paper_round.citywide, "Rosa@Example.org", [b, a])
    assert response.status_code == 303
    assert "does not agree with its earlier entry" in two.get(response.location).get_data(as_text=True)
    [paper] = paper_rows(db)
    assert paper.status == PaperStatus.MISMATCH.value
    assert counted(db, paper_round.citywide) == []

    # The mismatch page shows both readings side by side for resolution.
    page = one.get(f"/rounds/{paper_round.round.id}/paper/mismatches").get_data(as_text=True)
    assert paper.number in page and "rosa@example.org" in page
    section = page[page.index(paper.number):]
    assert section.index(a.title) < section.index(b.title) < section.rindex(a.title)

    # Neither earlier reader may break the tie; a third staff member may.
    assert enter(one, paper_round, paper_round.citywide, "rosa@example.org", [b, a]).status_code == 422
    assert enter(three, paper_round, paper_round.citywide, "rosa@example.org", [b, a]).status_code == 303
    [paper] = paper_rows(db)
    assert paper.status == PaperStatus.COUNTED.value
    [ballot] = counted(db, paper_round.citywide)
    assert ballot.choices == [b.id, a.id] and ballot.channel == "paper"
    second_id, third_id = paper.entries[1].id, paper.entries[2].id
    kinds = [(e.kind, e.payload.get("entries")) for e in log_after(db, paper_round.round.id, start)]
    assert kinds == [("paper_entry_recorded", None), ("paper_entry_recorded", None),
                     ("paper_ballot_mismatched", [paper.entries[0].id, second_id]),
                     ("paper_entry_recorded", None), ("paper_ballot_counted", [second_id, third_id])]

    # Once counted, no page shows the voter next to their choices.
    page = one.get(f"/rounds/{paper_round.round.id}/paper/mismatches").get_data(as_text=True)
    assert "rosa@example.org" not in page and b.title not in page
    overview = one.get(f"/rounds/{paper_round.round.id}/paper").get_data(as_text=True)
    assert "rosa@example.org" not in overview and b.title not in overview


def test_a_discarded_mismatch_never_counts_and_the_reason_is_logged(client_for, clerks, paper_round, db):
    one, two = client_for(clerks[0]), client_for(clerks[1])
    a, b, *_ = paper_round.projects["Citywide"]
    enter(one, paper_round, paper_round.citywide, "NL-0001", [a])
    enter(two, paper_round, paper_round.citywide, "NL-0001", [b])
    [paper] = paper_rows(db)
    url = f"/rounds/{paper_round.round.id}/paper/{paper.id}/discard"
    mismatches = f"/rounds/{paper_round.round.id}/paper/mismatches"

    response = one.post_form(url, {"reason": "  "}, token_page=mismatches)
    assert response.status_code == 422 and "Say why the paper ballot is discarded." in response.get_data(as_text=True)
    assert paper_rows(db)[0].status == PaperStatus.MISMATCH.value

    response = one.post_form(url, {"reason": "Two marks in one box: unreadable."}, token_page=mismatches)
    assert response.status_code == 303
    [paper] = paper_rows(db)
    assert paper.status == PaperStatus.DISCARDED.value and paper.discard_reason == "Two marks in one box: unreadable."
    assert counted(db, paper_round.citywide) == []
    event = round_events(paper_round.round.id)[-1]
    assert event.kind == "paper_ballot_discarded"
    assert event.payload == {"paper_ballot_id": paper.id, "budget_id": paper_round.citywide.id,
                             "entries": [e.id for e in paper.entries], "reason": "Two marks in one box: unreadable."}
    # Discarded for good: it cannot be discarded again, and a fresh paper ballot of that voter may be entered.
    assert one.post_form(url, {"reason": "again"}, token_page=mismatches).status_code == 422
    assert enter(one, paper_round, paper_round.citywide, "NL-0001", [a]).status_code == 303
    assert [p.status for p in paper_rows(db)] == ["discarded", "awaiting_second"]


def test_a_discard_of_another_rounds_paper_ballot_is_not_found(client_for, clerks, paper_round, db, organisation,
                                                                create_user):
    from tests.web.voting.factories import make_voting_round

    other = make_voting_round(organisation, create_user(email="other-author@example.org"))
    one, two = client_for(clerks[0]), client_for(clerks[1])
    a, b, *_ = paper_round.projects["Citywide"]
    enter(one, paper_round, paper_round.citywide, "NL-0001", [a])
    enter(two, paper_round, paper_round.citywide, "NL-0001", [b])
    [paper] = paper_rows(db)
    response = one.post_form(f"/rounds/{other.round.id}/paper/{paper.id}/discard", {"reason": "x"},
                             token_page=f"/rounds/{other.round.id}/paper/mismatches")
    assert response.status_code == 404
    assert paper_rows(db)[0].status == PaperStatus.MISMATCH.value


# --------------------------------------------------------------------------------------------------------------
# Bad ballots are refused at entry, with nothing stored
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("identifier", "ranks", "message"), [
    ("NL-9999", {0: "1"}, "“NL-9999” is not on this round's voter roll"),
    ("", {0: "1"}, "Enter the voter's roll id, email address or voter code."),
    ("NL-0002", {0: "1"}, "This voter does not vote in North budget"),  # a South voter on the North ballot
    ("NL-0001", {}, "Choose at least one project; your ballot has 0."),
    ("NL-0001", {0: "1", 1: "2", 2: "3", 3: "4"}, "You chose 4 ranked projects; at most 3 are allowed."),
    ("NL-0001", {0: "1", 1: "1"}, "Rank 1 is given to"),
    ("NL-0001", {0: "1", 1: "3"}, "rank 2 is missing"),
    ("NL-0001", {0: "first"}, "must be a whole number"),
    ("NL-0001", {0: "0"}, "must be 1 or more"),
    ("NL-0001\u202e", {0: "1"}, "is not a roll id, email address or voter code"),
])
def test_an_impossible_paper_ballot_is_refused_and_nothing_is_stored(client_for, clerks, paper_round, db,
                                                                      identifier, ranks, message):
    clerk = client_for(clerks[0])
    projects = paper_round.projects["North budget"]
    url = entry_url(paper_round, paper_round.north)
    before, sequence = stored_counts(db), last_sequence(db, paper_round.round.id)
    data = {"identifier": identifier, **{f"project-{projects[i].id}": value for i, value in ranks.items()}}
    response = clerk.post_form(url, data, token_page=url)
    assert response.status_code == 422
    assert message in text_of(response)
    assert stored_counts(db) == before
    assert last_sequence(db, paper_round.round.id) == sequence


def test_a_paper_ballot_for_a_project_of_another_budget_is_refused(clerks, paper_round, db, app):
    """The server's rules (check_ballot) refuse what the form cannot even offer."""
    from pbvote.paper.operations import PaperBallotError, enter_paper_ballot

    south_project = paper_round.projects["South budget"][0]
    with pytest.raises(PaperBallotError, match="on the ballot of another budget"):
        enter_paper_ballot(paper_round.north, clerks[0], "NL-0001", BallotContent([south_project.id]))
    db.session.rollback()
    assert stored_counts(db)[:2] == (0, 0)


def test_paper_ballots_are_entered_only_while_voting_is_open(client_for, clerks, paper_round, db):
    round_ = db.session.get(Round, paper_round.round.id)
    round_.state = "tallied"
    db.session.commit()
    clerk = client_for(clerks[0])
    url = entry_url(paper_round, paper_round.citywide)
    assert "are entered while voting is open" in clerk.get(url).get_data(as_text=True)
    a = paper_round.projects["Citywide"][0]
    response = clerk.post_form(url, {"identifier": "NL-0001", f"project-{a.id}": "1"},
                               token_page=f"/rounds/{round_.id}/paper")
    assert response.status_code == 422
    assert "You cannot vote while the round is in the tallied phase" in text_of(response)
    assert stored_counts(db) == (0, 0, 0)


# --------------------------------------------------------------------------------------------------------------
# Voter codes, and the policy between paper and online
# --------------------------------------------------------------------------------------------------------------


def test_a_voter_code_used_on_paper_is_claimed_and_cannot_be_used_online(client_for, clerks, paper_round, db, client):
    code = add_voter_code(paper_round.round, "South")
    one, two = client_for(clerks[0]), client_for(clerks[1])
    project = paper_round.projects["South budget"][1]
    printed = "-".join(code[i:i + 6] for i in range(0, len(code), 6)).lower()
    assert enter(one, paper_round, paper_round.south, printed, [project]).status_code == 303
    assert enter(two, paper_round, paper_round.south, code, [project]).status_code == 303
    [ballot] = counted(db, paper_round.south)
    assert ballot.channel == "paper" and ballot.choices == [project.id]
    record = db.session.scalar(select(VoterCode))
    assert record.claimed_at is not None

    url = f"/rounds/{paper_round.round.id}/code"
    response = client.post_form(url, {"code": code, "display_name": "Someone"}, token_page=url)
    assert "That code has already been used." in response.get_data(as_text=True)


def count_online(client, world, budget, project):
    """A voter puts ``project`` on their ballot and casts it through the voting pages."""
    import re

    url = f"/rounds/{world.round.id}/vote/{budget.id}"
    added = client.post_form(url, {"action": f"add:{project.id}"}, token_page=url)
    review = client.get(url + "/review").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', review)
    if version is None:
        return added
    return client.post_form(url + "/cast", {"version": version.group(1) or version.group(2)}, token_page=url + "/review")


def test_a_paper_voter_is_refused_online(client_for, clerks, paper_round, db, create_user, auth, client):
    """Rosa's paper ballot counts before she has an account; when she registers, her record (with the paper
    ballot) becomes hers, and the voting pages refuse her."""
    one, two = client_for(clerks[0]), client_for(clerks[1])
    a, b, *_ = paper_round.projects["Citywide"]
    enter(one, paper_round, paper_round.citywide, "rosa@example.org", [a])
    enter(two, paper_round, paper_round.citywide, "rosa@example.org", [a])

    rosa = create_user(email="rosa@example.org", display_name="Rosa")
    auth.login(rosa)
    register = f"/rounds/{paper_round.round.id}/register"
    assert client.post_form(register, {}, token_page=register).status_code == 303
    db.session.rollback()
    [voter] = db.session.scalars(select(RoundVoter).where(RoundVoter.roll_entry_id.is_not(None))).all()
    assert voter.user_id == rosa.id

    response = count_online(client, paper_round, paper_round.north, paper_round.projects["North budget"][0])
    assert "a voter who voted on paper cannot also vote online" in response.get_data(as_text=True)
    assert counted(db, paper_round.north) == []
    with pytest.raises(Exception, match="voted on paper cannot also vote online"):
        cast_ballot(paper_round.round.id, paper_round.citywide.id, rosa, BallotContent([b.id]))
    db.session.rollback()
    [ballot] = counted(db, paper_round.citywide)
    assert ballot.channel == "paper" and ballot.choices == [a.id]


def test_an_online_voter_is_refused_on_paper(client_for, clerks, paper_round, db, create_user, auth, client):
    rosa = create_user(email="rosa@example.org", display_name="Rosa")
    make_voter(paper_round.round, rosa, "North")
    a = paper_round.projects["Citywide"][0]
    cast_ballot(paper_round.round.id, paper_round.citywide.id, rosa, BallotContent([a.id]))
    before = stored_counts(db)

    response = enter(client_for(clerks[0]), paper_round, paper_round.north, "rosa@example.org",
                     [paper_round.projects["North budget"][0]])
    assert response.status_code == 422
    assert "This voter has already voted online" in response.get_data(as_text=True)
    assert stored_counts(db) == before


def test_under_latest_counts_a_paper_ballot_replaces_the_online_one(client_for, clerks, paper_round, db,
                                                                    create_user):
    round_ = db.session.get(Round, paper_round.round.id)
    round_.paper_policy = PaperPolicy.LATEST_COUNTS.value
    db.session.commit()
    rosa = create_user(email="rosa@example.org", display_name="Rosa")
    make_voter(paper_round.round, rosa, "North")
    a, b, *_ = paper_round.projects["Citywide"]
    cast_ballot(paper_round.round.id, paper_round.citywide.id, rosa, BallotContent([a.id]))

    for clerk in clerks[:2]:
        assert enter(client_for(clerk), paper_round, paper_round.citywide, "rosa@example.org", [b]).status_code == 303
    [ballot] = counted(db, paper_round.citywide)
    assert ballot.channel == "paper" and ballot.choices == [b.id]
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2  # the online one is kept, superseded

    # And online again replaces the paper one.
    cast_ballot(paper_round.round.id, paper_round.citywide.id, rosa, BallotContent([a.id]))
    [ballot] = counted(db, paper_round.citywide)
    assert ballot.channel == "web"


def test_the_policy_is_set_before_voting_and_frozen_once_voting_opens(client_for, clerks, paper_round, db,
                                                                      organisation):
    from tests.web.proposals.factories import make_round

    clerk = client_for(clerks[0])
    draft = make_round(organisation, state="review")
    url = f"/rounds/{draft.id}/paper/policy"
    response = clerk.post_form(url, {"policy": "latest_counts"}, token_page=f"/rounds/{draft.id}/paper")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Round, draft.id).paper_policy == "latest_counts"
    event = round_events(draft.id)[-1]
    assert event.kind == "settings_changed"
    assert event.payload == {"changes": {"paper_policy": {"from": "one_channel", "to": "latest_counts"}}}

    assert clerk.post_form(url, {"policy": "anything"}, token_page=url.rsplit("/", 1)[0]).status_code == 422

    voting_url = f"/rounds/{paper_round.round.id}/paper/policy"
    response = clerk.post_form(voting_url, {"policy": "latest_counts"}, token_page=f"/rounds/{paper_round.round.id}/paper")
    assert response.status_code == 422
    assert "change the round's settings while the round is in the voting phase" in text_of(response)
    overview = text_of(clerk.get(f"/rounds/{paper_round.round.id}/paper"))
    assert "A voter votes on paper or online, not both" in overview and "Frozen since voting opened" in overview
    assert 'name="policy"' not in overview
    db.session.rollback()
    assert db.session.get(Round, paper_round.round.id).paper_policy == "one_channel"


# --------------------------------------------------------------------------------------------------------------
# Who may use the pages
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/mismatches", "/enter/{budget}"])
def test_only_the_rounds_council_sees_the_paper_pages(client_for, clerks, paper_round, elsewhere, create_user, path):
    url = f"/rounds/{paper_round.round.id}/paper" + path.format(budget=paper_round.citywide.id)
    assert client_for(clerks[0]).get(url).status_code == 200
    assert client_for(elsewhere).get(url).status_code == 403
    assert client_for(create_user(email="resident@example.org")).get(url).status_code == 403


def test_council_elsewhere_cannot_enter_or_discard(client_for, clerks, paper_round, elsewhere, db):
    one, two = client_for(clerks[0]), client_for(clerks[1])
    a, b, *_ = paper_round.projects["Citywide"]
    enter(one, paper_round, paper_round.citywide, "NL-0001", [a])
    enter(two, paper_round, paper_round.citywide, "NL-0001", [b])
    outsider = client_for(elsewhere)
    token = outsider.csrf_token()
    url = entry_url(paper_round, paper_round.citywide)
    assert outsider.post(url, data={"csrf_token": token, "identifier": "NL-0001",
                                    f"project-{b.id}": "1"}).status_code == 403
    [paper] = paper_rows(db)
    response = outsider.post(f"/rounds/{paper_round.round.id}/paper/{paper.id}/discard",
                             data={"csrf_token": token, "reason": "mine now"})
    assert response.status_code == 403
    assert paper_rows(db)[0].status == PaperStatus.MISMATCH.value and len(paper.entries) == 2


def test_closing_voting_counts_paper_ballots_like_any_other(client_for, clerks, paper_round, db, create_user):
    from pbvote.database import write_transaction
    from pbvote.voting.operations import close_voting, tracking_codes_digest

    a, b, *_ = paper_round.projects["Citywide"]
    for clerk in clerks[:2]:
        enter(client_for(clerk), paper_round, paper_round.citywide, "NL-0001", [a, b])
    vera = create_user(email="vera@example.org")
    make_voter(paper_round.round, vera, "North")
    cast_ballot(paper_round.round.id, paper_round.citywide.id, vera, BallotContent([b.id]))
    codes = [ballot.tracking_code for ballot in counted(db, paper_round.citywide)]
    assert sorted(ballot.channel for ballot in counted(db, paper_round.citywide)) == ["paper", "web"]

    with write_transaction():
        close_voting(db.session.get(Round, paper_round.round.id), clerks[0])
    closed = next(e for e in round_events(paper_round.round.id) if e.kind == "voting_closed")
    citywide = next(b for b in closed.payload["budgets"] if b["budget_id"] == paper_round.citywide.id)
    assert citywide["ballots"] == 2 and citywide["tracking_codes_sha256"] == tracking_codes_digest(codes)


def test_points_and_approval_paper_ballots_are_read_and_checked(client_for, clerks, paper_round, db):
    from tests.web.voting.factories import configure_ballot

    one, two = client_for(clerks[0]), client_for(clerks[1])
    a, b, c, d = paper_round.projects["Citywide"]
    configure_ballot(paper_round.citywide, "points")  # 10 points, at most 5 per project
    url = entry_url(paper_round, paper_round.citywide)
    too_many = {"identifier": "NL-0001", f"project-{a.id}": "5", f"project-{b.id}": "5", f"project-{c.id}": "5"}
    response = one.post_form(url, too_many, token_page=url)
    assert response.status_code == 422 and "You gave 15 points; you have 10." in text_of(response)
    for client in (one, two):
        data = {"identifier": "NL-0001", f"project-{c.id}": "3", f"project-{a.id}": "5", f"project-{b.id}": "0"}
        assert client.post_form(url, data, token_page=url).status_code == 303
    [ballot] = counted(db, paper_round.citywide)
    assert (ballot.choices, ballot.points) == ([a.id, c.id], [5, 3])

    configure_ballot(paper_round.north, "approval", max_picks=2)
    north = paper_round.projects["North budget"]
    url = entry_url(paper_round, paper_round.north)
    ticks = {"identifier": "rosa@example.org", **{f"project-{p.id}": "yes" for p in north[:3]}}
    response = one.post_form(url, ticks, token_page=url)
    assert response.status_code == 422 and "You chose 3 projects; at most 2 are allowed." in text_of(response)
    for client in (one, two):
        ticks = {"identifier": "rosa@example.org", f"project-{north[2].id}": "yes", f"project-{north[0].id}": "yes"}
        assert client.post_form(url, ticks, token_page=url).status_code == 303
    [ballot] = counted(db, paper_round.north)
    assert ballot.choices == [north[0].id, north[2].id] and ballot.points is None
    assert d.id not in ballot.choices


def test_the_database_keeps_one_open_paper_ballot_per_voter_and_budget(paper_round, db):
    from sqlalchemy.exc import IntegrityError

    roll_id = _roll_id(db, "NL-0001")
    for status in ("discarded", "awaiting_second"):
        db.session.add(PaperBallot(round_id=paper_round.round.id, budget_id=paper_round.citywide.id,
                                   roll_entry_id=roll_id, status=status))
    db.session.commit()  # a discarded one does not stand in the way of a new one
    db.session.add(PaperBallot(round_id=paper_round.round.id, budget_id=paper_round.citywide.id,
                               roll_entry_id=roll_id, status="mismatch"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_voter_record_names_a_user_or_a_roll_entry(paper_round, db):
    from sqlalchemy.exc import IntegrityError

    db.session.add(RoundVoter(round_id=paper_round.round.id, user_id=None, roll_entry_id=None, source="roll"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
