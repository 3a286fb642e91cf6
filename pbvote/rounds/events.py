"""The round's append-only, hash-chained event log.

Each event's hash is sha256 over the canonical JSON (sorted keys, no whitespace, UTF-8) of its fields —
round id, sequence, kind, actor, payload, time — followed by the previous event's hash. Changing, removing or
reordering any event breaks every hash after it, which :func:`verify_chain` detects.

Appends lock the round row first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite callers run inside
``write_transaction()``, i.e. BEGIN IMMEDIATE), so two concurrent appends cannot both build on the same
previous event: the unique (round_id, sequence) constraint is the last line of defence.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..i18n import _, _l
from .models import Round, RoundEvent, as_utc, utcnow
from .money import format_money

#: The "previous hash" of a round's first event.
GENESIS_HASH = "0" * 64


class EventKind:
    """The kinds of events a round logs."""

    ROUND_CREATED = "round_created"
    ROUND_IMPORTED = "round_imported"
    SETTINGS_CHANGED = "settings_changed"
    SCHEDULE_CHANGED = "schedule_changed"
    BALLOT_SETTINGS_CHANGED = "ballot_settings_changed"
    BUDGET_ADDED = "budget_added"
    BUDGET_REMOVED = "budget_removed"
    VOTERS_CHANGED = "voters_changed"
    VOTER_ROLL_IMPORTED = "voter_roll_imported"
    VOTER_CODES_GENERATED = "voter_codes_generated"
    TRANSITION = "transition"
    VOTING_CLOSED = "voting_closed"
    TALLIED = "tallied"
    # Paper ballots: each entry, then the outcome of the paper ballot (ids and counts only, never choices).
    PAPER_ENTRY_RECORDED = "paper_entry_recorded"
    PAPER_BALLOT_COUNTED = "paper_ballot_counted"
    PAPER_BALLOT_MISMATCHED = "paper_ballot_mismatched"
    PAPER_BALLOT_DISCARDED = "paper_ballot_discarded"
    # Deliberation's moderation acts (the public moderation log holds the same, for residents).
    COMMENT_AUTO_HIDDEN = "comment_auto_hidden"
    COMMENT_APPROVED = "comment_approved"
    COMMENT_HIDDEN = "comment_hidden"
    COMMENT_RESTORED = "comment_restored"
    COMMENT_HIDING_UPHELD = "comment_hiding_upheld"
    AUTHOR_BLOCKED = "author_blocked"


#: What the log page says for each kind (the kind itself, stored and hashed, stays as it is).
EVENT_KIND_LABELS = {
    EventKind.ROUND_CREATED: _l("round created"),
    EventKind.ROUND_IMPORTED: _l("round imported"),
    EventKind.SETTINGS_CHANGED: _l("settings changed"),
    EventKind.SCHEDULE_CHANGED: _l("schedule changed"),
    EventKind.BALLOT_SETTINGS_CHANGED: _l("ballot settings changed"),
    EventKind.BUDGET_ADDED: _l("budget added"),
    EventKind.BUDGET_REMOVED: _l("budget removed"),
    EventKind.VOTERS_CHANGED: _l("voters changed"),
    EventKind.VOTER_ROLL_IMPORTED: _l("voter roll imported"),
    EventKind.VOTER_CODES_GENERATED: _l("voter codes generated"),
    EventKind.TRANSITION: _l("transition"),
    EventKind.VOTING_CLOSED: _l("voting closed"),
    EventKind.TALLIED: _l("tallied"),
    EventKind.PAPER_ENTRY_RECORDED: _l("paper entry recorded"),
    EventKind.PAPER_BALLOT_COUNTED: _l("paper ballot counted"),
    EventKind.PAPER_BALLOT_MISMATCHED: _l("paper ballot mismatched"),
    EventKind.PAPER_BALLOT_DISCARDED: _l("paper ballot discarded"),
    EventKind.COMMENT_AUTO_HIDDEN: _l("comment auto hidden"),
    EventKind.COMMENT_APPROVED: _l("comment approved"),
    EventKind.COMMENT_HIDDEN: _l("comment hidden"),
    EventKind.COMMENT_RESTORED: _l("comment restored"),
    EventKind.COMMENT_HIDING_UPHELD: _l("comment hiding upheld"),
    EventKind.AUTHOR_BLOCKED: _l("author blocked"),
}


def kind_label(kind: str) -> str:
    """An event kind in words, in the request's language: ``"budget_added"`` → ``"budget added"``."""
    label = EVENT_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind.replace("_", " ")


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_fields(event: RoundEvent) -> dict[str, Any]:
    """The fields an event's hash covers."""
    return {
        "round_id": event.round_id,
        "sequence": event.sequence,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "payload": event.payload or {},
        "created_at": _timestamp(event.created_at),
    }


