"""The audit bundle of a published round: one zip an auditor can check offline with ``pbvote audit verify``.

Per budget ``budget-<id>/``: ``ballots.pb`` (pabulib, random voter ids, shuffled, demographics only where every
combination has at least 5 voters), ``ballots.csv`` and ``projects.csv`` (formula-safe), ``tracking_codes.txt``
(the counted ballots' tracking codes, sorted, not linked to any ballot). At the top: ``results.json`` (rule,
parameters, tie-breaking, pbvote version, outcome and trace per budget), ``events.jsonl`` (the round's
hash-chained log), ``public_key.pem``/``public_key.txt``, ``README.txt``, ``MANIFEST.sha256`` (sha256sum format)
and ``MANIFEST.sig`` (Ed25519 over the manifest's bytes).

Deterministic: entries sorted, fixed timestamps and permissions, JSON with sorted keys, the shuffle seeded per
round — the same round gives a byte-identical zip.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..rounds.events import canonical_fields, round_events
from ..rounds.models import Budget, Round, RoundState
from ..safecsv import csv_bytes
from ..tally import Election, Project, dumps
from .anonymise import K_ANONYMITY, anonymise_votes
from .keys import public_key_hex, shuffle_seed, signing_key

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sig"

README = """Audit bundle of round {round_id}: {name}
{rule}
Check everything at once:   pbvote audit verify THIS.zip --public-key {public_key}

By hand:
1. Hashes: unzip the bundle and run `sha256sum -c MANIFEST.sha256`; every file must say OK.
2. Signature: `openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in MANIFEST.sha256 -sigfile
   MANIFEST.sig` must say "Signature Verified Successfully". Compare public_key.txt with the key on the
   round's page: the bundle proves nothing if it carries someone else's key.
3. Event log: each line of events.jsonl has a "hash" that is SHA-256 over the canonical JSON (sorted keys, no
   spaces, UTF-8) of its round_id, sequence, kind, actor_id, actor_label, payload and created_at, followed by
   the previous line's hash ("0" * 64 for the first). The "voting_closed" event records each budget's number
   of ballots and the SHA-256 of its sorted tracking codes, one per line: compare with tracking_codes.txt and
   the ballots of ballots.pb.
4. Tally: `pbvote tally budget-<id>/ballots.pb --rule RULE` with the rule and parameters of results.json
   gives the same selected projects. Amounts are in the units ballots.pb's META comment names.
5. Your ballot: your tracking code is in tracking_codes.txt of its budget if your ballot was counted.
"""


def _meta(round_: Round, budget: Budget, election: Election, rows: int) -> dict[str, str]:
    """The file's META: pabulib's required keys (kept from an imported file), counts of what is published."""
    meta = dict(election.meta)
    if not meta.get("country"):
        meta["country"] = "Worldwide"  # pbvote does not record where an organisation is; pabulib needs one
    meta.setdefault("unit", round_.organisation.name)
    meta.setdefault("instance", str(round_.created_at.year))
    meta.setdefault("subunit", budget.name)
    # The voting phase's dates (pabulib's date_begin/date_end), else the day the round reached its state.
    voting = round_.phase_for(RoundState.VOTING)
    begin = (voting and voting.starts_at) or round_.state_changed_at
    end = (voting and voting.ends_at) or round_.state_changed_at
    meta.setdefault("date_begin", begin.strftime("%d.%m.%Y"))
    meta.setdefault("date_end", end.strftime("%d.%m.%Y"))
    meta.update(num_projects=str(len(election.projects)), num_votes=str(rows))
    earlier = meta.get("comment", "").strip()
    number = len(re.findall(r"#\d+: ", earlier)) + 1  # pabulib numbers comments "#1: …", "#2: …"
    unit = f"whole {round_.currency}" if round_.imported else f"minor units of {round_.currency}"
    meta["comment"] = (f"{earlier} " if earlier else "") + (
        f"#{number}: Amounts in {unit}. Voter ids are random and the ballots shuffled; "
        f"demographic columns only where every combination has at least {K_ANONYMITY} voters.")
    return meta


def budget_files(round_: Round, budget: Budget, result: Any) -> dict[str, bytes]:
    """The files of one budget's folder in the bundle."""
    from ..results.adapter import counted_tracking_codes, election_for_budget
    from ..results.operations import votes_per_project

    election = election_for_budget(budget)
    columns, rows = anonymise_votes(shuffle_seed(round_.id), str(budget.id), election.vote_columns,
                                    election.vote_rows)
    selected = {str(project_id) for project_id in result.selected}
    votes = votes_per_project(election)
    project_columns = [*dict.fromkeys([*election.project_columns, "votes", "selected"])]
    projects = [Project(id=p.id, cost=p.cost, name=p.name,
                        fields={"votes": str(votes[p.id]), **p.fields, "selected": "1" if p.id in selected else "0"})
                for p in election.projects]
    published = Election(meta=_meta(round_, budget, election, len(rows)), projects=projects,
                         project_columns=project_columns, vote_columns=columns, vote_rows=rows)
    prefix = f"budget-{budget.id}/"
    return {
        prefix + "ballots.pb": dumps(published).encode("utf-8"),
        prefix + "ballots.csv": csv_bytes(columns, rows),
        prefix + "projects.csv": csv_bytes(
            ["project_id", "name", "cost", "votes", "selected"],
            [[p.id, p.name, p.cost, votes[p.id], 1 if p.id in selected else 0] for p in election.projects],
        ),
        prefix + "tracking_codes.txt": "".join(f"{code}\n" for code in counted_tracking_codes(budget)).encode(),
    }


def event_lines(round_id: int) -> bytes:
    """The round's event log as JSON lines: the hashed fields, the previous hash and the hash."""
    lines = []
    for event in round_events(round_id):
        record = {**canonical_fields(event), "previous_hash": event.previous_hash, "hash": event.hash}
        lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(lines).encode("utf-8")


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    """``sha256sum`` lines for every file, sorted by name."""
    return "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)).encode()


def deterministic_zip(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` whose bytes depend only on their names and contents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the machine building it
            archive.writestr(info, files[name], compresslevel=6)
    return buffer.getvalue()


def build_bundle(round_: Round) -> bytes:
    """The signed audit bundle of a published round, as zip bytes (byte-identical for the same round)."""
    from ..results.operations import canonical_json, results_document, results_for_round

    key = signing_key(round_.id)
    files: dict[str, bytes] = {}
    rules = []
    for budget, result in results_for_round(round_):
        files.update(budget_files(round_, budget, result))
        rules.append(f"{budget.name}: {result.rule_id} {canonical_json(result.rule_params)}")
    document = results_document(round_)
    files["results.json"] = (json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()
    files["events.jsonl"] = event_lines(round_.id)
    files["public_key.txt"] = (public_key_hex(round_.id) + "\n").encode()
    files["public_key.pem"] = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    files["README.txt"] = README.format(round_id=round_.id, name=round_.name, rule="\n".join(rules),
                                        public_key=public_key_hex(round_.id)).encode()
    manifest = manifest_bytes(files)
    files[MANIFEST] = manifest
    files[SIGNATURE] = key.sign(manifest)
    return deterministic_zip(files)
