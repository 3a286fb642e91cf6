"""Tie-breaking: a total order on projects used whenever a rule must choose between equals.

Every rule receives ``tie_breaking`` (one of :data:`TIE_BREAKINGS`) and turns it into a sort key with
:func:`tie_key`. The chosen order is recorded in the outcome, so a re-run is bit-for-bit identical.

- ``file-order``: the order of the PROJECTS section (this is how pabulib files list projects, and it
  reproduces the officially announced results);
- ``cost-asc`` / ``cost-desc``: cheaper (or dearer) first, then file order;
- ``id``: project ids compared as numbers where they are numeric, else as text;
- ``id-text``: project ids compared as text ("10" before "9"): pabutools' default lexicographic order.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Election

TIE_BREAKINGS = ("file-order", "cost-asc", "cost-desc", "id", "id-text")


def _id_key(project_id: str) -> tuple[int, int | str]:
    return (0, int(project_id)) if project_id.isdigit() else (1, project_id)


def tie_ranks(election: Election, tie_breaking: str) -> list[int]:
    """``ranks[i]``: the position of project ``i`` in the tie-breaking order (0 wins ties)."""
    projects = election.projects
    keys: dict[str, Callable[[int], object]] = {
        "file-order": lambda i: i,
        "cost-asc": lambda i: (projects[i].cost, i),
        "cost-desc": lambda i: (-projects[i].cost, i),
        "id": lambda i: (_id_key(projects[i].id), i),
        "id-text": lambda i: (projects[i].id, i),
    }
    if tie_breaking not in keys:
        raise ValueError(f"unknown tie-breaking {tie_breaking!r}; use one of {', '.join(TIE_BREAKINGS)}")
    order = sorted(range(len(projects)), key=keys[tie_breaking])
    ranks = [0] * len(projects)
    for position, index in enumerate(order):
        ranks[index] = position
    return ranks
