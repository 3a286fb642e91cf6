"""Tallying a round's budgets with their stored rules, through the adapter, and storing the outcomes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, select

from .. import __version__
from ..audit.keys import public_key_hex
from ..extensions import db
from ..i18n import _, _l, _n
from ..rounds import lifecycle
from ..rounds.events import EventKind, append_event
from ..rounds.lifecycle import Action, RoundError, require_action
from ..rounds.models import Budget, Round, RoundEvent, RoundState
from ..rounds.money import format_money, minor_to_text
from ..rounds.operations import transition_round
from ..rounds.voters import voter_record
from ..safecsv import csv_bytes
from ..tally import Election, RuleError, compute, jsonable, load_rules
from ..tally.explain import reason_in_words
from ..voting.models import Ballot
from .adapter import election_for_budget, money_scale, rule_params_for_budget
from .models import TallyResult


def tally_budget(budget: Budget) -> TallyResult:
    """Run the budget's rule on its counted ballots and store the outcome (replacing an earlier tally)."""
    election = election_for_budget(budget)
    params = rule_params_for_budget(budget)
    outcome = compute(budget.rule_id, election, **params)
    db.session.execute(delete(TallyResult).where(TallyResult.budget_id == budget.id))
    result = TallyResult(
        budget_id=budget.id,
        rule_id=outcome.rule,
        rule_params=jsonable(outcome.params),
        tie_breaking=outcome.tie_breaking,
        ballots_counted=election.num_voters,
        selected=[int(project_id) for project_id in outcome.selected],
        outcome=jsonable(outcome),
        pbvote_version=__version__,
    )
    db.session.add(result)
    db.session.flush()
    return result


def tally_round(round_: Round, actor: Any = None) -> list[TallyResult]:
    """Tally every budget of the round and log what each rule funded."""
    results = [tally_budget(budget) for budget in round_.budgets]
    append_event(round_, EventKind.TALLIED, actor, {
        "budgets": [
            {"budget_id": r.budget_id, "rule": r.rule_id, "params": r.rule_params, "tie_breaking": r.tie_breaking,
             "ballots": r.ballots_counted, "selected": r.selected, "spent": r.outcome.get("spent")}
            for r in results
        ],
        "pbvote_version": __version__,
    })
    return results


def result_for(budget: Budget) -> TallyResult | None:
    """The budget's stored tally, if it was tallied."""
    return db.session.scalar(select(TallyResult).where(TallyResult.budget_id == budget.id))


# --------------------------------------------------------------------------------------------------------------
# Publishing
# --------------------------------------------------------------------------------------------------------------

#: The event that publishes a round's results (in the round's hash-chained log).
RESULTS_PUBLISHED = "results_published"


class ResultsError(RoundError):
    """Something about results a user asked for that cannot be done (shown to them; never a 500)."""


def results_for_round(round_: Round) -> list[tuple[Budget, TallyResult | None]]:
    """Each budget of the round with its stored tally (None where it was never tallied)."""
    return [(budget, result_for(budget)) for budget in round_.budgets]


def _publication_payload(round_: Round, results: list[TallyResult], bundle_public: bool) -> dict[str, Any]:
    return {
        "public_key": public_key_hex(round_.id),
        "bundle_public": bundle_public,
        "budgets": [
            {"budget_id": r.budget_id, "rule": r.rule_id, "params": r.rule_params, "tie_breaking": r.tie_breaking,
             "ballots": r.ballots_counted, "selected": r.selected, "outcome_sha256": outcome_digest(r.outcome)}
            for r in results
        ],
        "pbvote_version": __version__,
    }


