"""Forms of the rounds feature. They parse and type the input; the rules live in ``operations``/``voters``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..i18n import DEFAULT_LOCALE, LANGUAGES, _, _l, number
from .models import PHASE_STATES, STATE_LABELS, BallotType, BudgetScope
from .money import CURRENCIES
from .operations import MAX_BALLOT_PROJECTS, MAX_POINTS, schedule_year_error


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    """Select values: "" → None, digits → int (anything else → None, refused by the operation)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


#: WTForms fills in %(min)s and %(max)s.
BETWEEN = _l("Enter a number between %(min)s and %(max)s.")
AT_MOST = _l("At most %(max)s characters.")


def _projects(low: int) -> NumberRange:
    return NumberRange(low, MAX_BALLOT_PROJECTS, message=BETWEEN)


def _points(low: int) -> NumberRange:
    return NumberRange(low, MAX_POINTS, message=BETWEEN)


def _schedule_years(form, field) -> None:
    """Refuse times no time zone can convert (year 1, year 9999) and plans centuries ahead."""
    if (problem := schedule_year_error(field.data)) is not None:
        raise ValidationError(problem)


def lines(text: str | None) -> list[str]:
    """A textarea with one item per line → the non-empty items."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RoundForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[_strip],
        validators=[InputRequired(message=_l("Give the round a name.")), Length(max=150, message=AT_MOST)],
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[Length(max=10_000, message=AT_MOST)]
    )
    currency = SelectField(_l("Currency"), choices=[SelectChoice(code, code) for code in sorted(CURRENCIES)], default="EUR")
    timezone = StringField(
        _l("Time zone"), filters=[_strip], default="Europe/Amsterdam",
        validators=[InputRequired(message=_l("Enter a time zone, like Europe/Amsterdam."))],
    )
    districts = TextAreaField(_l("Districts"), filters=[_strip])
    categories = TextAreaField(_l("Categories"), filters=[_strip])
    open_registration = BooleanField(_l("Residents may register to vote themselves (choosing their district)"))


class BudgetForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[_strip],
        validators=[InputRequired(message=_l("Give the budget a name.")), Length(max=150, message=AT_MOST)],
    )
    scope = RadioField(
        _l("Covers"),
        choices=[SelectChoice(BudgetScope.CITYWIDE.value, _l("The whole area")), SelectChoice(BudgetScope.DISTRICT.value, _l("One district")),
                 SelectChoice(BudgetScope.CATEGORY.value, _l("One category"))],
        default=BudgetScope.CITYWIDE.value,
    )
    district_id = SelectField(_l("District"), coerce=_optional_int, validate_choice=False)
    category_id = SelectField(_l("Category"), coerce=_optional_int, validate_choice=False)
    amount = StringField(_l("Amount"), filters=[_strip], validators=[InputRequired(message=_l("Enter the budget's amount."))])
    min_project_cost = StringField(_l("Minimum project cost"), filters=[_strip], default="0")
    max_project_cost = StringField(_l("Maximum project cost"), filters=[_strip])


class BallotForm(FlaskForm):
    ballot_type = RadioField(
        _l("Ballot type"),
        choices=[
            SelectChoice(BallotType.APPROVAL.value, _l("Approval — tick the projects you support")),
            SelectChoice(BallotType.RANKED.value, _l("Ranked — put projects in order of preference")),
            SelectChoice(BallotType.KNAPSACK.value, _l("Knapsack — pick projects that fit within the budget")),
            SelectChoice(BallotType.POINTS.value, _l("Points — share out a number of points")),
        ],
        validators=[InputRequired(message=_l("Choose a ballot type."))],
    )
    min_picks = IntegerField(_l("Approval: fewest projects to tick"), validators=[Optional(), _projects(0)])
    max_picks = IntegerField(_l("Approval: most projects to tick"), validators=[Optional(), _projects(1)])
    min_ranks = IntegerField(_l("Ranked: fewest projects to rank"), validators=[Optional(), _projects(1)])
    max_ranks = IntegerField(_l("Ranked: most projects to rank"), validators=[Optional(), _projects(1)])
    points_per_rank = StringField(_l("Ranked: points per rank, first rank first"), filters=[_strip])
    min_spend_percent = IntegerField(
        _l("Knapsack: share of the budget a ballot must spend (%)"),
        validators=[Optional(), NumberRange(0, 100, message=_l("Enter a share between %(min)s and %(max)s %%."))],
    )
    points_total = IntegerField(_l("Points: points each voter shares out"), validators=[Optional(), _points(1)])
    points_per_project_max = IntegerField(_l("Points: most points for one project"), validators=[Optional(), _points(1)])
    rule_id = SelectField(_l("Allocation rule"), validate_choice=True)
    rule_params = TextAreaField(_l("Rule parameters"), filters=[_strip])
    explanation = TextAreaField(
        _l("Explanation for residents"), filters=[_strip], validators=[Length(max=5000, message=AT_MOST)]
    )

    def validate_points_per_rank(self, field):
        if field.data:
            try:
                points = [int(part) for part in field.data.replace(";", ",").split(",") if part.strip()]
            except ValueError:
                raise ValidationError(_("Give whole numbers separated by commas, like 3, 2, 1.")) from None
            if len(points) > MAX_BALLOT_PROJECTS or any(not 0 <= p <= MAX_POINTS for p in points):
                raise ValidationError(_("Give at most %(ranks)s ranks, each worth between 0 and %(points)s points.",
                                        ranks=number(MAX_BALLOT_PROJECTS), points=number(MAX_POINTS)))

    def validate_rule_params(self, field):
        for line in lines(field.data):
            if "=" not in line:
                raise ValidationError(_("Write one parameter per line as name = value (not “%(line)s”).",
                                        line=line[:40]))

    def parsed_points_per_rank(self) -> list[int] | None:
        if not self.points_per_rank.data:
            return None
        return [int(part) for part in self.points_per_rank.data.replace(";", ",").split(",") if part.strip()]

    def parsed_rule_params(self) -> dict[str, str]:
        params = {}
        for line in lines(self.rule_params.data):
            name, _, value = line.partition("=")
            params[name.strip()] = value.strip()
        return params


class ScheduleForm(FlaskForm):
    """A start and an end for each phase, in the round's local time."""


