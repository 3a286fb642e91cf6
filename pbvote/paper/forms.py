"""Paper-ballot forms. The projects' inputs (``project-<id>``: a rank, points, or a tick) depend on the budget,
so :func:`read_paper_ballot` reads them; the ballot's rules are checked by the voting operations, not here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..rounds.models import BallotType, PaperPolicy
from ..voting.operations import BallotContent, BallotOption
from .operations import DISCARD_REASON_MAX, IDENTIFIER_MAX, PaperBallotError

NUMBER_MAX_DIGITS = 6


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PaperEntryForm(FlaskForm):
    identifier = StringField(
        "Voter's roll id, email address or voter code", filters=[_strip],
        validators=[InputRequired(message="Enter the voter's roll id, email address or voter code."),
                    Length(max=IDENTIFIER_MAX, message=f"At most {IDENTIFIER_MAX} characters.")],
    )


class DiscardForm(FlaskForm):
    reason = TextAreaField(
        "Why it is discarded", filters=[_strip],
        validators=[InputRequired(message="Say why the paper ballot is discarded."),
                    Length(max=DISCARD_REASON_MAX, message=f"At most {DISCARD_REASON_MAX} characters.")],
    )


class PaperPolicyForm(FlaskForm):
    policy = RadioField(
        "A voter who votes on paper and online",
        choices=[SelectChoice(policy.value, policy.label) for policy in PaperPolicy],
        validators=[InputRequired(message="Choose one of the two policies.")],
    )


def field_name(option: BallotOption) -> str:
    return f"project-{option.id}"


def _whole_number(raw: str, option: BallotOption, what: str) -> int | None:
    """A rank or points typed by staff: empty → None; else a whole number, or a clear refusal."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > NUMBER_MAX_DIGITS:
        raise PaperBallotError(f"The {what} for “{option.title}” must be a whole number, such as 2.")
    return int(raw)


def read_paper_ballot(kind: BallotType, options: Sequence[BallotOption], form: Mapping[str, str]) -> BallotContent:
    """The ballot the staff member transcribed: ranks 1, 2, 3 … (ranked), points (points), or ticks."""
    if kind == BallotType.RANKED:
        ranks: dict[int, list[BallotOption]] = {}
        for option in options:
            rank = _whole_number(form.get(field_name(option), ""), option, "rank")
            if rank is not None:
                if rank < 1:
                    raise PaperBallotError(f"The rank for “{option.title}” must be 1 or more.")
                ranks.setdefault(rank, []).append(option)
        for rank, ranked in sorted(ranks.items()):
            if len(ranked) > 1:
                names = " and ".join(f"“{option.title}”" for option in ranked)
                raise PaperBallotError(f"Rank {rank} is given to {names}: each rank goes to one project.")
        missing = [rank for rank in range(1, len(ranks) + 1) if rank not in ranks]
        if missing:
            raise PaperBallotError(f"Ranks run 1, 2, 3 … without gaps: rank {missing[0]} is missing.")
        return BallotContent([ranks[rank][0].id for rank in sorted(ranks)])
    if kind == BallotType.POINTS:
        chosen = [(option, _whole_number(form.get(field_name(option), ""), option, "points")) for option in options]
        given = [(option, value) for option, value in chosen if value]
        return BallotContent([option.id for option, _ in given], [value for _, value in given])
    return BallotContent([option.id for option in options if form.get(field_name(option))])
