"""Checking a file's official selection, and explaining a difference (``pbvote tally --check-official``).

A pabulib file's ``selected`` column is the outcome the city announced under its META ``rule``. When the rule
as pbvote reads it does not reproduce that selection, :func:`check_official` tries the documented variants of
the rule, each differing from it in one respect, and says which of them reproduce it (or that none does):

- for the greedy family: every tie-breaking; the score as votes, as points, or as the file's own ``score``
  column; for ranked ballots, every points-per-rank scheme; and the other greedy rules (skipping, no-skip,
  threshold);
- for the Method of Equal Shares: every tie-breaking; add1 as the pabulib checker or as pabutools runs it; a
  first per-voter budget of ``floor(B/n)`` or exactly ``B/n``; the comparison step counting funded projects,
  their cost or the rule's utility;
- for Phragmén: every tie-breaking, and stopping at or skipping a project that does not fit.

It also says what a file holds that may explain a difference: a ``score``/``votes`` column that disagrees with
the ballots, a ``comment`` that mentions conflicting or mutually exclusive projects the file does not encode
(the rule then needs ``groups=…``), and ballots the reader normalised. docs/pabulib-differences.md lists the
pabulib files known to differ, and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .model import Election
from .rules import RuleError, compute, get_rule, rule_for_meta
from .rules.greedy import published_differences
from .rules.ties import TIE_BREAKINGS

# Words a comment uses for projects that cannot both be funded (English and Polish, as pabulib files are).
_EXCLUSIVE_WORDS = re.compile(
    r"exclusive|conflict|simultaneous|at the same time|wyklucz|jednocze|kolid|koliz",
    re.IGNORECASE,
)
GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold", "greedy-exclusive")
# Parameters that complete the META rule rather than change it: the exclusive groups, which a file can only
# describe in its comment.
COMPLETING_PARAMS = ("groups",)


@dataclass
class OfficialCheck:
    """What ``--check-official`` found. ``matches``: the outcome checked equals the official selection;
    ``under_meta_rule``: that outcome is the META rule's own (no other rule or parameter was asked for);
    ``missing``/``extra``: officially selected but not here / selected here but not officially (file order);
    ``reproduced_by``: the variants tried that reproduce the selection (labels such as
    ``"mes add1_variant=pabutools"``), ``tried``: how many were tried; ``notes``: what else may explain a
    difference, in words."""

    matches: bool
    under_meta_rule: bool
    missing: list[str]
    extra: list[str]
    reproduced_by: list[str] = field(default_factory=list)
    tried: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """The official selection is the META rule's outcome (exit code 0)."""
        return self.matches and self.under_meta_rule


def official_selection(election: Election) -> set[str] | None:
    """The ids the file marks ``selected`` (1), or ``None`` when it has no ``selected`` column."""
    if "selected" not in election.project_columns:
        return None
    return {project.id for project in election.projects if project.fields.get("selected", "").strip() == "1"}


def differences(election: Election, official: set[str], selected: list[str]) -> tuple[list[str], list[str]]:
    """(officially selected but not in ``selected``, in ``selected`` but not officially), each in file order."""
    ours = set(selected)
    order = [project.id for project in election.projects]
    return [pid for pid in order if pid in official - ours], [pid for pid in order if pid in ours - official]


def check_official(
    election: Election, rule_id: str, params: dict[str, Any], selected: list[str], *, explain: bool = True
) -> OfficialCheck:
    """Compare ``selected`` (the outcome of ``rule_id`` with ``params``) with the file's official selection,
    and, unless it is the META rule's own and matches, try the documented variants (see the module
    docstring). The file must have a ``selected`` column (:func:`official_selection`)."""
    official = official_selection(election)
    if official is None:
        raise ValueError("the file has no 'selected' column")
    missing, extra = differences(election, official, selected)
    from_meta = rule_for_meta(election.meta)
    under_meta = from_meta is not None and from_meta[0] == rule_id and _same_params(from_meta[1], params)
    check = OfficialCheck(not (missing or extra), under_meta, missing, extra)
    base_rule, base_params = from_meta if from_meta is not None else (rule_id, params)
    check.notes = notes(election, base_rule, params)
    if check.passed or not explain:
        return check
    completing = {key: value for key, value in params.items() if key in COMPLETING_PARAMS}
    candidates = list(variants(election, base_rule, {**base_params, **completing}))
    if (
        from_meta is not None and not under_meta
    ):  # another rule or parameters were asked for: the META rule first
        candidates.insert(0, (f"{base_rule} (the file's META rule as it stands)", base_rule, base_params))
    for label, variant_rule, variant_params in candidates:
        check.tried += 1
        try:
            outcome = compute(variant_rule, election, **variant_params)
        except RuleError:
            continue
        if set(outcome.selected) == official:
            check.reproduced_by.append(label)
            if check.tried == 1 and from_meta is not None and not under_meta:
                break  # the META rule itself reproduces it: its variants say nothing more
    return check


