"""Importing a past round from a pabulib ``.pb`` file as a published, read-only round.

The file's projects become feasible proposals, its budget a citywide budget, its vote type and limits the
ballot settings, and its META ``rule`` the allocation rule. pbvote recomputes the outcome with
:mod:`pbvote.tally`; when the file has a ``selected`` column the import is refused unless the two agree, so an
imported round never shows a result pbvote cannot reproduce. The file itself is kept verbatim (ballots
included) in :class:`RoundImport`, so anyone can recompute the outcome later.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from ..accounts.models import Organisation, User
from ..extensions import db
from ..i18n import _, number
from .events import EventKind, append_event
from .models import BallotType, Budget, BudgetScope, Round, RoundImport, RoundState
from .money import CURRENCIES, MAX_MINOR_UNITS, exponent

MAX_FILE_BYTES = 20 * 1024 * 1024
#: Rule used when the file names none pbvote knows ("unknown", a city's own variant): plain greedy, the most
#: common rule in pabulib.
FALLBACK_RULE = "greedy"


class ImportError_(Exception):
    """A file that cannot become a round (the message says why, for the council member or the CLI)."""


def _file_selected(election) -> list[str] | None:
    """Project ids the file marks as selected, or None when it has no ``selected`` column."""
    if "selected" not in election.project_columns:
        return None
    return [p.id for p in election.projects if (p.fields.get("selected") or "").strip() not in ("", "0")]


def _ballot_settings(election) -> dict[str, Any]:
    """Ballot settings that describe how the file's ballots were cast."""
    meta, count = election.meta, len(election.projects)

    def meta_int(key: str, default: int | None) -> int | None:
        try:
            return int(float(meta[key]))
        except (KeyError, ValueError):
            return default

    low, high = meta_int("min_length", None), meta_int("max_length", None)
    kind = election.vote_type
    if kind == "ordinal":
        top = min(high or count, count)
        return {"ballot_type": BallotType.RANKED.value, "min_ranks": max(low or 1, 1), "max_ranks": top,
                "points_per_rank": list(range(top, 0, -1))}
    if kind in ("cumulative", "scoring"):
        total = meta_int("max_sum_points", None) or meta_int("max_points", 10) * count
        return {"ballot_type": BallotType.POINTS.value, "points_total": total,
                "points_per_project_max": min(meta_int("max_points", total) or total, total)}
    return {"ballot_type": BallotType.APPROVAL.value, "min_picks": low or 0, "max_picks": min(high or count, count)}