def compute_hash(fields: dict[str, Any], previous_hash: str) -> str:
    """sha256(canonical JSON of ``fields`` + ``previous_hash``), hex."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((canonical + previous_hash).encode("utf-8")).hexdigest()


def _lock_round(round_id: int) -> None:
    """Serialise appends to one round's log (a no-op lock on SQLite, where BEGIN IMMEDIATE already did it)."""
    query = select(Round.id).where(Round.id == round_id)
    if db.session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    db.session.execute(query)


def append_event(round_: Round, kind: str, actor: Any = None, payload: dict[str, Any] | None = None) -> RoundEvent:
    """Append an event to ``round_``'s log, chained to the last one; flushes, the caller commits."""
    if round_.id is None:
        db.session.flush()
    _lock_round(round_.id)
    last = db.session.execute(
        select(RoundEvent.sequence, RoundEvent.hash)
        .where(RoundEvent.round_id == round_.id)
        .order_by(RoundEvent.sequence.desc())
        .limit(1)
    ).first()
    sequence, previous_hash = (last.sequence + 1, last.hash) if last else (1, GENESIS_HASH)
    actor_id = getattr(actor, "id", None)
    actor_label = getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system")
    # Round-trip the payload through JSON so what we hash is exactly what the database gives back later.
    clean_payload = json.loads(json.dumps(payload or {}, sort_keys=True, default=str))
    event = RoundEvent(
        round_id=round_.id,
        sequence=sequence,
        kind=kind,
        actor_id=actor_id,
        actor_label=actor_label,
        payload=clean_payload,
        # Microsecond precision survives every database we support.
        created_at=utcnow(),
        previous_hash=previous_hash,
    )
    event.hash = compute_hash(canonical_fields(event), previous_hash)
    db.session.add(event)
    db.session.flush()
    return event


def round_events(round_id: int) -> list[RoundEvent]:
    """The round's events in order."""
    return list(
        db.session.scalars(select(RoundEvent).where(RoundEvent.round_id == round_id).order_by(RoundEvent.sequence))
    )


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking a log: ``ok``, how many events, and the first broken one with why."""

    round_id: int
    count: int
    broken_sequence: int | None = None
    broken_event_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def verify_chain(round_id: int) -> ChainReport:
    """Recompute every hash of the round's log; report the first event whose hash or link does not hold."""
    previous_hash = GENESIS_HASH
    events = round_events(round_id)
    for expected_sequence, event in enumerate(events, start=1):
        problem = ""
        if event.sequence != expected_sequence:
            problem = _("sequence %(sequence)s where %(expected)s was expected (an event is missing)",
                        sequence=event.sequence, expected=expected_sequence)
        elif event.previous_hash != previous_hash:
            problem = _("its previous-hash does not match the hash of the event before it")
        elif compute_hash(canonical_fields(event), previous_hash) != event.hash:
            problem = _("its contents do not match its hash (it was changed after it was written)")
        if problem:
            return ChainReport(round_id, len(events), event.sequence, event.id, problem)
        previous_hash = event.hash
    return ChainReport(round_id, len(events))


#: Payload keys that hold sums of money in the round's minor units.
MONEY_KEYS = frozenset({"amount", "min_project_cost", "max_project_cost"})


def describe_payload(payload: dict[str, Any], currency: str) -> str:
    """An event's payload for people: sums of money in the round's currency, changes as "old → new",
    ``{"amount": {"from": 100, "to": 250}}`` → ``"amount: €1.00 → €2.50"``."""
    def value_text(key: str, value: Any) -> str:
        if isinstance(value, dict):
            if value.keys() == {"from", "to"}:
                return f"{value_text(key, value['from'])} → {value_text(key, value['to'])}"
            return "; ".join(f"{name.replace('_', ' ')}: {value_text(name, item)}" for name, item in value.items())
        if isinstance(value, list):
            return ", ".join(value_text(key, item) for item in value) or _("none")
        if value is None or value == "":
            return _("none")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if key in MONEY_KEYS and isinstance(value, int):
            return format_money(value, currency)
        return str(value)

    return value_text("", payload or {})
