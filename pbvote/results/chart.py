"""The results chart as numbers for an SVG the template draws (autoescaped, no JavaScript): one bar per
project, its length the project's votes, funded projects marked, with a sentence for screen readers."""

from __future__ import annotations

from dataclasses import dataclass

from ..text import counted
from .operations import BudgetResults

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
    summary = (f"Votes per project in {view.budget.name}: {counted(len(projects), 'project')}, {funded} funded. "
               + "; ".join(f"{p.title}: {counted(p.votes, 'vote')}{', funded' if p.funded else ''}" for p in projects))
    return Chart(bars, max(len(bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT), WIDTH, LABEL_WIDTH, summary)