def import_round(
    organisation: Organisation, actor: Any, data: bytes, filename: str, *, name: str | None = None
) -> Round:
    """Create a published, read-only round of ``organisation`` from ``.pb`` bytes; flushes, the caller commits."""
    from ..tally import pabulib
    from ..tally.rules import RuleError, compute, rule_for_meta

    if not data:
        raise ImportError_(_("Choose a .pb file to import."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportError_(_("The file is larger than %(size)s MB.", size=MAX_FILE_BYTES // (1024 * 1024)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportError_(_("The file is not UTF-8 text; is it really a pabulib .pb file?")) from None
    try:
        election = pabulib.loads(text)
    except pabulib.PabulibError as error:
        raise ImportError_(_("The file is not a valid pabulib file: %(error)s.", error=error)) from None
    if not election.projects:
        raise ImportError_(_("The file has no projects."))

    currency = (election.meta.get("currency") or "EUR").strip().upper()
    if currency not in CURRENCIES:
        raise ImportError_(_("The file's currency %(currency)s is not one pbvote knows.", currency=repr(currency)))
    scale = 10 ** exponent(currency)
    # the reader keeps decimal amounts exact (Fractions); a round stores whole minor units
    if any(amount * scale % 1 for amount in (election.budget, *(project.cost for project in election.projects))):
        raise ImportError_(_("The file gives amounts in smaller units than %(currency)s has.", currency=currency))
    largest = max([election.budget, *(project.cost for project in election.projects)])
    if largest * scale > MAX_MINOR_UNITS:
        raise ImportError_(_("The file's budget or a project's cost (%(amount)s %(currency)s) is too large: pbvote "
                             "keeps amounts up to %(max)s %(currency)s.", amount=f"{int(largest):,}",
                             max=number(MAX_MINOR_UNITS // scale), currency=currency))

    known = rule_for_meta(election.meta)
    rule_id, params = known if known else (FALLBACK_RULE, {})
    try:
        outcome = compute(rule_id, election, **params)
    except RuleError as error:
        raise ImportError_(_("pbvote cannot count this file's ballots: %(error)s.", error=error)) from None
    computed = list(outcome.selected)
    recorded = _file_selected(election)
    if recorded is not None and sorted(recorded) != sorted(computed):
        only_file = sorted(set(recorded) - set(computed))
        only_ours = sorted(set(computed) - set(recorded))
        raise ImportError_(
            _("Recomputing with %(rule)s does not reproduce the file's selected projects (only in the file: "
              "%(only_file)s; only recomputed: %(only_ours)s).", rule=rule_id,
              only_file=", ".join(only_file) or _("none"), only_ours=", ".join(only_ours) or _("none"))
        )

    meta = election.meta
    title = name or _title(meta) or filename
    round_ = Round(
        organisation_id=organisation.id,
        name=title.strip()[:150],
        description=_description(meta, filename),
        currency=currency,
        timezone="UTC",
        state=RoundState.PUBLISHED.value,
        imported=True,
        open_registration=False,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(round_)
    db.session.flush()
    amount = int(election.budget * scale)
    budget = Budget(
        round_id=round_.id, name="Budget", scope=BudgetScope.CITYWIDE.value, amount=amount, min_project_cost=0,
        max_project_cost=None, rule_id=rule_id, rule_params=get_params(rule_id, params),
        explanation=_rule_explanation(meta, rule_id, params, known is not None),
        **_ballot_settings(election),
    )
    db.session.add(budget)
    record = RoundImport(
        round_id=round_.id, filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(), content=text,
        rule_id=rule_id, computed_selected=computed, file_selected=recorded,
    )
    db.session.add(record)
    _create_proposals(round_, election, set(computed), scale, _author(organisation, actor))
    db.session.flush()
    append_event(
        round_,
        EventKind.ROUND_IMPORTED,
        actor,
        {"filename": filename[:255], "sha256": record.sha256, "rule_id": rule_id, "projects": len(election.projects),
         "voters": election.num_voters, "selected": computed, "matches_file": recorded is not None},
    )
    from ..results.operations import record_imported_results  # results build on rounds

    record_imported_results(round_, actor)
    return round_


def funded_projects(record: RoundImport) -> list[tuple[str, str]]:
    """(project id, name) of the projects the recomputed outcome funds, in selection order."""
    names = _project_names(record.sha256, record.content)
    return [(project_id, names.get(project_id, "")) for project_id in record.computed_selected]


@lru_cache(maxsize=32)
def _project_names(sha256: str, content: str) -> dict[str, str]:
    # Keyed by the file's hash too: the same text is parsed once per process, however often the page is read.
    from ..tally import pabulib

    return {project.id: project.name for project in pabulib.loads(content).projects}


def _description(meta: dict[str, str], filename: str) -> str:
    """Where the round comes from; the file's comment is its editors' notes ("#1: … #2: …"), said as such."""
    place = ", ".join(part for part in ((meta.get("country") or "").strip(), (meta.get("unit") or "").strip()) if part)
    notes = [note.strip() for note in re.split(r"#\d+:", meta.get("comment") or "") if note.strip()]
    return (f"Imported from the pabulib file {filename}" + (f" ({place})." if place else ".")
            + (f" Notes of the file's editors: {' '.join(notes)}" if notes else ""))


def _rule_explanation(meta: dict[str, str], rule_id: str, params: dict[str, Any], known: bool) -> str:
    """Which rule counts the round and why: the one the file records, or the fallback when pbvote has none."""
    from ..tally.explain import describe_rule

    described = describe_rule(rule_id, params)
    recorded = (meta.get("rule") or "").strip()
    if known:
        return f"Counted with {described}: the rule the file records (“{recorded}”)."
    if recorded in ("", "unknown"):
        return (f"The file does not record which rule chose its projects; pbvote counts it with {described}, "
                "the most common rule in pabulib.")
    return (f"The file records the rule “{recorded}”, which pbvote does not have; pbvote counts it with "
            f"{described}, the most common rule in pabulib.")


def _title(meta: dict[str, str]) -> str:
    """"Municipal PB in Kraków" + "2021"; the instance is left out when the description already holds it."""
    description, instance = (meta.get("description") or "").strip(), (meta.get("instance") or "").strip()
    return description if instance and instance in description else f"{description} {instance}".strip()


def get_params(rule_id: str, params: dict[str, Any]) -> dict[str, Any]:
    from ..tally.rules import get_rule

    return get_rule(rule_id).resolve_params(params)


def _author(organisation: Organisation, actor: Any) -> User:
    """Imported proposals need an author: the council member importing, or the organisation's import account."""
    if actor is not None and getattr(actor, "id", None) is not None:
        return actor
    email = f"imports@{organisation.slug}.invalid"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # An account nobody can sign in to (no password, reserved .invalid domain) that stands for the files.
        user = User(email=email, display_name=f"{organisation.name} (imported records)", password_hash=None,
                    organisation_id=organisation.id, active=False)
        db.session.add(user)
        db.session.flush()
    return user


def _create_proposals(round_: Round, election, selected: set[str], scale: int, author: User) -> None:
    """Every project of the file as a feasible proposal (the proposals feature's model, rows made directly:
    its operations refuse submissions outside the proposals phase, which is right for residents)."""
    from ..proposals.models import CostItem, Proposal, ProposalStatus, StatusChange

    for project in election.projects:
        title = (project.name or f"Project {project.id}").strip()[:150]
        description = (project.fields.get("description") or "").strip()
        summary = (description or title)[:500]
        proposal = Proposal(
            round_id=round_.id, author_id=author.id, title=title, summary=summary, description=description,
            total_cost=int(project.cost * scale), status=ProposalStatus.FEASIBLE.value,
            status_reason=(f"Imported project {project.id}: "
                           + ("funded." if project.id in selected else "not funded.")),
            location="", search_text=f"{title} {summary} {description}".casefold(),
        )
        proposal.cost_items.append(CostItem(position=1, description=f"Project {project.id}", amount=int(project.cost * scale)))
        proposal.status_changes.append(
            StatusChange(from_status=None, to_status=ProposalStatus.FEASIBLE.value, reason="Imported from a file.")
        )
        db.session.add(proposal)
