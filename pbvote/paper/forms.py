"""Paper-ballot forms. The projects' inputs (``project-<id>``: a rank, points, or a tick) depend on the budget,
so :func:`read_paper_ballot` reads them; the ballot's rules are checked by the voting operations, not here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..i18n import _, _l
from ..rounds.forms import AT_MOST
from ..rounds.models import PAPER_POLICY_LABELS, BallotType, PaperPolicy
from ..voting.operations import BallotContent, BallotOption
from .operations import DISCARD_REASON_MAX, IDENTIFIER_MAX, PaperBallotError

NUMBER_MAX_DIGITS = 6


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PaperEntryForm(FlaskForm):
    identifier = StringField(
        _l("Voter's roll id, email address or voter code"), filters=[_strip],
        validators=[InputRequired(message=_l("Enter the voter's roll id, email address or voter code.")),
                    Length(max=IDENTIFIER_MAX, message=AT_MOST)],
    )


class DiscardForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is discarded"), filters=[_strip],
        validators=[InputRequired(message=_l("Say why the paper ballot is discarded.")),
                    Length(max=DISCARD_REASON_MAX, message=AT_MOST)],
    )


class PaperPolicyForm(FlaskForm):
    policy = RadioField(
        _l("A voter who votes on paper and online"),
        choices=[SelectChoice(policy.value, PAPER_POLICY_LABELS[policy]) for policy in PaperPolicy],
        validators=[InputRequired(message=_l("Choose one of the two policies."))],
    )


def field_name(option: BallotOption) -> str:
    return f"project-{option.id}"


def _whole_number(raw: str, option: BallotOption, what: str) -> int | None:
    """A rank or points typed by staff: empty → None; else a whole number, or a clear refusal (``what``: the
    translated refusal, with ``%(project)s`` left to fill)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > NUMBER_MAX_DIGITS:
        raise PaperBallotError(what % {"project": option.title})
    return int(raw)


def read_paper_ballot(kind: BallotType, options: Sequence[BallotOption], form: Mapping[str, str]) -> BallotContent:
    """The ballot the staff member transcribed: ranks 1, 2, 3 … (ranked), points (points), or ticks."""
    if kind == BallotType.RANKED:
        ranks: dict[int, list[BallotOption]] = {}
        for option in options:
            rank = _whole_number(form.get(field_name(option), ""), option,
                                 _("The rank for “%(project)s” must be a whole number, such as 2."))
            if rank is not None:
                if rank < 1:
                    raise PaperBallotError(_("The rank for “%(project)s” must be 1 or more.", project=option.title))
                ranks.setdefault(rank, []).append(option)
        for rank, ranked in sorted(ranks.items()):
            if len(ranked) > 1:
                names = _(" and ").join(f"“{option.title}”" for option in ranked)
                raise PaperBallotError(_("Rank %(rank)s is given to %(projects)s: each rank goes to one project.",
                                         rank=rank, projects=names))
        missing = [rank for rank in range(1, len(ranks) + 1) if rank not in ranks]
        if missing:
            raise PaperBallotError(_("Ranks run 1, 2, 3 … without gaps: rank %(rank)s is missing.", rank=missing[0]))
        return BallotContent([ranks[rank][0].id for rank in sorted(ranks)])
    if kind == BallotType.POINTS:
        refusal = _("The points for “%(project)s” must be a whole number, such as 2.")
        chosen = [(option, _whole_number(form.get(field_name(option), ""), option, refusal)) for option in options]
        given = [(option, value) for option, value in chosen if value]
        return BallotContent([option.id for option, _ in given], [value for _, value in given])
    return BallotContent([option.id for option in options if form.get(field_name(option))])
