"""``pbvote tally FILE.pb``: run a rule on a pabulib file from the command line (click only, no Flask).

Also runnable as ``python -m pbvote.tally.cli FILE.pb …``, which skips importing the other ``pbvote`` commands.

Exit codes: 0 done (with ``--check-official``: the file's META rule reproduces its ``selected`` column);
1 ``--check-official`` found a difference, or a match only under another rule or parameters than the META
rule's (it then says which documented variants reproduce the official selection, if any: see
:mod:`pbvote.tally.official`); 2 the command could not run (missing, unreadable or malformed file, unknown
rule, bad parameter) — with a one-line reason on stderr, never a traceback.

What the reader normalised (a project listed twice on an approval ballot) is said on stderr as a warning;
``--strict`` refuses such a file instead (exit 2).
"""

from __future__ import annotations

import csv
import ctypes
import gc
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import pabulib
from .explain import explain
from .model import Election, Money, Outcome, jsonable, money_text
from .official import OfficialCheck, official_selection
from .official import check_official as check_against_official
from .rules import RuleError, compute, load_rules, rule_for_meta

# Set before NumPy is first imported (by the rules that use it, or by the reader for a big file); an explicit
# setting is kept. A tally is one thread of work, and the rules' NumPy dot products are short: BLAS threads only
# compete for the cores (on a busy machine they made MES + add1u take 40 % more CPU time). And the arrays of a
# big file live for a fraction of a second: asking the kernel for huge pages for them (NumPy's default) costs
# more in page-fault compaction than it saves (a greedy tally of 1,000,000 ballots: 15-20 % more CPU time).
for _variable, _value in (
    ("OPENBLAS_NUM_THREADS", "1"),
    ("OMP_NUM_THREADS", "1"),
    ("MKL_NUM_THREADS", "1"),
    ("NUMPY_MADVISE_HUGEPAGE", "0"),
):
    os.environ.setdefault(_variable, _value)


# glibc's mallopt() parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _keep_freed_memory() -> None:
    """Have glibc's malloc keep the big blocks a tally frees, for the next arrays to reuse.

    A tally of a big file makes and drops many arrays of tens of megabytes. By default glibc gives each its
    own mmap and returns it to the kernel when freed, so every page of the next one is faulted in and zeroed
    again (4 KiB pages, see above): 15-20 % of the CPU time of a greedy, MES or Phragmén tally of a million
    ballots. Kept in the heap, the memory is reused (peak RSS grows by about 70 MiB there). Linux only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 1 << 30)  # blocks below 1 GiB come from the heap, not from mmap
    mallopt(_M_TRIM_THRESHOLD, 1 << 30)  # and the heap keeps up to 1 GiB freed at its top


class TallyCommandError(click.ClickException):
    """A reason the command cannot run; click prints ``Error: <reason>`` on stderr."""

    exit_code = 2


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Run with the cyclic garbage collector off: a tally makes hundreds of thousands of small objects and
    no cyclic garbage worth collecting, and every collection would walk all of them again (a third of a
    rule's run time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@click.command("tally")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rule", "rule_id", metavar="ID", help="Rule id (default: the file's META rule).")
@click.option(
    "--param",
    "param_texts",
    multiple=True,
    metavar="KEY=VALUE",
    help="A rule parameter, e.g. --param groups=773,153 or --param tie_breaking=cost-asc. Repeatable.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text for people, json (one object) or csv (one row per project).",
)
@click.option(
    "--explain",
    "with_explanation",
    is_flag=True,
    help="Explain every step in plain language (text: instead of the summary; json: an 'explanation' field; "
    "csv: on stderr).",
)
@click.option(
    "--check-official",
    is_flag=True,
    help="Compare with the file's `selected` column; exit 1 listing the differences and the documented "
    "variants of the rule that reproduce it.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse a file whose ballots must be normalised (an approval ballot listing a project twice).",
)
@_cyclic_gc_paused()
def tally_command(
    file: Path,
    rule_id: str | None,
    param_texts: tuple[str, ...],
    output_format: str,
    with_explanation: bool,
    check_official: bool,
    strict: bool,
) -> None:
    """Compute the outcome of a participatory-budgeting election stored as a pabulib .pb FILE."""
    _keep_freed_memory()
    try:
        election = pabulib.load(file, strict=strict)
    except pabulib.PabulibError as error:
        raise TallyCommandError(f"{file}: {error}") from None
    except OSError as error:
        raise TallyCommandError(f"cannot read {file}: {error.strerror or error}") from None

    for warning in election.warnings:
        click.echo(f"Warning: {warning}", err=True)
    params = _parse_params(param_texts)
    rule_id, params = _choose_rule(election, rule_id, params)
    if check_official and official_selection(election) is None:
        raise TallyCommandError("--check-official needs a 'selected' column in PROJECTS; this file has none")
    outcome = _run(rule_id, election, params)

    verdict = None
    if check_official:
        try:
            verdict = check_against_official(election, rule_id, params, outcome.selected)
        except Exception as error:  # noqa: BLE001 — as for the rule itself: a reason, never a traceback
            raise TallyCommandError(
                f"checking the variants failed: {type(error).__name__}: {error}"
            ) from None
    if output_format == "json":
        click.echo(json.dumps(_json_object(outcome, election, verdict, with_explanation), ensure_ascii=False))
    elif output_format == "csv":
        click.echo(_csv_text(outcome, election), nl=False)
        if with_explanation:  # keep stdout pure CSV
            click.echo(explain(outcome, election), err=True)
    else:
        click.echo(explain(outcome, election) if with_explanation else _summary(outcome, election))

    if verdict is not None:
        click.echo(_official_text(verdict, election, rule_id, len(outcome.selected)), err=True)
        if not verdict.passed:
            click.get_current_context().exit(1)


def _run(rule_id: str, election: Election, params: dict[str, Any]) -> Outcome:
    try:
        return compute(rule_id, election, **params)
    except RuleError as error:
        raise TallyCommandError(str(error)) from None
    except Exception as error:  # noqa: BLE001 — a rule's own bug must still not print a traceback at the user
        raise TallyCommandError(f"rule {rule_id!r} failed: {type(error).__name__}: {error}") from None


def _official_text(check: OfficialCheck, election: Election, rule_id: str, count: int) -> str:
    """What ``--check-official`` found, for people (stderr)."""
    meta_rule = election.meta.get("rule", "").strip()
    lines = []
    if check.matches:
        lines.append(f"Matches the official result ({count} projects selected).")
        if not check.under_meta_rule:
            lines.append(
                f"  but with {rule_id} as asked, not the file's META rule {meta_rule!r} as it stands"
            )
    else:
        lines.append("Differs from the official result:")
        if check.missing:
            lines.append(f"  officially selected, not selected here: {', '.join(check.missing)}")
        if check.extra:
            lines.append(f"  selected here, not officially: {', '.join(check.extra)}")
    if not check.passed:
        if check.reproduced_by:
            lines.append(f"Reproduced by {len(check.reproduced_by)} of {check.tried} documented variants:")
            lines.extend(f"  {label}" for label in check.reproduced_by)
        else:
            lines.append(
                f"None of {check.tried} documented variants of {meta_rule or rule_id!r} reproduces it."
            )
    lines.extend(f"Note: {note}" for note in check.notes)
    return "\n".join(lines)


def _parse_params(texts: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for text in texts:
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            raise TallyCommandError(f"--param {text!r} must look like key=value")
        params[key.strip()] = value
    return params


def _choose_rule(
    election: Election, rule_id: str | None, params: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """The rule to run and its parameters: --rule, else the file's META rule (whose params --param overrides)."""
    from_meta = rule_for_meta(election.meta)
    if rule_id is None:
        if from_meta is None:
            known = ", ".join(sorted(load_rules()))
            raise TallyCommandError(
                f"the file's META rule {election.meta.get('rule', '')!r} names no rule pbvote knows; "
                f"choose one with --rule (known: {known})"
            )
        rule_id = from_meta[0]
    if from_meta is not None and from_meta[0] == rule_id:
        params = {**from_meta[1], **params}
    return rule_id, params


