"""What councils do with rounds: create and edit them, their budgets, ballot settings and schedule, and move
them through the lifecycle — each change checked against the state machine and appended to the event log.

Operations flush; the caller (a view inside ``write_transaction()``, the CLI, the demo) commits.
"""

from __future__ import annotations

import functools
import itertools
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date
from flask_babel import get_locale
from sqlalchemy import Engine, bindparam, event, select
from sqlalchemy.orm import Session, joinedload

from ..accounts.models import Organisation
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, _, _n, number
from . import lifecycle
from .events import EventKind, append_event
from .lifecycle import Action, IllegalTransition, RoundError, require_action
from .models import (
    PHASE_STATES,
    BallotType,
    Budget,
    BudgetScope,
    Category,
    District,
    Phase,
    Round,
    RoundState,
    as_utc,
    utcnow,
)
from .money import CURRENCIES, MAX_MINOR_UNITS, format_money

NAME_MAX = 150
PLACE_NAME_MAX = 100
#: Ballot limits: picks and ranks count projects on one ballot; points stay far below a 32-bit column.
MAX_BALLOT_PROJECTS = 1_000
MAX_POINTS = 1_000_000
#: Scheduled phases fall within these years: every time zone can show them (year 1 or 9999 would overflow
#: when converted to UTC or back), and no round is planned further ahead.
MIN_SCHEDULE_YEAR = 2000
MAX_SCHEDULE_YEAR = 2999
#: Zone names zoneinfo knows that are not places: a build artefact ("Factory", shown as "-00"), whatever the
#: server's clock uses ("localtime"), and the POSIX and leap-second copies of the real zones.
PSEUDO_ZONES = ("Factory", "localtime", "posixrules")
PSEUDO_ZONE_FOLDERS = ("posix/", "right/")