for _state in PHASE_STATES:
    setattr(ScheduleForm, f"{_state.value}_starts_at",
            DateTimeLocalField(_l("%(phase)s phase starts", phase=STATE_LABELS[_state]), format="%Y-%m-%dT%H:%M",
                               validators=[Optional(), _schedule_years]))
    setattr(ScheduleForm, f"{_state.value}_ends_at",
            DateTimeLocalField(_l("%(phase)s phase ends", phase=STATE_LABELS[_state]), format="%Y-%m-%dT%H:%M",
                               validators=[Optional(), _schedule_years]))


class ConfirmForm(FlaskForm):
    """A bare form (CSRF token and a hidden flag) for confirmations and deletions."""

    confirm = HiddenField(default="yes")


class VoterRollForm(FlaskForm):
    roll = FileField(_l("Voter roll (CSV)"))


class VoterCodesForm(FlaskForm):
    count = IntegerField(
        _l("How many codes"),
        validators=[InputRequired(message=_l("Enter how many codes to make.")),
                    NumberRange(1, 20_000, message=_l("Make between %(min)s and %(max)s codes at a time."))],
        default=50,
    )
    district_id = SelectField(_l("District"), coerce=_optional_int, validate_choice=False)
    output = RadioField(
        _l("Download as"),
        choices=[SelectChoice("zip", _l("Both: CSV list and printable letters (ZIP)")), SelectChoice("csv", _l("CSV list")),
                 SelectChoice("pdf", _l("Printable letters (PDF)"))],
        default="zip",
    )
    #: Each language named in itself ("Cymraeg", "Polski"); the view preselects the organisation's default.
    language = SelectField(_l("Letters in"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                           default=DEFAULT_LOCALE)


class RegisterVoterForm(FlaskForm):
    district_id = SelectField(_l("The district you live in"), coerce=_optional_int, validate_choice=False)


class ClaimCodeForm(FlaskForm):
    code = StringField(
        _l("Voter code"), filters=[_strip],
        validators=[InputRequired(message=_l("Enter the code from your letter.")), Length(max=40, message=_l("That code is too long."))],
    )
    display_name = StringField(
        _l("Your name (optional)"), filters=[_strip], validators=[Length(max=100, message=AT_MOST)]
    )


class ImportRoundForm(FlaskForm):
    file = FileField(_l("Pabulib file (.pb)"))
    name = StringField(_l("Name (optional)"), filters=[_strip], validators=[Length(max=150, message=AT_MOST)])
