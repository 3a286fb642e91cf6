"""Round and proposal texts in several languages: the council translates its round, authors their proposal;
visitors read the text in their language, or the original marked with its language; everyone else is refused
and bad input changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pbvote.content_languages.models import ContentTranslation
from pbvote.content_languages.operations import TRANSLATION_CHANGED
from pbvote.rounds.models import RoundEvent
from tests.web.proposals.factories import make_proposal, make_round
from tests.web.voting.factories import make_voter, make_voting_round

WELSH = {"Accept-Language": "cy"}
POLISH = {"Accept-Language": "pl"}


@pytest.fixture
def council(create_user):
    return create_user(email="carys@example.org", roles=("council",), display_name="Carys")


@pytest.fixture
def author(create_user):
    return create_user(email="piotr@example.org", display_name="Piotr")


@pytest.fixture
def round_(app, organisation):
    return make_round(organisation, name="Green Testville")


@pytest.fixture
def proposal(round_, author):
    return make_proposal(round_, author, title="Fruit trees", summary="Trees anyone may pick from.",
                         description="Plant **twenty** trees.")


def round_page(round_) -> str:
    return f"/rounds/{round_.id}/translations"


def proposal_page(proposal) -> str:
    return f"/proposals/{proposal.id}/translations"


def translate(client, url: str, language: str, field: str, text: str):
    return client.post_form(url, {"language": language, "field": field, "text": text}, token_page=url)


def translation_count(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(ContentTranslation))


def heading(html: str) -> str:
    match = re.search(r"<h1[^>]*>.*?</h1>", html, re.DOTALL)
    assert match, html[:2000]
    return match.group(0)


def test_council_gives_the_round_a_welsh_name_that_welsh_readers_see_and_others_see_the_original_marked(
        client, auth, council, round_, db):
    auth.login(council)
    response = translate(client, round_page(round_), "cy", "name", "Testville Werdd")
    assert response.status_code == 303
    assert "Testville Werdd" in client.get(round_page(round_)).get_data(as_text=True)
    auth.logout()

    welsh = client.get(f"/rounds/{round_.id}", headers=WELSH).get_data(as_text=True)
    assert heading(welsh) == "<h1>Testville Werdd</h1>"
    assert "<title>Testville Werdd" in welsh
    assert "Testville Werdd" in client.get("/", headers=WELSH).get_data(as_text=True)  # the home page's round card

    polish = client.get(f"/rounds/{round_.id}", headers=POLISH).get_data(as_text=True)
    assert heading(polish) == '<h1 lang="en-GB">Green Testville</h1>'
    assert "Testville Werdd" not in polish
    assert '<span lang="en-GB">Green Testville</span>' in client.get("/", headers=POLISH).get_data(as_text=True)

    english = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert heading(english) == "<h1>Green Testville</h1>"


def test_the_councils_change_of_a_round_translation_is_in_the_rounds_log(client, auth, council, round_, db):
    auth.login(council)
    translate(client, round_page(round_), "cy", "description", "Cyllideb gyfranogol.")
    translate(client, round_page(round_), "cy", "description", "Cyllideb gyfranogol Testville.")
    db.session.rollback()
    events = db.session.scalars(
        select(RoundEvent).where(RoundEvent.round_id == round_.id, RoundEvent.kind == TRANSLATION_CHANGED)
        .order_by(RoundEvent.sequence)
    ).all()
    assert [event.payload["text"] for event in events] == [
        {"from": None, "to": "Cyllideb gyfranogol."},
        {"from": "Cyllideb gyfranogol.", "to": "Cyllideb gyfranogol Testville."},
    ]
    assert events[0].payload["language"] == "cy" and events[0].actor_label == council.email


def test_an_author_gives_their_proposal_a_polish_title_summary_and_description(client, auth, author, proposal, db):
    auth.login(author)
    url = proposal_page(proposal)
    assert translate(client, url, "pl", "title", "Drzewa owocowe").status_code == 303
    assert translate(client, url, "pl", "summary", "Drzewa, z których każdy może zrywać.").status_code == 303
    assert translate(client, url, "pl", "description", "Posadzić **dwadzieścia** drzew.<script>x()</script>"
                     ).status_code == 303
    auth.logout()

    polish = client.get(f"/proposals/{proposal.id}", headers=POLISH).get_data(as_text=True)
    assert heading(polish) == "<h1>Drzewa owocowe</h1>"
    assert "Drzewa, z których każdy może zrywać." in polish
    assert "<strong>dwadzieścia</strong>" in polish and "<script>x()" not in polish
    listing = client.get(f"/rounds/{proposal.round_id}/proposals", headers=POLISH).get_data(as_text=True)
    assert ">Drzewa owocowe</a>" in listing

    welsh = client.get(f"/proposals/{proposal.id}", headers=WELSH).get_data(as_text=True)
    assert heading(welsh) == '<h1 lang="en-GB">Fruit trees</h1>'
    assert '<div class="prose" lang="en-GB"><p>Plant <strong>twenty</strong> trees.</p>' in welsh
    assert '<span lang="en-GB">Fruit trees</span>' in client.get(
        f"/rounds/{proposal.round_id}/proposals", headers=WELSH).get_data(as_text=True)
    # The author's change is not the council's: the round's log is for the council's acts.
    db.session.rollback()
    assert not db.session.scalar(select(func.count()).select_from(RoundEvent).where(
        RoundEvent.kind == TRANSLATION_CHANGED))


def test_the_ballot_and_results_show_translated_titles(client, auth, organisation, author, create_user, db):
    world = make_voting_round(organisation, author)
    project = world.projects["Citywide"][0]
    voter = create_user(email="vera@example.org", language="cy")
    make_voter(world.round, voter, "North")
    db.session.add(ContentTranslation(kind="proposal", object_id=project.id, round_id=world.round.id,
                                      field="title", language="cy", text="Meinciau newydd"))
    db.session.commit()
    auth.login(voter)
    ballot = client.get(f"/rounds/{world.round.id}/vote/{world.citywide.id}").get_data(as_text=True)
    assert "<strong>Meinciau newydd</strong>" in ballot
    other = world.projects["Citywide"][1]
    assert f'<strong><span lang="en-GB">{other.title}</span></strong>' in ballot


def test_a_proposal_written_in_welsh_keeps_welsh_as_its_original(client, auth, author, round_, db):
    """Submitted from a Welsh page, a proposal is Welsh; English readers see it marked as Welsh."""
    from pbvote.content_languages.operations import original_language, writing_language

    with client.application.test_request_context(headers=WELSH):
        assert writing_language(author, round_) == "cy"
    proposal = make_proposal(round_, author, title="Coed ffrwythau")
    proposal.language = "cy"
    db.session.commit()
    assert original_language(proposal) == "cy"
    assert heading(client.get(f"/proposals/{proposal.id}").get_data(as_text=True)) == '<h1 lang="cy">Coed ffrwythau</h1>'
    auth.login(author)
    page = client.get(proposal_page(proposal)).get_data(as_text=True)
    choices = re.search(r'<select[^>]*id="language".*?</select>', page, re.DOTALL).group(0)
    assert 'value="cy"' not in choices and 'value="en_GB"' in choices  # not into its own language


@pytest.mark.parametrize("who", ["other_resident", "moderator", "council_elsewhere", "resident_elsewhere"])
def test_people_who_are_neither_author_nor_council_are_refused_a_proposals_translations(
        client, auth, create_user, create_organisation, proposal, db, who):
    elsewhere = create_organisation(slug="elsewhere")
    people = {
        "other_resident": lambda: create_user(email="other@example.org"),
        "moderator": lambda: create_user(email="mod@example.org", roles=("moderator",)),
        "council_elsewhere": lambda: create_user(email="c@elsewhere.org", roles=("council",), organisation=elsewhere),
        "resident_elsewhere": lambda: create_user(email="r@elsewhere.org", organisation=elsewhere),
    }
    auth.login(people[who]())
    url = proposal_page(proposal)
    assert client.get(url).status_code == 403
    assert translate(client, url, "pl", "title", "Drzewa").status_code == 403
    assert translation_count(db) == 0


@pytest.mark.parametrize("who", ["author", "resident", "auditor", "council_elsewhere"])
def test_only_the_rounds_council_translates_the_round(
        client, auth, create_user, create_organisation, author, proposal, round_, db, who):
    people = {
        "author": lambda: author,
        "resident": lambda: create_user(email="other@example.org"),
        "auditor": lambda: create_user(email="aud@example.org", roles=("auditor",)),
        "council_elsewhere": lambda: create_user(email="c@elsewhere.org", roles=("council",),
                                                 organisation=create_organisation(slug="elsewhere")),
    }
    auth.login(people[who]())
    assert client.get(round_page(round_)).status_code == 403
    assert translate(client, round_page(round_), "cy", "name", "Testville Werdd").status_code == 403
    assert translation_count(db) == 0


def test_the_council_translates_any_proposal_of_its_round_and_authors_stop_when_voting_opens(
        client, auth, council, author, proposal, round_, db):
    auth.login(council)
    assert translate(client, proposal_page(proposal), "cy", "title", "Coed ffrwythau").status_code == 303
    auth.logout()
    round_.state = "voting"
    db.session.commit()
    auth.login(author)
    assert client.get(proposal_page(proposal)).status_code == 403
    assert translate(client, proposal_page(proposal), "cy", "title", "Coed").status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(ContentTranslation.text)) == "Coed ffrwythau"


@pytest.mark.parametrize(("language", "field", "text", "message"), [
    ("de", "name", "Grünes Testville", "Choose one of the languages offered."),
    ("en_GB", "name", "Green Testville again", "Choose one of the languages offered."),  # the original's language
    ("cy", "colour", "Gwyrdd", "Choose one of the texts offered."),
    ("cy", "name", "   ", "Write the translation."),
    ("cy", "name", "x" * 151, "Keep the translation under 150 characters."),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
        client, auth, council, round_, db, language, field, text, message):
    auth.login(council)
    translate(client, round_page(round_), "cy", "name", "Testville Werdd")
    response = translate(client, round_page(round_), language, field, text)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(select(ContentTranslation.text)).all() == ["Testville Werdd"]


def test_the_translations_page_lists_them_per_language_and_an_edit_link_fills_the_form(
        client, auth, council, round_, db):
    auth.login(council)
    translate(client, round_page(round_), "pl", "name", "Zielone Testville")
    page = client.get(round_page(round_)).get_data(as_text=True)
    assert '<h2 id="language-pl" lang="pl">Polski</h2>' in page
    assert '<div lang="pl">Zielone Testville</div>' in page
    edit = client.get(round_page(round_) + "?language=pl&field=name").get_data(as_text=True)
    assert re.search(r"<textarea[^>]*>\s*Zielone Testville</textarea>", edit)
    add = client.get(round_page(round_) + "?language=cy&field=description").get_data(as_text=True)
    assert '<option selected value="cy">' in add and '<option selected value="description">' in add
    assert translate(client, round_page(round_), "pl", "name", "Zielony Testville").status_code == 303
    db.session.rollback()
    assert db.session.scalars(select(ContentTranslation.text)).all() == ["Zielony Testville"]


def test_a_post_without_the_csrf_token_is_refused(client, auth, council, round_, db):
    auth.login(council)
    response = client.post(round_page(round_), data={"language": "cy", "field": "name", "text": "Testville Werdd"})
    assert response.status_code == 400
    assert translation_count(db) == 0


def test_the_translations_page_speaks_welsh(client, auth, council, round_, db):
    """Needs the compiled catalogues (``make install`` builds them from pbvote/translations)."""
    auth.login(council)
    page = client.get(round_page(round_), headers=WELSH).get_data(as_text=True)
    assert "Ychwanegu neu olygu cyfieithiad" in page and "Cyfieithiadau o'r rownd" in page
    response = translate(client, round_page(round_), "cy", "name", "")
    assert "Ysgrifennwch y cyfieithiad." not in response.get_data(as_text=True)  # no Accept-Language: English
    response = client.post_form(round_page(round_), {"language": "cy", "field": "name", "text": ""},
                                token_page=round_page(round_), headers=WELSH)
    assert "Ysgrifennwch y cyfieithiad." in response.get_data(as_text=True)