class RoundValidationError(RoundError):
    """Input that cannot be saved; ``errors`` maps a form field to a message for the person."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise RoundValidationError(errors)


# ------------------------------------------------------------------------------------------------------------
# Round settings
# ------------------------------------------------------------------------------------------------------------


@dataclass
class RoundSettings:
    """What a council sets on a round (districts and categories as lists of names, in display order)."""

    name: str
    description: str = ""
    currency: str = "EUR"
    timezone: str = "UTC"
    districts: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    open_registration: bool = True


def valid_timezone(name: str) -> bool:
    """True for an IANA zone name zoneinfo knows (``Europe/Amsterdam``), never for a bare offset or a pseudo
    zone (``Factory``, ``localtime``, ``posix/…``)."""
    if not name or name not in available_timezones() and name != "UTC":
        return False
    if name in PSEUDO_ZONES or name.startswith(PSEUDO_ZONE_FOLDERS):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clean_names(names: list[str], field_name: str, label: str, errors: dict[str, str]) -> list[str]:
    """``label`` is the translated "names too long" message, with ``%(max)s`` and ``%(name)s`` left to fill."""
    cleaned = [name.strip() for name in names if name and name.strip()]
    seen: set[str] = set()
    for name in cleaned:
        if len(name) > PLACE_NAME_MAX:
            errors[field_name] = label % {"max": PLACE_NAME_MAX, "name": name[:30]}
        if name.casefold() in seen:
            errors[field_name] = _("“%(name)s” is listed twice.", name=name)
        seen.add(name.casefold())
    return cleaned


def _validate_settings(settings: RoundSettings) -> RoundSettings:
    errors: dict[str, str] = {}
    name = (settings.name or "").strip()
    if not name:
        errors["name"] = _("Give the round a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("The name has at most %(max)s characters.", max=NAME_MAX)
    currency = (settings.currency or "").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = _("Choose a currency by its three-letter ISO code (EUR, USD, PLN …).")
    zone = (settings.timezone or "").strip()
    if not valid_timezone(zone):
        errors["timezone"] = _("Choose a time zone by its IANA name, like Europe/Amsterdam.")
    districts = _clean_names(settings.districts, "districts",
                             _("District names have at most %(max)s characters: “%(name)s…”."), errors)
    categories = _clean_names(settings.categories, "categories",
                              _("Category names have at most %(max)s characters: “%(name)s…”."), errors)
    _raise_if(errors)
    return RoundSettings(
        name=name,
        description=(settings.description or "").strip(),
        currency=currency,
        timezone=zone,
        districts=districts,
        categories=categories,
        open_registration=bool(settings.open_registration),
    )


def _sync_places(round_: Round, model: type, current: list, names: list[str], field_name: str) -> list[str]:
    """Make ``current`` (districts or categories) match ``names``; refuse to remove one still in use."""
    by_name = {place.name.casefold(): place for place in current}
    wanted = {name.casefold() for name in names}
    for place in list(current):
        if place.name.casefold() not in wanted:
            if _place_in_use(place):
                raise RoundValidationError(
                    {field_name: _("“%(name)s” is used by a budget, proposal or voter and cannot be removed.",
                                   name=place.name)}
                )
            current.remove(place)
    for position, name in enumerate(names):
        place = by_name.get(name.casefold())
        if place is None:
            current.append(model(name=name, position=position))
        else:
            place.name, place.position = name, position
    return names


def _place_in_use(place: District | Category) -> bool:
    """Whether any row refers to this district or category (budgets, proposals, voters …)."""
    if place.id is None:
        return False
    column = "district_id" if isinstance(place, District) else "category_id"
    for table in db.metadata.sorted_tables:
        if table.name in ("district", "category") or column not in table.c:
            continue
        foreign = table.c[column]
        refers_here = any(fk.column.table.name == place.__tablename__ for fk in foreign.foreign_keys)
        if refers_here and db.session.execute(select(foreign).where(foreign == place.id).limit(1)).first():
            return True
    return False


def _settings_snapshot(round_: Round) -> dict[str, Any]:
    return {
        "name": round_.name,
        "description": round_.description,
        "currency": round_.currency,
        "timezone": round_.timezone,
        "districts": [d.name for d in round_.districts],
        "categories": [c.name for c in round_.categories],
        "open_registration": round_.open_registration,
    }


def create_round(organisation: Organisation, actor: Any, settings: RoundSettings) -> Round:
    """A new draft round of ``organisation``; logged as the first event of its log."""
    clean = _validate_settings(settings)
    round_ = Round(
        organisation_id=organisation.id,
        name=clean.name,
        description=clean.description,
        currency=clean.currency,
        timezone=clean.timezone,
        open_registration=clean.open_registration,
        state=RoundState.DRAFT.value,
        created_by_id=getattr(actor, "id", None),
    )
    round_.districts = [District(name=n, position=i) for i, n in enumerate(clean.districts)]
    round_.categories = [Category(name=n, position=i) for i, n in enumerate(clean.categories)]
    db.session.add(round_)
    db.session.flush()
    append_event(round_, EventKind.ROUND_CREATED, actor, {"settings": _settings_snapshot(round_)})
    return round_


def update_round(round_: Round, actor: Any, settings: RoundSettings) -> Round:
    """Change a round's settings (before voting opens); logs what changed."""
    require_action(round_, Action.EDIT_SETTINGS)
    clean = _validate_settings(settings)
    if clean.currency != round_.currency and round_.budgets:
        raise RoundValidationError({"currency": _("Remove the budgets before changing the currency.")})
    before = _settings_snapshot(round_)
    round_.name, round_.description = clean.name, clean.description
    round_.currency, round_.timezone = clean.currency, clean.timezone
    round_.open_registration = clean.open_registration
    _sync_places(round_, District, round_.districts, clean.districts, "districts")
    _sync_places(round_, Category, round_.categories, clean.categories, "categories")
    db.session.flush()
    after = _settings_snapshot(round_)
    changes = {key: {"from": before[key], "to": after[key]} for key in after if before[key] != after[key]}
    if changes:
        append_event(round_, EventKind.SETTINGS_CHANGED, actor, {"changes": changes})
    return round_


# ------------------------------------------------------------------------------------------------------------
# Budgets and ballot settings
# ------------------------------------------------------------------------------------------------------------


@dataclass
class BudgetInput:
    """A budget as a council enters it (amounts already in minor units)."""

    name: str
    scope: str = BudgetScope.CITYWIDE.value
    district_id: int | None = None
    category_id: int | None = None
    amount: int | None = None
    min_project_cost: int = 0
    max_project_cost: int | None = None


