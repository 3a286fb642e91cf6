"""A round open for voting with a voter roll and voter codes, for the paper-ballot stories and the route table;
and paper ballots in a given state, made directly (their entry has its own stories)."""

from __future__ import annotations

import secrets
from typing import Any

from pbvote.extensions import db
from pbvote.paper.models import PaperBallot, PaperEntry, PaperStatus
from pbvote.rounds.models import Round, VoterCode, VoterRollEntry
from pbvote.rounds.voters import CODE_ALPHABET, CODE_LENGTH, hash_code


def district_id(round_: Round, name: str | None) -> int | None:
    return next(d.id for d in round_.districts if d.name == name) if name else None


def add_roll_entry(round_: Round, identifier: str, district: str | None = "North") -> VoterRollEntry:
    """A line of the voter roll (an email when it has an @, else an external id)."""
    entry = VoterRollEntry(round_id=round_.id, identifier=identifier,
                           kind="email" if "@" in identifier else "external_id",
                           district_id=district_id(round_, district))
    db.session.add(entry)
    db.session.commit()
    return entry


def add_voter_code(round_: Round, district: str | None = "North") -> str:
    """A new one-time voter code of the round; returns it in clear."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.session.add(VoterCode(round_id=round_.id, code_hash=hash_code(code), district_id=district_id(round_, district)))
    db.session.commit()
    return code


def make_mismatch(round_: Round, budget: Any, entry: VoterRollEntry, readers: list[Any],
                  readings: list[list[int]]) -> PaperBallot:
    """A paper ballot of ``entry``'s voter whose entries (one per reader) disagree."""
    paper = PaperBallot(round_id=round_.id, budget_id=budget.id, roll_entry_id=entry.id,
                        status=PaperStatus.MISMATCH.value)
    for reader, choices in zip(readers, readings, strict=True):
        paper.entries.append(PaperEntry(entered_by_id=reader.id, choices=choices, points=None))
    db.session.add(paper)
    db.session.commit()
    return paper
