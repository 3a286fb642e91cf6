"""The round page's layout hooks (issue 17, items 4 and 5): the lifecycle stepper marks the current phase and
says in words which phases are done; the schedule table labels every cell, so on phones it becomes cards."""

from __future__ import annotations

import re

from tests.web.proposals.factories import make_round

STATES = ("Draft", "Proposals", "Review", "Deliberation", "Voting", "Tallied", "Published", "Archived")


def _steps(html: str) -> list[tuple[str, str]]:
    """(the step's attributes, its text) for each step of the lifecycle list."""
    stepper = re.search(r'<ol class="lifecycle"[^>]*>(.*?)</ol>', html, re.DOTALL).group(1)
    return [(attributes, re.sub(r"<[^>]+>", "", text).strip())
            for attributes, text in re.findall(r"<li([^>]*)>(.*?)</li>", stepper, re.DOTALL)]


def test_the_stepper_marks_done_current_and_upcoming_phases(client, organisation):
    round_ = make_round(organisation, state="deliberation")

    steps = _steps(client.get(f"/rounds/{round_.id}").get_data(as_text=True))

    assert [text.removesuffix(" (done)") for _, text in steps] == list(STATES)
    current = [text for attributes, text in steps if 'aria-current="step"' in attributes]
    assert current == ["Deliberation"]
    assert [text for attributes, text in steps if "lifecycle__current" in attributes] == ["Deliberation"]
    done = [text for attributes, text in steps if "lifecycle__step--done" in attributes]
    assert done == ["Draft (done)", "Proposals (done)", "Review (done)"]
    assert all("(done)" not in text for _, text in steps[3:])


def test_the_schedule_labels_every_cell_for_the_stacked_phone_layout(client, organisation):
    round_ = make_round(organisation, state="proposals")

    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)

    schedule = re.search(r'<table class="table table--stack">\s*<caption[^>]*>Phases.*?</table>', html, re.DOTALL)
    assert schedule, "the schedule is a stacking table"
    cells = re.findall(r"<td([^>]*)>", schedule.group(0))
    assert len(cells) == 8  # four phases, a start and an end each
    assert {re.search(r'data-label="([^"]+)"', cell).group(1) for cell in cells} == {"Starts", "Ends"}