def _json_object(
    outcome: Outcome,
    election: Election,
    official: OfficialCheck | None,
    with_explanation: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": outcome.rule,
        "params": jsonable(outcome.params),
        "tie_breaking": outcome.tie_breaking,
        "selected": [str(pid) for pid in outcome.selected],
        "spent": _json_money(outcome.spent),
        "budget": _json_money(outcome.budget),
        "num_voters": election.num_voters,
        "warnings": election.warnings,
        "steps": jsonable(outcome.steps),
    }
    if official is not None:
        data["official"] = {
            "matches": official.matches,
            "missing": official.missing,
            "extra": official.extra,
            "under_meta_rule": official.under_meta_rule,
            "reproduced_by": official.reproduced_by,
            "variants_tried": official.tried,
            "notes": official.notes,
        }
    if with_explanation:
        data["explanation"] = explain(outcome, election)
    return data


def _csv_text(outcome: Outcome, election: Election) -> str:
    """One row per project, in file order: id, name, cost, support, selected flag, selection order, last reason."""
    last_step = {step.project: step for step in outcome.steps if step.project is not None}
    order = {pid: position for position, pid in enumerate(outcome.selected, start=1)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["project_id", "name", "cost", "support", "selected", "selection_order", "reason"])
    for project in election.projects:
        step = last_step.get(project.id)
        support = "" if step is None or step.support is None else jsonable(step.support)
        writer.writerow(
            [
                project.id,
                project.name,
                money_text(project.cost),
                support,
                1 if project.id in order else 0,
                order.get(project.id, ""),
                "" if step is None else step.reason,
            ]
        )
    return buffer.getvalue()


def _summary(outcome: Outcome, election: Election) -> str:
    names = {project.id: project for project in election.projects}
    params = ", ".join(f"{key}={value}" for key, value in outcome.params.items() if value not in (None, ""))
    lines = [
        f"{election.meta.get('description', '')} — rule {outcome.rule}" + (f" ({params})" if params else ""),
        f"{election.num_voters:,} voters, {len(election.projects)} projects, budget {_money(outcome.budget)}",
        (
            f"Selected {len(outcome.selected)} projects, spending {_money(outcome.spent)} "
            f"({_money(outcome.budget - outcome.spent)} left):"
        ),
    ]
    for position, pid in enumerate(outcome.selected, start=1):
        project = names[pid]
        lines.append(f"{position:>3}. {pid}  {_money(project.cost):>12}  {project.name}")
    lines.append(f"Ties broken by {outcome.tie_breaking}.")
    return "\n".join(lines)


def _json_money(value: Money) -> int | str:
    """Money in JSON: a whole amount as a number, a decimal one as its exact decimal text ("2458488.22")."""
    return value if isinstance(value, int) else money_text(value)


def _money(value: Money) -> str:
    """Money for people: thousands separated, decimals as exact as the file gives them."""
    whole, dot, decimals = money_text(value).partition(".")
    if "/" in whole:
        return whole
    return f"{int(whole):,}{dot}{decimals}"


if (
    __name__ == "__main__"
):  # `python -m pbvote.tally.cli FILE.pb …`: the same command without the web app's CLI
    tally_command(prog_name="python -m pbvote.tally.cli")
