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

from .models import PHASE_STATES, BallotType, BudgetScope
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


def _projects(low: int) -> NumberRange:
    return NumberRange(low, MAX_BALLOT_PROJECTS, message=f"Enter a number between {low} and {MAX_BALLOT_PROJECTS:,}.")


def _points(low: int) -> NumberRange:
    return NumberRange(low, MAX_POINTS, message=f"Enter a number between {low} and {MAX_POINTS:,}.")


def _schedule_years(form, field) -> None:
    """Refuse times no time zone can convert (year 1, year 9999) and plans centuries ahead."""
    if (problem := schedule_year_error(field.data)) is not None:
        raise ValidationError(problem)


def lines(text: str | None) -> list[str]:
    """A textarea with one item per line → the non-empty items."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RoundForm(FlaskForm):
    name = StringField(
        "Name", filters=[_strip],
        validators=[InputRequired(message="Give the round a name."), Length(max=150, message="At most 150 characters.")],
    )
    description = TextAreaField(
        "Description", filters=[_strip], validators=[Length(max=10_000, message="At most 10,000 characters.")]
    )
    currency = SelectField("Currency", choices=[SelectChoice(code, code) for code in sorted(CURRENCIES)], default="EUR")
    timezone = StringField(
        "Time zone", filters=[_strip], default="Europe/Amsterdam",
        validators=[InputRequired(message="Enter a time zone, like Europe/Amsterdam.")],
    )
    districts = TextAreaField("Districts", filters=[_strip])
    categories = TextAreaField("Categories", filters=[_strip])
    open_registration = BooleanField("Residents may register to vote themselves (choosing their district)")


class BudgetForm(FlaskForm):
    name = StringField(
        "Name", filters=[_strip],
        validators=[InputRequired(message="Give the budget a name."), Length(max=150, message="At most 150 characters.")],
    )
    scope = RadioField(
        "Covers",
        choices=[SelectChoice(BudgetScope.CITYWIDE.value, "The whole area"), SelectChoice(BudgetScope.DISTRICT.value, "One district"),
                 SelectChoice(BudgetScope.CATEGORY.value, "One category")],
        default=BudgetScope.CITYWIDE.value,
    )
    district_id = SelectField("District", coerce=_optional_int, validate_choice=False)
    category_id = SelectField("Category", coerce=_optional_int, validate_choice=False)
    amount = StringField("Amount", filters=[_strip], validators=[InputRequired(message="Enter the budget's amount.")])
    min_project_cost = StringField("Minimum project cost", filters=[_strip], default="0")
    max_project_cost = StringField("Maximum project cost", filters=[_strip])


class BallotForm(FlaskForm):
    ballot_type = RadioField(
        "Ballot type",
        choices=[
            SelectChoice(BallotType.APPROVAL.value, "Approval — tick the projects you support"),
            SelectChoice(BallotType.RANKED.value, "Ranked — put projects in order of preference"),
            SelectChoice(BallotType.KNAPSACK.value, "Knapsack — pick projects that fit within the budget"),
            SelectChoice(BallotType.POINTS.value, "Points — share out a number of points"),
        ],
        validators=[InputRequired(message="Choose a ballot type.")],
    )
    min_picks = IntegerField("Approval: fewest projects to tick", validators=[Optional(), _projects(0)])
    max_picks = IntegerField("Approval: most projects to tick", validators=[Optional(), _projects(1)])
    min_ranks = IntegerField("Ranked: fewest projects to rank", validators=[Optional(), _projects(1)])
    max_ranks = IntegerField("Ranked: most projects to rank", validators=[Optional(), _projects(1)])
    points_per_rank = StringField("Ranked: points per rank, first rank first", filters=[_strip])
    min_spend_percent = IntegerField(
        "Knapsack: share of the budget a ballot must spend (%)",
        validators=[Optional(), NumberRange(0, 100, message="Enter a share between 0 and 100 %%.")],
    )
    points_total = IntegerField("Points: points each voter shares out", validators=[Optional(), _points(1)])
    points_per_project_max = IntegerField("Points: most points for one project", validators=[Optional(), _points(1)])
    rule_id = SelectField("Allocation rule", validate_choice=True)
    rule_params = TextAreaField("Rule parameters", filters=[_strip])
    explanation = TextAreaField(
        "Explanation for residents", filters=[_strip], validators=[Length(max=5000, message="At most 5,000 characters.")]
    )

    def validate_points_per_rank(self, field):
        if field.data:
            try:
                points = [int(part) for part in field.data.replace(";", ",").split(",") if part.strip()]
            except ValueError:
                raise ValidationError("Give whole numbers separated by commas, like 3, 2, 1.") from None
            if len(points) > MAX_BALLOT_PROJECTS or any(not 0 <= p <= MAX_POINTS for p in points):
                raise ValidationError(f"Give at most {MAX_BALLOT_PROJECTS:,} ranks, each worth between 0 and "
                                      f"{MAX_POINTS:,} points.")

    def validate_rule_params(self, field):
        for line in lines(field.data):
            if "=" not in line:
                raise ValidationError(f"Write one parameter per line as name = value (not “{line[:40]}”).")

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
            DateTimeLocalField(f"{_state.label} phase starts", format="%Y-%m-%dT%H:%M",
                               validators=[Optional(), _schedule_years]))
    setattr(ScheduleForm, f"{_state.value}_ends_at",
            DateTimeLocalField(f"{_state.label} phase ends", format="%Y-%m-%dT%H:%M",
                               validators=[Optional(), _schedule_years]))


class ConfirmForm(FlaskForm):
    """A bare form (CSRF token and a hidden flag) for confirmations and deletions."""

    confirm = HiddenField(default="yes")


class VoterRollForm(FlaskForm):
    roll = FileField("Voter roll (CSV)")


class VoterCodesForm(FlaskForm):
    count = IntegerField(
        "How many codes",
        validators=[InputRequired(message="Enter how many codes to make."),
                    NumberRange(1, 20_000, message="Make between 1 and 20,000 codes at a time.")],
        default=50,
    )
    district_id = SelectField("District", coerce=_optional_int, validate_choice=False)
    output = RadioField(
        "Download as",
        choices=[SelectChoice("zip", "Both: CSV list and printable letters (ZIP)"), SelectChoice("csv", "CSV list"),
                 SelectChoice("pdf", "Printable letters (PDF)")],
        default="zip",
    )


class RegisterVoterForm(FlaskForm):
    district_id = SelectField("The district you live in", coerce=_optional_int, validate_choice=False)


class ClaimCodeForm(FlaskForm):
    code = StringField(
        "Voter code", filters=[_strip],
        validators=[InputRequired(message="Enter the code from your letter."), Length(max=40, message="That code is too long.")],
    )
    display_name = StringField(
        "Your name (optional)", filters=[_strip], validators=[Length(max=100, message="At most 100 characters.")]
    )


class ImportRoundForm(FlaskForm):
    file = FileField("Pabulib file (.pb)")
    name = StringField("Name (optional)", filters=[_strip], validators=[Length(max=150, message="At most 150 characters.")])
