"""The delivery chart as numbers for an SVG the template draws (autoescaped, no JavaScript, no inline styles):
one bar per funded project, its full length the project's cost and its filled part what was spent so far
(capped at the cost; an overrun is marked and said in words), with a sentence for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _, _n
from ..rounds.money import format_money
from .operations import Delivery

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
BAR_AREA = 300
WIDTH = LABEL_WIDTH + BAR_AREA + 200


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # "€1,200.00 of €4,000.00 (30 %)", drawn after the bar
    y: int
    width: int  # the filled part
    over_cost: bool


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int
    label_width: int
    bar_area: int
    summary: str


def chart_for(delivery: Delivery, currency: str) -> Chart:
    """Bars for the funded projects in the delivery page's order."""
    bars = []
    sentences = []
    for i, project in enumerate(delivery.projects):
        share = min(project.spent / project.cost, 1) if project.cost else 0
        status = project.status.label if project.status else _("No update yet")
        value = _("%(spent)s of %(cost)s (%(percent)s %%)", spent=format_money(project.spent, currency),
                  cost=format_money(project.cost, currency), percent=project.percent_spent)
        if project.over_cost:
            label = _("%(value)s over cost", value=value)
            sentence = _("%(title)s: %(status)s, spent %(value)s, more than its cost", title=project.proposal.title,
                         status=status, value=value)
        else:
            label = value
            sentence = _("%(title)s: %(status)s, spent %(value)s", title=project.proposal.title, status=status,
                         value=value)
        bars.append(Bar(project.proposal.title, label, i * (BAR_HEIGHT + GAP), round(BAR_AREA * share),
                        project.over_cost))
        sentences.append(sentence)
    summary = " ".join((
        _n("Money spent so far on the %(num)d funded project, against its cost.",
           "Money spent so far on each of the %(num)d funded projects, against its cost.", len(bars)),
        "; ".join(sentences) + ("." if sentences else ""),
    ))
    return Chart(bars, max(len(bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT), WIDTH, LABEL_WIDTH, BAR_AREA, summary)
