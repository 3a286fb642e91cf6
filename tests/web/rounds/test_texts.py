"""What the rounds pages say is true (issue 17, item 3): refused transitions change nothing and say so, voter
letters and code claims say when voting opens, counts have their plural, the event log speaks money and shows
whole hashes, rules are described in words, imports do not pass a fallback rule or editors' notes off as the
file's content."""

from __future__ import annotations

import base64
import io
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pbvote.extensions import db
from pbvote.rounds import letters, voters
from pbvote.rounds.events import round_events
from pbvote.rounds.models import Phase, Round
from pbvote.rounds.operations import when_voting_opens
from pbvote.tally.explain import describe_rule
from pbvote.text import counted

ASSEN = Path(__file__).resolve().parents[3] / "pbvote" / "demo_data" / "Netherlands_Assen_2024.pb"


def _schedule_voting(round_: Round, starts: datetime, ends: datetime) -> None:
    round_.phases.append(Phase(state="voting", starts_at=starts, ends_at=ends))
    db.session.commit()


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a reportlab PDF, decoded through each embedded font's ToUnicode map: streams are
    ASCII85-encoded then deflated, and a TrueType subset font draws one-byte codes (``\\001`` → ``ł``)."""
    streams = {}
    for number, head, body in re.findall(rb"(\d+) 0 obj\s*<<([^<>]*)>>\s*stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        if b"/ASCII85Decode" in head:
            body = base64.a85decode(body.strip().removesuffix(b"~>"))
        streams[int(number)] = zlib.decompress(body) if b"/FlateDecode" in head else body
    maps = {name: {int(code, 16): chr(int(char, 16))
                   for code, char in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]{4})>", streams[int(cmap)])}
            for name, cmap in re.findall(rb"/Name /(\S+)[^>]*?/ToUnicode (\d+) 0 R", pdf)}
    texts, font = [], None
    for content in streams.values():
        for selected, string in re.findall(rb"/(\S+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content):
            if selected:
                font = selected
                continue
            raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m[1], 8)]) if m[1].isdigit() else m[1], string)
            table = maps.get(font)
            texts.append("".join(table.get(byte, chr(byte)) for byte in raw) if table else raw.decode("cp1252"))
    return " ".join(texts)


def test_counted_says_one_and_many():
    assert [counted(0, "event"), counted(1, "event"), counted(2, "event"), counted(1200, "reply", "replies")] == [
        "0 events", "1 event", "2 events", "1,200 replies"]


def test_a_refused_transition_does_not_claim_it_happened(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="voting")
    client = client_for(council)
    for response in (client.get(f"/rounds/{round_.id}/transition/tallied"),
                     client.post_form(f"/rounds/{round_.id}/transition/tallied")):
        page = response.get_data(as_text=True)
        assert "is now in the voting phase" not in page and "The change is recorded" not in page
        assert "stays there: nothing was changed" in page and "close the vote" in page
        assert "Yes, move to" not in page or response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == "voting"


def test_an_allowed_transition_still_says_what_confirming_does(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="review")
    page = client_for(council).get(f"/rounds/{round_.id}/transition/voting").get_data(as_text=True)
    assert "nothing was changed" not in page
    assert "freezes the budgets" in page and "If you confirm, the change is recorded" in page


def test_when_voting_opens_follows_the_state_and_the_schedule(app, new_round):
    round_ = new_round(state="proposals", timezone="Europe/Amsterdam")
    assert when_voting_opens(round_) == "Voting has not opened yet; the council has not set its date."
    _schedule_voting(round_, datetime(2027, 5, 3, 7, 0, tzinfo=UTC), datetime(2027, 5, 17, 16, 0, tzinfo=UTC))
    assert when_voting_opens(round_) == "Voting opens on 3 May 2027, 09:00 CEST."
    round_.state = "voting"
    assert when_voting_opens(round_) == "Voting is open until 17 May 2027, 18:00 CEST."
    round_.state = "published"
    assert when_voting_opens(round_) == "Voting in this round has closed."


def test_voter_letters_say_when_voting_opens_not_send_your_ballot(app, new_round, council):
    round_ = new_round(actor=council, state="deliberation")
    _schedule_voting(round_, datetime(2027, 5, 3, 7, 0, tzinfo=UTC), datetime(2027, 5, 17, 16, 0, tzinfo=UTC))
    issued = voters.generate_voter_codes(round_, council, 1, round_.districts[0].id)
    text = _pdf_text(letters.codes_pdf(round_, issued, "https://vote.example/rounds/1/code"))
    assert "Voting opens on 3 May 2027, 09:00 CEST." in text
    assert "send your ballot" not in text and issued[0].printed in text


def test_claiming_a_code_before_voting_says_when_voting_opens(app, new_round, council, client):
    round_ = new_round(actor=council, state="proposals")
    _schedule_voting(round_, datetime(2027, 5, 3, 7, 0, tzinfo=UTC), datetime(2027, 5, 17, 16, 0, tzinfo=UTC))
    issued = voters.generate_voter_codes(round_, council, 1, round_.districts[0].id)
    db.session.commit()
    response = client.post_form(f"/rounds/{round_.id}/code", {"code": issued[0].printed}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your code is accepted" in page and "Voting opens on 3 May 2027, 09:00 CEST." in page
    assert "you can vote" not in page.lower()


def test_claiming_a_code_during_voting_says_until_when(app, new_round, council, client):
    round_ = new_round(actor=council, state="proposals")
    now = datetime.now(UTC)
    issued = voters.generate_voter_codes(round_, council, 1, round_.districts[0].id)
    _schedule_voting(round_, now - timedelta(days=1), now + timedelta(days=30))
    round_.state = "voting"
    db.session.commit()
    response = client.post_form(f"/rounds/{round_.id}/code", {"code": issued[0].printed})
    assert response.status_code == 303 and "/vote" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your code is accepted. Voting is open until" in page


def test_a_ranked_ballot_with_one_length_says_rank_exactly(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="proposals")
    budget = round_.budgets[0]
    budget.ballot_type, budget.min_ranks, budget.max_ranks, budget.points_per_rank = "ranked", 3, 3, [3, 2, 1]
    db.session.commit()
    page = client_for(council).get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Rank exactly 3 projects, your favourite first." in page and "between 3 and 3" not in page


def test_the_event_log_shows_money_and_whole_hashes(app, new_round, council, client_for):
    round_ = new_round(actor=council, district_budgets=False)
    page = client_for(council).get(f"/rounds/{round_.id}/log").get_data(as_text=True)
    assert "amount: €100,000.00" in page and "10000000" not in page
    for event in round_events(round_.id):
        wrapped = "<wbr>".join(event.hash[i:i + 16] for i in range(0, 64, 16))
        assert wrapped in page
    assert "The hash chain of all 2 events is intact." in page


def test_a_log_of_one_event_says_one(app, organisation, council, client_for):
    from pbvote.rounds import operations

    round_ = operations.create_round(organisation, council, operations.RoundSettings(name="Solo"))
    db.session.commit()
    page = client_for(council).get(f"/rounds/{round_.id}/log").get_data(as_text=True)
    assert "The hash chain of its one event is intact." in page and "all 1 events" not in page


def test_the_council_reads_the_rule_in_words(app, new_round, council, client_for):
    round_ = new_round(actor=council, state="proposals")
    budget = round_.budgets[0]
    budget.rule_id = "mes"
    budget.rule_params = {"utility": "cost", "completion": "add1u", "comparison": "none", "budget_increment": 1,
                          "budget_start": "floor", "points_scheme": "auto", "add1_variant": "pabutools",
                          "comparison_measure": "utility", "tie_breaking": "file-order"}
    db.session.commit()
    page = client_for(council).get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert ("Allocation rule: Method of Equal Shares, completed by raising each voter&#39;s budget one unit at a "
            "time, then by funding the most supported projects that still fit (mes, add1u).") in page
    assert "budget_increment" not in page


@pytest.mark.parametrize(("rule_id", "params", "expected"), [
    ("greedy", {"score": "auto", "tie_breaking": "cost-asc"},
     ("Greedy (the most supported projects first, skipping any that no longer fit); ties: equal candidates "
     "cheaper first, then in list order (greedy)")),
    ("mes", {"completion": "add1", "budget_increment": 100, "comparison": "greedy"},
     ("Method of Equal Shares, completed by raising each voter's budget 100 units at a time, switching to the "
     "greedy outcome if more voters prefer it (mes, add1)")),
    ("phragmen", {"overrun": "skip"}, "Sequential Phragmén, skipping projects that do not fit and going on (phragmen)"),
])
def test_describe_rule(rule_id, params, expected):
    assert describe_rule(rule_id, params) == expected


def _assen_without_rule() -> bytes:
    """Assen with META rule "unknown" and no selected column (a file that does not say how it was counted)."""
    lines, out, in_projects = ASSEN.read_text(encoding="utf-8").splitlines(), [], False
    for line in lines:
        if line.startswith("rule;"):
            line = "rule;unknown"
        if line in ("PROJECTS", "VOTES"):
            in_projects = line == "PROJECTS"
        elif in_projects:
            fields = line.split(";")
            line = ";".join(fields[:4] + fields[5:])
        out.append(line)
    return ("\n".join(out) + "\n").encode("utf-8")


def test_an_import_says_when_its_rule_is_a_fallback_and_labels_the_editors_notes(app, council, client_for):
    client = client_for(council)
    response = client.post_form("/organisations/testville/rounds/import",
                                {"file": (io.BytesIO(_assen_without_rule()), "assen.pb")},
                                content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    round_ = db.session.scalar(select(Round))
    explanation = round_.budgets[0].explanation
    assert "as the file records" not in explanation and "(unknown)" not in explanation
    assert explanation.startswith("The file does not record which rule chose its projects; pbvote counts it with "
                                  "Greedy")
    assert "#1:" not in round_.description
    assert round_.description == ("Imported from the pabulib file assen.pb (Netherlands, Assen). Notes of the file's "
                                  "editors: Young people between the ages of 12 and 27 could vote")


def test_an_import_with_a_known_rule_names_it(app, council, client_for):
    client = client_for(council)
    client.post_form("/organisations/testville/rounds/import", {"file": (io.BytesIO(ASSEN.read_bytes()), "a.pb")},
                     content_type="multipart/form-data")
    explanation = db.session.scalar(select(Round)).budgets[0].explanation
    assert explanation.startswith("Counted with Method of Equal Shares, completed by raising each voter's budget")
    assert explanation.endswith("(mes, add1): the rule the file records (“equalshares/add1”).")


def test_the_members_page_counts_residents(app, council, resident, create_user, client_for):
    create_user(email="audit-only@testville.example", roles=("auditor",))
    page = client_for(council).get("/organisations/testville/members").get_data(as_text=True)
    assert "Everyone is a resident" not in page
    assert "3 registered members;\n  1 resident among them" in page