def _same_params(meta_params: dict[str, str], params: dict[str, Any]) -> bool:
    """Whether ``params`` are the META rule's, give or take the completing ones."""
    return {key: str(value) for key, value in params.items() if key not in COMPLETING_PARAMS} == meta_params


def variants(election: Election, rule_id: str, params: dict[str, Any]) -> Iterator[tuple[str, str, dict]]:
    """(label, rule id, params) of the documented variants of ``rule_id`` with ``params``, each differing in
    one respect (see the module docstring). The label names the rule and what differs."""

    def variant(changes: dict[str, str], other_rule: str | None = None) -> tuple[str, str, dict]:
        name = other_rule or rule_id
        merged = {**params, **changes}
        if other_rule is not None:  # another rule of the family keeps only the parameters it takes
            merged = {
                key: value for key, value in merged.items() if key in get_rule(other_rule).param_by_name
            }
        said = " ".join(f"{key}={value}" for key, value in changes.items())
        return (f"{name} {said}".strip(), name, merged)

    current_ties = params.get("tie_breaking", "file-order")
    for tie_breaking in TIE_BREAKINGS:
        if tie_breaking != current_ties:
            yield variant({"tie_breaking": tie_breaking})
    if rule_id in GREEDY_RULES:
        scores = ["votes", "points", "file"]
        schemes = ["file", "max-length", "ballot-length", "borda"] if election.vote_type == "ordinal" else []
        for score in scores:
            if score != params.get("score", "auto"):
                yield variant({"score": score})
        for scheme in schemes:
            if scheme != params.get("points_scheme", "auto"):
                yield variant({"points_scheme": scheme})
        for other in ("greedy", "greedy-no-skip", "greedy-threshold"):
            if other != rule_id:
                yield variant({}, other)
    elif rule_id == "mes":
        for key, values in (
            ("add1_variant", ("pabutools", "checker")),
            ("budget_start", ("floor", "exact")),
            ("comparison_measure", ("count", "cost", "utility")),
            ("utility", ("cost", "cardinality")),
        ):
            if key in ("add1_variant", "budget_start") and params.get("completion") not in ("add1", "add1u"):
                continue
            if key == "budget_start" and params.get("add1_variant") == "checker":  # it starts at B/n anyway
                continue
            if key == "comparison_measure" and params.get("comparison") != "greedy":
                continue
            for value in values:
                if value != params.get(key, get_rule("mes").param_by_name[key].default):
                    yield variant({key: value})
    elif rule_id == "phragmen":
        yield variant({"overrun": "skip" if params.get("overrun", "stop") == "stop" else "stop"})


def notes(election: Election, rule_id: str, params: dict[str, Any]) -> list[str]:
    """What in the file may explain a difference from its official selection, in words."""
    found = list(election.warnings)
    if rule_id in GREEDY_RULES:
        scheme = str(params.get("points_scheme", "auto"))
        try:
            published = published_differences(election, scheme)
        except RuleError:  # a scheme these ballots cannot give (the rule itself said so)
            published = []
        if published:
            shown = "; ".join(
                f"project {pid}: {column} {value} published, {counted} from the ballots"
                for pid, column, value, counted in published[:10]
            )
            more = f" and {len(published) - 10} more" if len(published) > 10 else ""
            found.append(f"the file's published counts differ from its ballots ({shown}{more})")
            if election.vote_type == "ordinal" and all(column == "score" for _, column, _, _ in published):
                agreeing = [
                    other
                    for other in ("max-length", "ballot-length", "borda")
                    if other != scheme and not published_differences(election, other)
                ]
                if agreeing:
                    found.append(
                        f"the published scores are the ballots' points with points_scheme={agreeing[0]}"
                    )
    # the comment's numbered remarks ("#1: …") that speak of projects that cannot both be funded
    said = [part.strip() for part in re.split(r"#\d+:", election.meta.get("comment", ""))]
    said = [part for part in said if _EXCLUSIVE_WORDS.search(part)]
    if said and not params.get("groups"):
        found.append(
            "the file's comment mentions conflicting or mutually exclusive projects, which the file does not "
            "encode: name them with --rule greedy-exclusive --param groups=ID,ID (the comment: "
            f"{' '.join(said)!r})"
        )
    return found