def outcome_digest(outcome: dict[str, Any]) -> str:
    """SHA-256 of an outcome's canonical JSON (what the publication event records for each budget)."""
    return hashlib.sha256(canonical_json(outcome).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: one spelling per value, for hashes and byte-identical files."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def publish_results(round_: Round, actor: Any, *, bundle_public: bool) -> Round:
    """Publish a tallied round: log the publication (the round's public key, each budget's outcome digest,
    whether the public may download the audit bundle) and move the round to ``published``."""
    require_action(round_, Action.PUBLISH, ResultsError)
    results = [result for _, result in results_for_round(round_)]
    if any(result is None for result in results):
        raise ResultsError(_("Every budget must be tallied before the results are published."))
    append_event(round_, RESULTS_PUBLISHED, actor, _publication_payload(round_, results, bundle_public))
    transition_round(round_, RoundState.PUBLISHED, actor, reason="publish")
    return round_


def record_imported_results(round_: Round, actor: Any = None) -> None:
    """An imported round is published as it is made: tally its file's ballots and log the publication (the
    bundle of a past round's public file is public too)."""
    results = tally_round(round_, actor)
    append_event(round_, RESULTS_PUBLISHED, actor, _publication_payload(round_, results, True))


@dataclass(frozen=True)
class Publication:
    """When and by whom a round's results were published, its public key and who may get the bundle."""

    published_at: datetime
    public_key: str
    bundle_public: bool


def publication_of(round_: Round) -> Publication | None:
    """The round's publication (from its event log), or None while the results are unpublished."""
    event = db.session.scalar(
        select(RoundEvent).where(RoundEvent.round_id == round_.id, RoundEvent.kind == RESULTS_PUBLISHED)
        .order_by(RoundEvent.sequence.desc()).limit(1)
    )
    if event is None:
        return None
    return Publication(event.created_at, event.payload["public_key"], bool(event.payload.get("bundle_public")))


def is_published(round_: Round) -> bool:
    return lifecycle.allows(round_, Action.VIEW_RESULTS)


# --------------------------------------------------------------------------------------------------------------
# What the pages show
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectResult:
    """One project of a budget's ballot: funded or not, its cost and how many ballots chose it."""

    id: int
    title: str
    cost: int
    votes: int
    funded: bool


@dataclass(frozen=True)
class BudgetResults:
    """A budget's published outcome as the results page shows it."""

    budget: Budget
    result: TallyResult
    projects: list[ProjectResult]
    trace: list[str]
    scale: int = 1  # minor units per money unit of the stored outcome (see adapter.money_scale)

    @property
    def funded(self) -> list[ProjectResult]:
        by_id = {project.id: project for project in self.projects}
        return [by_id[project_id] for project_id in self.result.selected if project_id in by_id]

    @property
    def spent(self) -> int:
        return sum(project.cost for project in self.funded)


def votes_per_project(election: Election) -> dict[str, int]:
    """How many ballots chose each project."""
    counts = dict.fromkeys((project.id for project in election.projects), 0)
    profile = election.profile
    for ballot, weight in zip(profile.ballots, profile.weights, strict=True):
        for index in ballot:
            counts[election.projects[index].id] += weight
    return counts


def budget_results(budget: Budget, result: TallyResult) -> BudgetResults:
    """The budget's projects (funded first, in the rule's order, then by votes) and its trace in words."""
    election = election_for_budget(budget)
    scale = money_scale(budget)
    votes = votes_per_project(election)
    selected = [str(project_id) for project_id in result.selected]
    projects = [
        ProjectResult(int(p.id), p.name, p.cost * scale, votes[p.id], p.id in selected) for p in election.projects
    ]
    order = {project_id: position for position, project_id in enumerate(selected)}
    projects.sort(key=lambda p: (not p.funded, order.get(str(p.id), 0), -p.votes, p.id))
    names = {p.id: p.name for p in election.projects}
    trace = [step_in_words(step, names, budget.round.currency, scale) for step in result.outcome.get("steps", [])]
    return BudgetResults(budget, result, projects, trace, scale)


def _amount(value: Any) -> Fraction:
    return Fraction(str(value))


#: How the results page names the trace's other steps.
STEP_NAMES = {"stop": _l("Stop"), "compare": _l("Comparison"), "budget": _l("Budget")}


def step_in_words(step: dict[str, Any], names: dict[str, str], currency: str, scale: int = 1) -> str:
    """One step of the stored trace in plain words, with money in the round's currency (the trace's amounts
    are money units of ``scale`` minor units each)."""

    def _money(value: Any, currency: str) -> str:
        return format_money(round(_amount(value) * scale), currency)

    title = names.get(str(step.get("project"))) or _("project %(id)s", id=step.get("project"))
    details = step.get("details") or {}
    cost = _money(step.get("cost"), currency) if step.get("cost") is not None else ""
    reason = reason_in_words(step.get("reason") or "")
    if step["action"] == "select":
        if "price_per_voter" in details:
            supporters = details["supporters"]
            return _n("Funded: %(project)s — %(num)s voter paid %(price)s each for its %(cost)s.",
                      "Funded: %(project)s — %(num)s voters paid %(price)s each for its %(cost)s.",
                      supporters, project=title,
                      price=_money(details["price_per_voter"], currency), cost=cost)
        if "supporters" in details:
            supporters = details["supporters"]
            return _n("Funded: %(project)s — its %(num)s supporter shared its %(cost)s.",
                      "Funded: %(project)s — its %(num)s supporters shared its %(cost)s.",
                      supporters, project=title, cost=cost)
        left = details.get("remaining_after")
        votes = _n("%(num)s vote", "%(num)s votes", step.get("support") or 0)
        if left is None:
            return _("Funded: %(project)s (%(votes)s) costs %(cost)s.", project=title, votes=votes, cost=cost)
        return _("Funded: %(project)s (%(votes)s) costs %(cost)s; %(left)s left.", project=title, votes=votes,
                 cost=cost, left=_money(left, currency))
    if step.get("reason") in ("over-budget", "stop") and "remaining_before" in details:
        return _("Skipped: %(project)s costs %(cost)s, only %(left)s left.", project=title, cost=cost,
                 left=_money(details["remaining_before"], currency))
    if step["action"] == "skip":
        return _("Skipped: %(project)s — %(reason)s.", project=title, reason=reason or _("not funded"))
    if step["action"] == "budget" and "per_voter_budget" in details:
        share = _money(details["per_voter_budget"], currency)
        if reason:
            return _("Each voter's equal share was set to %(share)s: %(reason)s.", share=share, reason=reason)
        return _("Each voter's equal share was set to %(share)s.", share=share)
    action = str(STEP_NAMES[step["action"]]) if step["action"] in STEP_NAMES else step["action"].capitalize()
    return f"{action}: {reason}." if reason else f"{action}."


# --------------------------------------------------------------------------------------------------------------
# Comparing rules (the council's preview; anyone's once published)
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleComparison:
    """What one rule would fund with the budget's ballots, against the stored outcome."""

    rule_id: str
    selected: list[int]
    spent: int
    voters_with_funded_project: int
    voters: int
    added: list[int]  # funded by this rule, not by the stored outcome
    removed: list[int]  # funded by the stored outcome, not by this rule
    equal_share: Fraction | None  # MES: each voter's share of the budget
    error: str = ""

    @property
    def share_with_funded(self) -> float:
        return self.voters_with_funded_project / self.voters if self.voters else 0.0


def _voters_with_funded(election: Election, selected: set[str]) -> int:
    profile = election.profile
    chosen = {election.index_of[project_id] for project_id in selected}
    return sum(weight for ballot, weight in zip(profile.ballots, profile.weights, strict=True)
               if chosen.intersection(ballot))


def compare_rules(budget: Budget, result: TallyResult, rule_ids: list[str]) -> list[RuleComparison]:
    """The stored outcome and each other rule of the registry side by side (rules run with their defaults;
    a rule that cannot read these ballots says why instead)."""
    election = election_for_budget(budget)
    scale = money_scale(budget)
    stored = [str(project_id) for project_id in result.selected]
    comparisons = []
    for rule_id in rule_ids:
        try:
            params = rule_params_for_budget(budget) if rule_id == result.rule_id else {}
            outcome = compute(rule_id, election, **params)
        except RuleError as error:
            comparisons.append(RuleComparison(rule_id, [], 0, 0, election.num_voters, [], [], None, str(error)))
            continue
        selected = list(outcome.selected)
        equal_share = Fraction(budget.amount, election.num_voters) if rule_id == "mes" and election.num_voters \
            else None
        comparisons.append(RuleComparison(
            rule_id, [int(p) for p in selected], outcome.spent * scale, _voters_with_funded(election, set(selected)),
            election.num_voters, [int(p) for p in selected if p not in stored],
            [int(p) for p in stored if p not in selected], equal_share,
        ))
    return comparisons


def comparable_rules(result: TallyResult) -> list[str]:
    """The stored rule first, then the registry's rules people compare most (greedy and MES), then the rest."""
    rules = load_rules()
    ordered = [rule for rule in dict.fromkeys([result.rule_id, "greedy", "mes"]) if rule in rules]
    return ordered + sorted(rule for rule in rules if rule not in ordered)


# --------------------------------------------------------------------------------------------------------------
# A voter's own ballot
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotStory:
    """What one voter's ballot achieved: their projects, funded or not, and under MES what their share paid."""

    budget: Budget
    choices: list[ProjectResult]
    payments: list[tuple[ProjectResult, Fraction]]  # MES: projects the voter's share paid for, and how much
    share: Fraction | None  # MES: the voter's equal share of the budget

    @property
    def funded(self) -> list[ProjectResult]:
        return [choice for choice in self.choices if choice.funded]


def ballot_story(view: BudgetResults, ballot: Ballot) -> BallotStory:
    """Which of the ballot's projects were funded and, under MES, where the voter's share went: each funded
    project the ballot supports took the price per voter the trace records, or what was left of the share."""
    by_id = {project.id: project for project in view.projects}
    choices = [by_id[choice] for choice in ballot.choices if choice in by_id]
    payments: list[tuple[ProjectResult, Fraction]] = []
    share = None
    steps = view.result.outcome.get("steps", [])
    if view.result.rule_id == "mes":
        shares = [_amount(s["details"]["per_voter_budget"]) * view.scale for s in steps
                  if s["action"] == "budget" and "per_voter_budget" in s.get("details", {})]
        share = shares[-1] if shares else Fraction(view.budget.amount, max(view.result.ballots_counted, 1))
        left = share
        mine = set(ballot.choices)
        for step in steps:
            details = step.get("details") or {}
            if step["action"] == "select" and "price_per_voter" in details and int(step["project"]) in mine:
                paid = min(left, _amount(details["price_per_voter"]) * view.scale)
                left -= paid
                payments.append((by_id[int(step["project"])], paid))
    return BallotStory(view.budget, choices, payments, share)


def voter_ballot(budget: Budget, user: Any) -> Ballot | None:
    """The signed-in user's counted ballot in this budget, if they voted in it."""
    voter = voter_record(budget.round, user)
    if voter is None:
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.voter_id == voter.id, Ballot.superseded_at.is_(None))
    )