def _validate_budget(round_: Round, data: BudgetInput, budget: Budget | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (data.name or "").strip():
        errors["name"] = _("Give the budget a name (e.g. “Citywide” or the district's name).")
    elif len(data.name.strip()) > NAME_MAX:
        errors["name"] = _("The name has at most %(max)s characters.", max=NAME_MAX)
    if data.scope not in {scope.value for scope in BudgetScope}:
        errors["scope"] = _("Choose citywide, one district or one category.")
    elif data.scope == BudgetScope.DISTRICT.value and data.district_id not in {d.id for d in round_.districts}:
        errors["district_id"] = _("Choose one of the round's districts.")
    elif data.scope == BudgetScope.CATEGORY.value and data.category_id not in {c.id for c in round_.categories}:
        errors["category_id"] = _("Choose one of the round's categories.")
    too_large = _("At most %(amount)s.", amount=format_money(MAX_MINOR_UNITS, round_.currency))
    if data.amount is None or data.amount <= 0:
        errors["amount"] = _("The budget must be more than zero.")
    elif data.amount > MAX_MINOR_UNITS:
        errors["amount"] = too_large
    if data.min_project_cost is None or data.min_project_cost < 0:
        errors["min_project_cost"] = _("The minimum project cost cannot be negative.")
    elif data.min_project_cost > MAX_MINOR_UNITS:
        errors["min_project_cost"] = too_large
    if data.max_project_cost is not None:
        if data.min_project_cost is not None and data.max_project_cost < data.min_project_cost:
            errors["max_project_cost"] = _("The maximum project cost is below the minimum.")
        elif data.amount is not None and data.max_project_cost > data.amount:
            errors["max_project_cost"] = _("The maximum project cost is above the budget itself.")
    if not errors:
        target = (data.scope, _target_id(data))
        for other in round_.budgets:
            if other is not budget and (other.scope, _target_id(other)) == target:
                errors["scope"] = _("The budget “%(budget)s” already covers that.", budget=other.name)
    return errors


def _target_id(item: Any) -> int | None:
    if item.scope == BudgetScope.DISTRICT.value:
        return item.district_id
    if item.scope == BudgetScope.CATEGORY.value:
        return item.category_id
    return None


def _budget_snapshot(budget: Budget) -> dict[str, Any]:
    return {
        "budget_id": budget.id,
        "name": budget.name,
        "scope": budget.scope,
        "district": budget.district.name if budget.district else None,
        "category": budget.category.name if budget.category else None,
        "amount": budget.amount,
        "min_project_cost": budget.min_project_cost,
        "max_project_cost": budget.max_project_cost,
    }


def _apply_budget(budget: Budget, data: BudgetInput) -> None:
    budget.name = data.name.strip()
    budget.scope = data.scope
    budget.district_id = data.district_id if data.scope == BudgetScope.DISTRICT.value else None
    budget.category_id = data.category_id if data.scope == BudgetScope.CATEGORY.value else None
    budget.amount = data.amount
    budget.min_project_cost = data.min_project_cost or 0
    budget.max_project_cost = data.max_project_cost


def add_budget(round_: Round, actor: Any, data: BudgetInput) -> Budget:
    """Add a budget to the round (before voting opens)."""
    require_action(round_, Action.EDIT_SETTINGS)
    _raise_if(_validate_budget(round_, data, None))
    budget = Budget(rule_id="greedy", rule_params={}, ballot_type=BallotType.APPROVAL.value)
    _apply_budget(budget, data)
    round_.budgets.append(budget)
    db.session.flush()
    db.session.refresh(budget)
    append_event(round_, EventKind.BUDGET_ADDED, actor, _budget_snapshot(budget))
    return budget


def update_budget(budget: Budget, actor: Any, data: BudgetInput) -> Budget:
    """Change a budget's amount, scope or cost limits (before voting opens)."""
    round_ = budget.round
    require_action(round_, Action.EDIT_SETTINGS)
    _raise_if(_validate_budget(round_, data, budget))
    before = _budget_snapshot(budget)
    _apply_budget(budget, data)
    db.session.flush()
    db.session.refresh(budget)
    after = _budget_snapshot(budget)
    if before != after:
        changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        append_event(round_, EventKind.SETTINGS_CHANGED, actor, {"budget_id": budget.id, "changes": changes})
    return budget


def remove_budget(budget: Budget, actor: Any) -> None:
    """Remove a budget (before voting opens)."""
    round_ = budget.round
    require_action(round_, Action.EDIT_SETTINGS)
    snapshot = _budget_snapshot(budget)
    round_.budgets.remove(budget)
    db.session.flush()
    append_event(round_, EventKind.BUDGET_REMOVED, actor, snapshot)


@dataclass
class BallotSettings:
    """A budget's ballot: type and its limits, the allocation rule and its parameters, and the explanation."""

    ballot_type: str
    rule_id: str
    rule_params: dict[str, Any] = field(default_factory=dict)
    explanation: str = ""
    min_picks: int | None = None
    max_picks: int | None = None
    min_ranks: int | None = None
    max_ranks: int | None = None
    points_per_rank: list[int] | None = None
    min_spend_percent: int | None = None
    points_total: int | None = None
    points_per_project_max: int | None = None


#: The fields each ballot type uses; the others are cleared when the type is saved.
BALLOT_FIELDS = {
    BallotType.APPROVAL.value: ("min_picks", "max_picks"),
    BallotType.RANKED.value: ("min_ranks", "max_ranks", "points_per_rank"),
    BallotType.KNAPSACK.value: ("min_spend_percent",),
    BallotType.POINTS.value: ("points_total", "points_per_project_max"),
}
ALL_BALLOT_FIELDS = tuple(name for names in BALLOT_FIELDS.values() for name in names)

#: The tally registry's vote type for each ballot type (pbvote.tally.model.VOTE_TYPES).
TALLY_VOTE_TYPE = {
    BallotType.APPROVAL.value: "approval",
    BallotType.RANKED.value: "ordinal",
    BallotType.KNAPSACK.value: "approval",  # a knapsack ballot is an approval set that fits the budget
    BallotType.POINTS.value: "cumulative",
}


def _validate_ballot(data: BallotSettings) -> tuple[dict[str, str], dict[str, Any]]:
    from ..tally.rules import RuleError, get_rule

    errors: dict[str, str] = {}
    resolved: dict[str, Any] = {}
    kind = data.ballot_type
    if kind not in BALLOT_FIELDS:
        errors["ballot_type"] = _("Choose approval, ranked, knapsack or points.")
        return errors, resolved

    def positive(name: str, missing: str, out_of_range: str, *, zero_ok: bool = False,
                 high: int = MAX_BALLOT_PROJECTS) -> None:
        """``out_of_range`` is a translated message with ``%(low)s`` and ``%(high)s`` left to fill."""
        value = getattr(data, name)
        low = 0 if zero_ok else 1
        if value is None:
            errors[name] = missing
        elif not low <= value <= high:
            errors[name] = out_of_range % {"low": low, "high": number(high)}

    if kind == BallotType.APPROVAL.value:
        positive("min_picks", _("Enter the minimum number of picks."),
                 _("The minimum number of picks must be between %(low)s and %(high)s."), zero_ok=True)
        positive("max_picks", _("Enter the maximum number of picks."),
                 _("The maximum number of picks must be between %(low)s and %(high)s."))
        if not errors and data.max_picks < data.min_picks:
            errors["max_picks"] = _("The maximum number of picks is below the minimum.")
    elif kind == BallotType.RANKED.value:
        positive("min_ranks", _("Enter the minimum number of ranked projects."),
                 _("The minimum number of ranked projects must be between %(low)s and %(high)s."))
        positive("max_ranks", _("Enter the maximum number of ranked projects."),
                 _("The maximum number of ranked projects must be between %(low)s and %(high)s."))
        if not errors and data.max_ranks < data.min_ranks:
            errors["max_ranks"] = _("The maximum number of ranks is below the minimum.")
        points = data.points_per_rank or []
        if not errors:
            if len(points) != data.max_ranks:
                errors["points_per_rank"] = _n("Give points for the one rank (e.g. 3).",
                                               "Give points for each of the %(num)s ranks (e.g. 3, 2, 1).",
                                               data.max_ranks)
            elif any(not 0 <= p <= MAX_POINTS for p in points):
                errors["points_per_rank"] = _("Points per rank must be between 0 and %(max)s.",
                                              max=number(MAX_POINTS))
            elif any(a < b for a, b in itertools.pairwise(points)):
                errors["points_per_rank"] = _("Points must not be negative and must not rise down the ranking.")
            elif points[0] <= 0:
                errors["points_per_rank"] = _("The first rank must earn at least one point.")
    elif kind == BallotType.KNAPSACK.value:
        value = data.min_spend_percent
        if value is None or not 0 <= value <= 100:
            errors["min_spend_percent"] = _("Enter the share of the budget a ballot must spend, between 0 and 100 %.")
    elif kind == BallotType.POINTS.value:
        positive("points_total", _("Enter the points each voter distributes."),
                 _("The points each voter distributes must be between %(low)s and %(high)s."), high=MAX_POINTS)
        positive("points_per_project_max", _("Enter the most points one project may get."),
                 _("The most points one project may get must be between %(low)s and %(high)s."), high=MAX_POINTS)
        if not errors and data.points_per_project_max > data.points_total:
            errors["points_per_project_max"] = _("A project cannot get more points than a voter has.")

    try:
        spec = get_rule(data.rule_id)
    except RuleError as error:
        errors["rule_id"] = str(error)
    else:
        vote_type = TALLY_VOTE_TYPE[kind]
        if vote_type not in spec.vote_types:
            errors["rule_id"] = _("The rule “%(rule)s” cannot count %(kind)s ballots.", rule=spec.id,
                                  kind=BallotType(kind).label.lower())
        try:
            resolved = spec.resolve_params(dict(data.rule_params or {}))
        except RuleError as error:
            errors["rule_params"] = str(error)
    if len(data.explanation or "") > 5000:
        errors["explanation"] = _("The explanation has at most %(max)s characters.", max=number(5000))
    return errors, resolved


def update_ballot_settings(budget: Budget, actor: Any, data: BallotSettings) -> Budget:
    """Set a budget's ballot settings. Refused once voting has opened: a ballot never changes mid-vote."""
    round_ = budget.round
    require_action(round_, Action.EDIT_BALLOT_SETTINGS)
    errors, resolved = _validate_ballot(data)
    _raise_if(errors)
    before = ballot_snapshot(budget)
    budget.ballot_type = data.ballot_type
    for name in ALL_BALLOT_FIELDS:
        setattr(budget, name, getattr(data, name) if name in BALLOT_FIELDS[data.ballot_type] else None)
    budget.rule_id = data.rule_id
    budget.rule_params = resolved
    budget.explanation = (data.explanation or "").strip()
    db.session.flush()
    after = ballot_snapshot(budget)
    if before != after:
        changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
        append_event(round_, EventKind.BALLOT_SETTINGS_CHANGED, actor, {"budget_id": budget.id, "changes": changes})
    return budget


def ballot_snapshot(budget: Budget) -> dict[str, Any]:
    """A budget's ballot settings as plain data (logged, and handed to the voting feature)."""
    return {
        "ballot_type": budget.ballot_type,
        **{name: getattr(budget, name) for name in ALL_BALLOT_FIELDS},
        "rule_id": budget.rule_id,
        "rule_params": dict(budget.rule_params or {}),
        "explanation": budget.explanation,
    }


def describe_ballot(budget: Budget, currency: str) -> str:
    """A plain-language sentence telling residents how to fill in this budget's ballot."""
    kind = budget.ballot_type
    if kind == BallotType.APPROVAL.value:
        low, high = budget.min_picks or 0, budget.max_picks
        if high is None and not low:
            return _("Tick every project you support.")
        if high is None:
            return _n("Tick every project you support, at least %(num)s project.",
                      "Tick every project you support, at least %(num)s projects.", low)
        if low and low == high:
            return _n("Tick exactly %(num)s project you support.", "Tick exactly %(num)s projects you support.", high)
        if not low:
            return _n("Tick the projects you support, at most %(num)s project.",
                      "Tick the projects you support, at most %(num)s projects.", high)
        return _("Tick the projects you support: at least %(low)s and at most %(high)s.", low=low, high=high)
    if kind == BallotType.RANKED.value:
        points = ", ".join(str(p) for p in budget.points_per_rank or [])
        low, high = budget.min_ranks or 1, budget.max_ranks
        if low == high:
            return _n("Rank exactly %(num)s project, your favourite first. Your ranks earn %(points)s points in "
                      "that order.",
                      "Rank exactly %(num)s projects, your favourite first. Your ranks earn %(points)s points in "
                      "that order.", high, points=points)
        return _("Rank between %(low)s and %(high)s projects, your favourite first. Your ranks earn %(points)s "
                 "points in that order.", low=low, high=high, points=points)
    if kind == BallotType.KNAPSACK.value:
        share = budget.min_spend_percent or 0
        total = format_money(budget.amount, currency)
        if not share:
            return _("Choose projects whose costs together fit within %(total)s.", total=total)
        return _("Choose projects whose costs together fit within %(total)s, spending at least %(share)s %% of it "
                 "(%(minimum)s).", total=total, share=share,
                 minimum=format_money(budget.amount * share // 100, currency))
    if kind == BallotType.POINTS.value:
        return _("Share %(points)s points among the projects you support, at most %(most)s for one project.",
                 points=budget.points_total, most=budget.points_per_project_max)
    return ""


# ------------------------------------------------------------------------------------------------------------
# Schedule and transitions
# ------------------------------------------------------------------------------------------------------------


def to_utc(local: datetime | None, zone: str) -> datetime | None:
    """A naive local time in the round's time zone → an aware UTC time."""
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def to_local(moment: datetime | None, zone: str) -> datetime | None:
    """A stored UTC time shown in the round's time zone (in UTC when the zone cannot hold it: a time stored
    before schedules were limited to :data:`MIN_SCHEDULE_YEAR`–:data:`MAX_SCHEDULE_YEAR` must not break pages)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (OverflowError, ValueError, ZoneInfoNotFoundError):
        return moment.astimezone(UTC)


def local_time_text(moment: datetime | None, zone: str) -> str:
    """A stored UTC time in words, in the round's time zone and the request's language ("4 May 2026, 09:00
    CEST", "4 maja 2026, 09:00 CEST"); "not scheduled" for none. The zone's abbreviation is the same in every
    language."""
    local = to_local(moment, zone)
    if local is None:
        return _("not scheduled")
    day = format_date(local, "d MMMM y", locale=get_locale() or DEFAULT_LOCALE)
    return f"{day}, {local:%H:%M %Z}"


def when_voting_opens(round_: Round) -> str:
    """When the round's voting phase is, in a sentence for voters, from its state and its schedule."""
    state = RoundState(round_.state)
    phase = round_.phase_for(RoundState.VOTING)
    if state == RoundState.VOTING:
        if phase is not None and phase.ends_at is not None:
            return _("Voting is open until %(moment)s.", moment=local_time_text(phase.ends_at, round_.timezone))
        return _("Voting is open now.")
    if list(RoundState).index(state) > list(RoundState).index(RoundState.VOTING):
        return _("Voting in this round has closed.")
    if phase is not None and phase.starts_at is not None:
        return _("Voting opens on %(moment)s.", moment=local_time_text(phase.starts_at, round_.timezone))
    return _("Voting has not opened yet; the council has not set its date.")


def schedule_year_error(moment: datetime | None) -> str | None:
    """Why ``moment`` cannot be a phase's start or end, or None when it can."""
    if moment is not None and not MIN_SCHEDULE_YEAR <= moment.year <= MAX_SCHEDULE_YEAR:
        return _("Choose a time between the years %(first)s and %(last)s.", first=MIN_SCHEDULE_YEAR,
                 last=MAX_SCHEDULE_YEAR)
    return None


def set_schedule(
    round_: Round, actor: Any, windows: dict[RoundState, tuple[datetime | None, datetime | None]]
) -> Round:
    """Set the start and end (aware datetimes, or None) of each phase; phases must follow one another."""
    require_action(round_, Action.EDIT_SCHEDULE)
    errors: dict[str, str] = {}
    previous_end: datetime | None = None
    previous: RoundState | None = None
    for state in PHASE_STATES:
        starts, ends = windows.get(state, (None, None))
        for edge, moment in (("starts_at", starts), ("ends_at", ends)):
            if (problem := schedule_year_error(moment)) is not None:
                errors[f"{state.value}_{edge}"] = problem
        if starts and ends and ends <= starts:
            errors[f"{state.value}_ends_at"] = _("The %(phase)s phase must end after it starts.",
                                                 phase=state.label.lower())
        first = starts or ends
        if first and previous_end and first < previous_end:
            errors[f"{state.value}_starts_at"] = _("The %(phase)s phase starts before the %(previous)s phase ends.",
                                                   phase=state.label.lower(), previous=previous.label.lower())
        if ends or starts:
            previous_end, previous = ends or starts, state
    _raise_if(errors)
    before = schedule_snapshot(round_)
    for state in PHASE_STATES:
        starts, ends = windows.get(state, (None, None))
        phase = round_.phase_for(state)
        if starts is None and ends is None:
            if phase is not None:
                round_.phases.remove(phase)
            continue
        if phase is None:
            phase = Phase(state=state.value)
            round_.phases.append(phase)
        phase.starts_at, phase.ends_at = starts, ends
    db.session.flush()
    after = schedule_snapshot(round_)
    if before != after:
        append_event(round_, EventKind.SCHEDULE_CHANGED, actor, {"from": before, "to": after})
    return round_


def schedule_snapshot(round_: Round) -> dict[str, list[str | None]]:
    """Each scheduled phase's [start, end] in UTC ISO format."""

    def iso(moment: datetime | None) -> str | None:
        moment = to_local(moment, "UTC")
        return moment.isoformat() if moment else None

    return {phase.state: [iso(phase.starts_at), iso(phase.ends_at)] for phase in round_.phases}


def transition_round(
    round_: Round, to_state: RoundState | str, actor: Any = None, *, reason: str = "manual", now: datetime | None = None
) -> Round:
    """Move the round to ``to_state`` if the state machine allows it; logged with who and why.

    ``reason`` is "manual" (a council member confirmed it), "scheduled" (its time came) or the name of the
    operation that made it (e.g. "tally", "publish", "import").
    """
    target = RoundState(to_state)
    current = round_.state_enum
    if round_.imported and reason != "import":
        raise IllegalTransition(_("“%(round)s” was imported from a file and is read-only.", round=round_.name))
    if not lifecycle.can_transition(current, target):
        allowed = ", ".join(state.label.lower() for state in lifecycle.TRANSITIONS[current]) or _("nothing")
        raise IllegalTransition(
            _("A round in the %(phase)s phase cannot move to %(target)s (it can move to: %(allowed)s).",
              phase=current.label.lower(), target=target.label.lower(), allowed=allowed)
        )
    if reason == "manual" and target not in lifecycle.manual_next_states(round_):
        raise IllegalTransition(_("Moving to %(target)s happens through its own step, not by hand.",
                                  target=target.label.lower()))
    if target == RoundState.PROPOSALS and not round_.budgets:
        raise IllegalTransition(_("Add at least one budget before opening the round for proposals."))
    round_.state = target.value
    round_.state_changed_at = now or utcnow()
    db.session.flush()
    append_event(
        round_, EventKind.TRANSITION, actor, {"from": current.value, "to": target.value, "reason": reason}
    )
    return round_


def due_transition(round_: Round, now: datetime) -> RoundState | None:
    """The state the round is due to move to at ``now`` by its schedule, if any."""
    if round_.imported:
        return None
    current = round_.state_enum
    current_phase = round_.phase_for(current)
    for target in lifecycle.TRANSITIONS[current]:
        if (current, target) not in lifecycle.SCHEDULABLE:
            continue
        phase = round_.phase_for(target)
        if phase is not None and phase.starts_at_utc is not None and phase.starts_at_utc <= now:
            return target
    # The current phase has ended and the next phase has no start time of its own: move on at its end.
    if current_phase is not None and current_phase.ends_at_utc is not None and current_phase.ends_at_utc <= now:
        for target in lifecycle.TRANSITIONS[current]:
            if (current, target) in lifecycle.SCHEDULABLE:
                phase = round_.phase_for(target)
                if phase is None or phase.starts_at_utc is None:
                    if target == RoundState.DELIBERATION and phase is None:
                        continue  # deliberation is optional: without a window of its own, go on to voting
                    return target
    return None


def apply_due_transitions(round_: Round, now: datetime | None = None) -> list[RoundState]:
    """Make every transition the schedule says is due (a round may be several phases behind); flushes.

    Transitions that cannot happen (e.g. no budget yet) stop the catch-up and are left for a person.
    """
    now = now or utcnow()
    made: list[RoundState] = []
    while (target := due_transition(round_, now)) is not None:
        try:
            transition_round(round_, target, None, reason="scheduled", now=now)
        except RoundError:
            break
        made.append(target)
    if voting_due_to_close(round_, now):
        from ..voting.operations import close_voting  # voting builds on rounds

        close_voting(round_, None, reason="scheduled")
        made.append(RoundState.TALLIED)
    return made


def voting_due_to_close(round_: Round, now: datetime) -> bool:
    """Voting is open and its phase's end has passed: closing (which tallies) is due."""
    if round_.imported or round_.state_enum != RoundState.VOTING:
        return False
    phase = round_.phase_for(RoundState.VOTING)
    return phase is not None and phase.ends_at_utc is not None and phase.ends_at_utc <= now


@functools.cache
def _schedule_query():
    """A round's state and phase times as plain values (built once: it runs before every round request)."""
    return (
        select(Round.state, Round.imported, Phase.state, Phase.starts_at, Phase.ends_at)
        .outerjoin(Phase, Phase.round_id == Round.id)
        .where(Round.id == bindparam("round_id"))
    )


#: How long a worker trusts a round's schedule once read, in seconds. A change this process commits to a round
#: or its phases is seen at once (:func:`_forget_committed_schedules`); one committed by another process (a
#: council editing dates on the other worker) within this time. A round closed or moved by hand is seen at
#: once everywhere: casting reads the round's state itself.
SCHEDULE_TRUST_SECONDS = 2.0


@dataclass(frozen=True)
class _ScheduleSeen:
    """What a worker learnt from a round's schedule: nothing is due before ``next_due`` (None: never, until the
    schedule changes), as read at ``read_at`` (``time.monotonic()``)."""

    read_at: float
    next_due: datetime | None


_schedules_seen: weakref.WeakKeyDictionary[Engine, dict[int, _ScheduleSeen]] = weakref.WeakKeyDictionary()


def may_be_due(round_id: int, now: datetime) -> bool:
    """Whether the round's schedule may make a transition due at ``now``: one query for plain values, no
    objects (it runs before every request naming a round), and none at all while the schedule this worker read
    in the last :data:`SCHEDULE_TRUST_SECONDS` says nothing is due before a later moment. False only when
    nothing can be due: no start of a phase that follows the current one and no end of the current phase has
    passed — the conditions every due transition and every due close needs."""
    seen_here = _schedules_seen.setdefault(db.engine, {})
    seen = seen_here.get(round_id)
    if seen is not None and time.monotonic() - seen.read_at < SCHEDULE_TRUST_SECONDS and (
            seen.next_due is None or now < seen.next_due):
        return False
    read_at = time.monotonic()
    rows = db.session.execute(_schedule_query(), {"round_id": round_id}).all()
    if not rows:
        return False
    if rows[0][1]:  # imported: its schedule is history
        seen_here[round_id] = _ScheduleSeen(read_at, None)
        return False
    current = RoundState(rows[0][0])
    following = {target.value for target in lifecycle.TRANSITIONS[current]}
    moments = [as_utc(moment) for _, _, state, starts, ends in rows for moment in (
        starts if state in following else None, ends if state == current.value else None) if moment is not None]
    if any(moment <= now for moment in moments):
        return True
    seen_here[round_id] = _ScheduleSeen(read_at, min(moments, default=None))
    return False


@event.listens_for(Session, "after_flush")
def _note_changed_schedules(session: Session, _flush_context) -> None:
    """Remember which rounds' states or phases this session changes; what it remembers is forgotten by every
    worker of this process at its next commit (after a rollback too: once more than needed, never too few)."""
    changed = {obj.id if isinstance(obj, Round) else obj.round_id
               for obj in itertools.chain(session.new, session.dirty, session.deleted) if isinstance(obj, Round | Phase)}
    if changed:
        session.info.setdefault("pbvote_changed_schedules", set()).update(changed)


@event.listens_for(Session, "after_commit")
def _forget_committed_schedules(session: Session) -> None:
    for round_id in session.info.pop("pbvote_changed_schedules", ()):
        for seen_here in _schedules_seen.values():
            seen_here.pop(round_id, None)


def refresh_round(round_id: int, now: datetime | None = None) -> Round | None:
    """Load a round and apply its due scheduled transitions (committed at once); None when there is none.

    Called before every request that names a round, so phases change on time even without ``pbvote tick``.
    """
    from ..database import write_transaction

    round_ = db.session.get(Round, round_id, options=[joinedload(Round.phases)])  # one query, not two
    moment = now or utcnow()
    if round_ is None or round_.imported or (
        due_transition(round_, moment) is None and not voting_due_to_close(round_, moment)
    ):
        return round_
    with write_transaction():
        round_ = db.session.get(Round, round_id, populate_existing=True, with_for_update=True)
        apply_due_transitions(round_, now)
    return round_


def tick(now: datetime | None = None) -> list[tuple[Round, list[RoundState]]]:
    """Apply due transitions of every round (for cron); returns the rounds that moved and where to."""
    from ..database import write_transaction

    now = now or utcnow()
    moved: list[tuple[Round, list[RoundState]]] = []
    open_states = [s.value for s in RoundState if s not in (RoundState.PUBLISHED, RoundState.ARCHIVED)]
    round_ids = db.session.scalars(
        select(Round.id).where(Round.state.in_(open_states), Round.imported.is_(False)).order_by(Round.id)
    ).all()
    for round_id in round_ids:
        with write_transaction():
            # Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises): a tick running at the same time
            # waits, then sees the new state, so each transition is made once.
            round_ = db.session.get(Round, round_id, populate_existing=True, with_for_update=True)
            made = apply_due_transitions(round_, now)
        if made:
            moved.append((round_, made))
    return moved


# ------------------------------------------------------------------------------------------------------------
# Queries
# ------------------------------------------------------------------------------------------------------------


def rounds_of(organisation_id: int, *, include_drafts: bool) -> list[Round]:
    """The organisation's rounds, newest first; drafts only for its council."""
    query = select(Round).where(Round.organisation_id == organisation_id)
    if not include_drafts:
        query = query.where(Round.state != RoundState.DRAFT.value)
    return list(db.session.scalars(query.order_by(Round.created_at.desc(), Round.id.desc())))


def organisation_id_of_round(round_id: int) -> int | None:
    """Resolver for routes with ``<round_id>``: the round's organisation id (None: no such round)."""
    return db.session.scalar(select(Round.organisation_id).where(Round.id == round_id))


def budget_for(round_: Round, district_id: int | None, category_id: int | None) -> Budget | None:
    """The budget a project in this district/category competes in: the district's, the category's, or the
    citywide budget, in that order."""
    by_scope = {(b.scope, _target_id(b)): b for b in round_.budgets}
    return (
        by_scope.get((BudgetScope.DISTRICT.value, district_id))
        or by_scope.get((BudgetScope.CATEGORY.value, category_id))
        or by_scope.get((BudgetScope.CITYWIDE.value, None))
    )
