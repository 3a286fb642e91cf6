"""The results chart as numbers for an SVG the template draws (autoescaped, no JavaScript): one bar per
project, its length the project's votes, funded projects marked, with a sentence for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _, _n
from .operations import BudgetResults, ProjectResult

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
BAR_AREA = 300
WIDTH = LABEL_WIDTH + BAR_AREA + 80


@dataclass(frozen=True)
class Bar:
    label: str
    votes: int
    funded: bool
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    width: int
    label_width: int
    summary: str


def chart_for(view: BudgetResults) -> Chart:
    """Bars for the budget's projects (most votes first), scaled to the most-voted project."""
    projects = sorted(view.projects, key=lambda p: (-p.votes, p.id))
    top = max((p.votes for p in projects), default=0) or 1
    bars = [Bar(p.title, p.votes, p.funded, i * (BAR_HEIGHT + GAP), round(BAR_AREA * p.votes / top))
            for i, p in enumerate(projects)]
    funded = sum(1 for p in projects if p.funded)
    summary = " ".join([
        _n("Votes per project in %(budget)s: %(num)s project, %(funded)s funded.",
           "Votes per project in %(budget)s: %(num)s projects, %(funded)s funded.",
           len(projects), budget=view.budget.name, funded=funded),
        "; ".join(_bar_words(p) for p in projects),
    ])
    return Chart(bars, max(len(bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT), WIDTH, LABEL_WIDTH, summary)


def _bar_words(project: ProjectResult) -> str:
    votes = _n("%(num)s vote", "%(num)s votes", project.votes)
    if project.funded:
        return _("%(project)s: %(votes)s, funded", project=project.title, votes=votes)
    return _("%(project)s: %(votes)s", project=project.title, votes=votes)