# --------------------------------------------------------------------------------------------------------------
# Tracking codes and downloads
# --------------------------------------------------------------------------------------------------------------


def normalise_tracking_code(text: str) -> str:
    """What a voter typed → the bare code (upper case, no spaces or dashes)."""
    return re.sub(r"[\s-]", "", text or "").upper()


def check_tracking_code(round_: Round, text: str) -> Budget | None:
    """The budget whose counted ballots include this tracking code, or None. Says nothing about the ballot."""
    code = normalise_tracking_code(text)
    if not code:
        return None
    return db.session.scalar(
        select(Budget).join(Ballot, Ballot.budget_id == Budget.id)
        .where(Budget.round_id == round_.id, Ballot.tracking_code == code, Ballot.superseded_at.is_(None))
    )


RESULTS_CSV_HEADER = ["budget", "project_id", "project", "cost", "votes", "funded", "rule"]


def results_csv(round_: Round) -> bytes:
    """Every budget's projects with cost (in the currency's units), votes and whether funded (formula-safe)."""
    rows = []
    for budget, result in results_for_round(round_):
        if result is None:
            continue
        for project in budget_results(budget, result).projects:
            rows.append([budget.name, project.id, project.title, minor_to_text(project.cost, round_.currency),
                         project.votes, "yes" if project.funded else "no", result.rule_id])
    return csv_bytes(RESULTS_CSV_HEADER, rows)


def results_document(round_: Round) -> dict[str, Any]:
    """The round's results as JSON data: per budget the rule, parameters, tie-breaking, pbvote version, the
    funded projects and the full outcome with its trace (the same ``results.json`` the audit bundle holds)."""
    budgets = []
    for budget, result in results_for_round(round_):
        if result is None:
            continue
        budgets.append({
            "budget_id": budget.id, "budget": budget.name, "amount": budget.amount, "rule": result.rule_id,
            "params": result.rule_params, "tie_breaking": result.tie_breaking, "ballots": result.ballots_counted,
            "selected": result.selected, "pbvote_version": result.pbvote_version, "outcome": result.outcome,
        })
    return {"round_id": round_.id, "round": round_.name, "currency": round_.currency, "budgets": budgets}
