"""``pbvote tally FILE.pb``: run a rule on a pabulib file from the command line (click only, no Flask).

Also runnable as ``python -m pbvote.tally.cli FILE.pb …``, which skips importing the other ``pbvote`` commands.

Exit codes: 0 done; 1 ``--check-official`` found differences from the file's ``selected`` column; 2 the
command could not run (missing or malformed file, unknown rule, bad parameter) — with a one-line reason on
stderr, never a traceback.
"""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from . import pabulib
from .explain import explain
from .model import Election, Outcome, jsonable
from .rules import RuleError, compute, load_rules, rule_for_meta


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
    help="Compare with the file's `selected` column; exit 1 listing the differences.",
)
@_cyclic_gc_paused()
def tally_command(
    file: Path,
    rule_id: str | None,
    param_texts: tuple[str, ...],
    output_format: str,
    with_explanation: bool,
    check_official: bool,
) -> None:
    """Compute the outcome of a participatory-budgeting election stored as a pabulib .pb FILE."""
    try:
        election = pabulib.load(file)
    except pabulib.PabulibError as error:
        raise TallyCommandError(f"{file}: {error}") from None
    except OSError as error:
        raise TallyCommandError(f"cannot read {file}: {error.strerror or error}") from None

    params = _parse_params(param_texts)
    rule_id, params = _choose_rule(election, rule_id, params)
    try:
        outcome = compute(rule_id, election, **params)
    except RuleError as error:
        raise TallyCommandError(str(error)) from None
    except Exception as error:  # noqa: BLE001 — a rule's own bug must still not print a traceback at the user
        raise TallyCommandError(f"rule {rule_id!r} failed: {type(error).__name__}: {error}") from None

    differences = _official_differences(election, outcome) if check_official else None
    if output_format == "json":
        click.echo(
            json.dumps(_json_object(outcome, election, differences, with_explanation), ensure_ascii=False)
        )
    elif output_format == "csv":
        click.echo(_csv_text(outcome, election), nl=False)
        if with_explanation:  # keep stdout pure CSV
            click.echo(explain(outcome, election), err=True)
    else:
        click.echo(explain(outcome, election) if with_explanation else _summary(outcome, election))

    if differences is not None:
        missing, extra = differences
        if missing or extra:
            click.echo("Differs from the official result:", err=True)
            if missing:
                click.echo(f"  officially selected, not selected here: {', '.join(missing)}", err=True)
            if extra:
                click.echo(f"  selected here, not officially: {', '.join(extra)}", err=True)
            click.get_current_context().exit(1)
        click.echo(f"Matches the official result ({len(outcome.selected)} projects selected).", err=True)


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


def _official_differences(election: Election, outcome: Outcome) -> tuple[list[str], list[str]]:
    """(officially selected but not here, selected here but not officially), each in file order."""
    if "selected" not in election.project_columns:
        raise TallyCommandError("--check-official needs a 'selected' column in PROJECTS; this file has none")
    official = {project.id for project in election.projects if project.fields["selected"].strip() == "1"}
    ours = set(outcome.selected)
    order = [project.id for project in election.projects]
    return [pid for pid in order if pid in official - ours], [pid for pid in order if pid in ours - official]


def _json_object(
    outcome: Outcome,
    election: Election,
    differences: tuple[list[str], list[str]] | None,
    with_explanation: bool,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": outcome.rule,
        "params": jsonable(outcome.params),
        "tie_breaking": outcome.tie_breaking,
        "selected": [str(pid) for pid in outcome.selected],
        "spent": outcome.spent,
        "budget": outcome.budget,
        "num_voters": election.num_voters,
        "steps": jsonable(outcome.steps),
    }
    if differences is not None:
        data["official"] = {
            "matches": not (differences[0] or differences[1]),
            "missing": differences[0],
            "extra": differences[1],
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
                project.cost,
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
        f"{election.num_voters:,} voters, {len(election.projects)} projects, budget {outcome.budget:,}",
        f"Selected {len(outcome.selected)} projects, spending {outcome.spent:,} ({outcome.budget - outcome.spent:,} left):",
    ]
    for position, pid in enumerate(outcome.selected, start=1):
        project = names[pid]
        lines.append(f"{position:>3}. {pid}  {project.cost:>12,}  {project.name}")
    lines.append(f"Ties broken by {outcome.tie_breaking}.")
    return "\n".join(lines)


if (
    __name__ == "__main__"
):  # `python -m pbvote.tally.cli FILE.pb …`: the same command without the web app's CLI
    tally_command(prog_name="python -m pbvote.tally.cli")
