"""Checking an audit bundle offline: every hash, the signature, the event chain, the ballots against what the
log recorded at close, the published outcome against the log, and a fresh tally of ``ballots.pb``.

:func:`verify_bundle` collects every problem it finds; :func:`Report.headline` names the most telling one (a
ballot, project, event or parameter before a manifest line, before the signature), because one edit usually
breaks several checks and the auditor wants to know what was edited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ..rounds.events import GENESIS_HASH, compute_hash
from ..safecsv import FORMULA_TRIGGERS
from ..tally import PabulibError, RuleError, compute, jsonable, loads
from ..text import counted
from .bundle import MANIFEST, SIGNATURE

HASHED_FIELDS = ("round_id", "sequence", "kind", "actor_id", "actor_label", "payload", "created_at")
MANIFEST_LINE = re.compile(r"^([0-9a-f]{64})  (\S.*)$")
# How telling a problem is: what was edited (0), the manifest line that no longer matches (1), the signature (2).
CONTENT, MANIFEST_RANK, SIGNATURE_RANK = 0, 1, 2


class UnreadableBundle(Exception):
    """The file is not a zip at all (or cannot be read)."""


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    message: str
    rank: int = CONTENT

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.message}"


@dataclass
class Report:
    """Every problem found, and what was checked when there were none."""

    problems: list[Problem] = field(default_factory=list)
    round_id: int | None = None
    round_name: str = ""
    budgets: int = 0
    ballots: int = 0
    events: int = 0
    rules: list[str] = field(default_factory=list)
    public_key: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def headline(self) -> str:
        """The last line ``pbvote audit verify`` prints."""
        if self.problems:
            return f"FAILED: {min(self.problems, key=lambda p: p.rank)}"
        return (f"verified: round {self.round_id} “{self.round_name}”: {counted(self.budgets, 'budget')}, "
                f"{counted(self.ballots, 'ballot')}, {counted(self.events, 'event')} in an intact chain, outcome reproduced by "
                f"{', '.join(self.rules)}; manifest signed by {self.public_key}")

    def add(self, file: str, item: str, message: str, rank: int = CONTENT) -> None:
        self.problems.append(Problem(file, item, message, rank))


def read_public_key(text: str) -> Ed25519PublicKey:
    """A public key as 64 hex digits or PEM text; ``ValueError`` for anything else."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise ValueError("a public key is 64 hex digits (as the round page shows it) or a PEM file")
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def _open(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise UnreadableBundle(f"not a readable zip file ({error})") from None


def _check_manifest(files: dict[str, bytes], report: Report) -> dict[str, int]:
    """Hash check of every file; returns file → manifest line number of files whose hash does not match."""
    broken: dict[str, int] = {}
    if MANIFEST not in files:
        report.add(MANIFEST, "manifest", "the bundle has no manifest", MANIFEST_RANK)
        return broken
    listed = set()
    for number, line in enumerate(files[MANIFEST].decode("utf-8", "replace").splitlines(), start=1):
        match = MANIFEST_LINE.match(line)
        if match is None:
            report.add(MANIFEST, f"manifest line {number}", "is not “<sha256>  <file>”", MANIFEST_RANK)
            continue
        digest, name = match.groups()
        listed.add(name)
        if name not in files:
            report.add(name, f"manifest line {number}", "the manifest lists it but the bundle lacks it",
                       MANIFEST_RANK)
        elif hashlib.sha256(files[name]).hexdigest() != digest:
            broken[name] = number
            report.add(name, f"manifest line {number}", "its SHA-256 does not match the manifest", MANIFEST_RANK)
    for name in sorted(set(files) - listed - {MANIFEST, SIGNATURE}):
        report.add(name, "manifest", "the bundle holds it but the manifest does not list it", MANIFEST_RANK)
    return broken


def _check_signature(files: dict[str, bytes], given_key: str | None, report: Report) -> None:
    bundled = files.get("public_key.txt", b"").decode("utf-8", "replace").strip()
    report.public_key = (given_key or bundled).strip()
    try:
        key = read_public_key(given_key or bundled)
    except ValueError as error:
        report.add("public_key.txt", "signature", f"no usable public key: {error}", SIGNATURE_RANK)
        return
    if given_key is not None and bundled != _hex(key):
        report.add("public_key.txt", "signature", "the bundle's public key is not the key you gave", SIGNATURE_RANK)
    report.public_key = _hex(key)
    try:
        key.verify(files.get(SIGNATURE, b""), files.get(MANIFEST, b""))
    except InvalidSignature:
        report.add(SIGNATURE, "signature", "the signature of MANIFEST.sha256 does not verify with the public key",
                   SIGNATURE_RANK)


def _hex(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _check_events(files: dict[str, bytes], report: Report) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    previous = GENESIS_HASH
    for number, line in enumerate(files.get("events.jsonl", b"").decode("utf-8", "replace").splitlines(), start=1):
        try:
            event = json.loads(line)
            fields = {name: event[name] for name in HASHED_FIELDS}
        except (ValueError, KeyError, TypeError):
            report.add("events.jsonl", f"event line {number}", "is not an event record")
            return events
        label = f"event #{event.get('sequence')} ({event.get('kind')})"
        if event["sequence"] != number:
            report.add("events.jsonl", label, f"is at line {number}: an event is missing or out of order")
        elif event.get("previous_hash") != previous:
            report.add("events.jsonl", label, "its previous-hash is not the hash of the event before it")
        elif compute_hash(fields, previous) != event.get("hash"):
            report.add("events.jsonl", label, "its contents do not match its hash (it was changed)")
        previous = event.get("hash", "")
        events.append(event)
    if not events:
        report.add("events.jsonl", "event log", "the bundle has no events")
    report.events = len(events)
    return events


def _last(events: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((event for event in reversed(events) if event["kind"] == kind), None)


def _uncell(value: str) -> str:
    """A formula-safe CSV cell back to its value (the writer put an apostrophe before formula triggers)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS) else value


def _csv_rows(data: bytes) -> list[list[str]]:
    return [[_uncell(cell) for cell in row] for row in csv.reader(io.StringIO(data.decode("utf-8", "replace")))]


def _check_budget(files: dict[str, bytes], broken: dict[str, int], entry: dict[str, Any],
                  events: list[dict[str, Any]], report: Report) -> None:
    budget_id = entry.get("budget_id")
    prefix = f"budget-{budget_id}/"
    pb_name = prefix + "ballots.pb"
    try:
        election = loads(files[pb_name].decode("utf-8"))
    except KeyError:
        report.add(pb_name, "ballots", "the bundle lacks this budget's ballots")
        return
    except (UnicodeDecodeError, PabulibError) as error:
        report.add(pb_name, f"line {getattr(error, 'line', '?')}", f"not a valid pabulib file: {error}")
        return
    report.ballots += election.num_voters
    _check_counts(files, election, budget_id, prefix, events, report)
    _check_csv_copies(files, broken, election, prefix, report)
    rule, params = entry.get("rule", ""), dict(entry.get("params") or {})
    try:
        outcome = jsonable(compute(rule, election, tie_breaking=entry.get("tie_breaking"), **params))
    except (RuleError, TypeError, ValueError) as error:
        report.add("results.json", f"budget {budget_id} rule", f"cannot re-run {rule} with {params}: {error}")
        return
    published = entry.get("outcome") or {}
    if outcome.get("selected") != published.get("selected"):
        culprit = pb_name if pb_name in broken or "results.json" not in broken else "results.json"
        report.add(culprit, f"budget {budget_id} outcome",
                   f"re-tallying ballots.pb with {rule} funds {outcome.get('selected')}, results.json says "
                   f"{published.get('selected')}")
    elif outcome != published:
        report.add("results.json", f"budget {budget_id} trace", "the re-run's trace differs from the published one")
    report.rules.append(rule)


def _check_counts(files: dict[str, bytes], election: Any, budget_id: Any, prefix: str,
                  events: list[dict[str, Any]], report: Report) -> None:
    """The ballots' count and tracking-code digest against the log (close of voting, or the import)."""
    closed = _last(events, "voting_closed")
    pb_name, codes_name = prefix + "ballots.pb", prefix + "tracking_codes.txt"
    if closed is not None:
        recorded = next((b for b in closed["payload"].get("budgets", []) if b.get("budget_id") == budget_id), None)
        if recorded is None:
            report.add("events.jsonl", f"event #{closed['sequence']} (voting_closed)", f"records no budget {budget_id}")
            return
        where = f"event #{closed['sequence']} (voting_closed) recorded {recorded['ballots']}"
        if election.num_voters != recorded["ballots"]:
            report.add(pb_name, "ballots", f"{election.num_voters} ballots where {where}")
        codes = files.get(codes_name, b"").decode("utf-8", "replace").splitlines()
        if len(codes) != recorded["ballots"]:
            report.add(codes_name, "tracking codes", f"{len(codes)} tracking codes where {where}")
        elif hashlib.sha256("\n".join(sorted(codes)).encode()).hexdigest() != recorded["tracking_codes_sha256"]:
            report.add(codes_name, "tracking codes",
                       f"their SHA-256 is not the one event #{closed['sequence']} (voting_closed) recorded")
        return
    imported = _last(events, "round_imported")
    if imported is None:
        report.add("events.jsonl", "event log", "records neither the close of voting nor an import")
    elif election.num_voters != imported["payload"].get("voters"):
        report.add(pb_name, "ballots", f"{election.num_voters} ballots where event #{imported['sequence']} "
                                       f"(round_imported) recorded {imported['payload'].get('voters')}")


def _check_csv_copies(files: dict[str, bytes], broken: dict[str, int], election: Any, prefix: str,
                      report: Report) -> None:
    """ballots.csv and projects.csv say what ballots.pb says; the first difference names the ballot or project."""
    pb_name = prefix + "ballots.pb"

    def culprit(csv_name: str) -> str:
        return csv_name if csv_name in broken and pb_name not in broken else pb_name

    ballots_name = prefix + "ballots.csv"
    rows = _csv_rows(files.get(ballots_name, b""))
    if rows[1:] != election.vote_rows or (rows and rows[0] != election.vote_columns):
        for index, (mine, theirs) in enumerate(zip(election.vote_rows, rows[1:], strict=False)):
            if mine != theirs:
                report.add(culprit(ballots_name), f"ballot {mine[0]} (row {index + 1})",
                           f"ballots.pb says {mine}, ballots.csv says {theirs}")
                break
        else:
            report.add(culprit(ballots_name), "ballots",
                       f"ballots.pb has {len(election.vote_rows)} ballots, ballots.csv {max(len(rows) - 1, 0)}")
    projects_name = prefix + "projects.csv"
    listed = {row[0]: row for row in _csv_rows(files.get(projects_name, b""))[1:] if row}
    for project in election.projects:
        row = listed.get(project.id)
        if row is None or row[2] != str(project.cost):
            report.add(culprit(projects_name), f"project {project.id}",
                       f"costs {project.cost} in ballots.pb, {row[2] if row else 'missing'} in projects.csv")
            break


def _check_results(files: dict[str, bytes], broken: dict[str, int], events: list[dict[str, Any]],
                   report: Report) -> None:
    try:
        document = json.loads(files["results.json"])
        budgets = document["budgets"]
    except (KeyError, ValueError, TypeError):
        report.add("results.json", "results", "missing or not the results document")
        return
    report.round_id, report.round_name = document.get("round_id"), document.get("round", "")
    report.budgets = len(budgets)
    published = _last(events, "results_published")
    if published is None:
        report.add("events.jsonl", "event log", "records no publication of results")
        return
    if published["payload"].get("public_key") != report.public_key:
        report.add("public_key.txt", "signature",
                   f"the key is not the one event #{published['sequence']} (results_published) recorded",
                   SIGNATURE_RANK)
    recorded = {b["budget_id"]: b for b in published["payload"].get("budgets", [])}
    for entry in budgets:
        budget_id = entry.get("budget_id")
        logged = recorded.get(budget_id)
        label = f"event #{published['sequence']} (results_published)"
        if logged is None:
            report.add("results.json", f"budget {budget_id}", f"{label} published no such budget")
            continue
        for name in ("rule", "tie_breaking", "selected"):
            if entry.get(name) != logged.get(name):
                report.add("results.json", f"budget {budget_id} {name}",
                           f"{entry.get(name)!r} where {label} recorded {logged.get(name)!r}")
        params = entry.get("params") or {}
        for name in sorted(set(params) | set(logged.get("params") or {})):
            if params.get(name) != (logged.get("params") or {}).get(name):
                report.add("results.json", f"budget {budget_id} parameter {name}",
                           f"{params.get(name)!r} where {label} recorded {logged['params'].get(name)!r}")
        digest = hashlib.sha256(json.dumps(entry.get("outcome"), sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode()).hexdigest()
        if digest != logged.get("outcome_sha256"):
            report.add("results.json", f"budget {budget_id} outcome", f"is not the outcome {label} recorded")
        _check_budget(files, broken, entry, events, report)


def verify_bundle(data: bytes, public_key: str | None = None) -> Report:
    """Check a bundle's bytes; raises :class:`UnreadableBundle` when they are not a zip."""
    files = _open(data)
    report = Report()
    broken = _check_manifest(files, report)
    _check_signature(files, public_key, report)
    events = _check_events(files, report)
    _check_results(files, broken, events, report)
    return report
