"""Forms of the proposal pages. Amounts are typed in the round's currency units and stored in minor units."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .rounds_api import MoneyError, amount_text, parse_amount

MAX_ITEM_ROWS = 20


class CostItemForm(Form):
    """One cost line. A completely blank line is ignored; a half-filled one is an error."""

    description = StringField("What it pays for", validators=[Optional(), Length(max=200)])
    amount = StringField("Amount", validators=[Optional(), Length(max=32)])


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: SelectField's pre_validate reports it


class CostItemsMixin:
    cost_items = FieldList(FormField(CostItemForm), min_entries=4, max_entries=MAX_ITEM_ROWS)

    def parsed_cost_items(self, currency: str) -> list[tuple[str, int]] | None:
        """(description, minor units) for every non-blank row; None after recording errors on the rows."""
        items: list[tuple[str, int]] = []
        ok = True
        for row in self.cost_items:
            description = (row.form.description.data or "").strip()
            amount_text = (row.form.amount.data or "").strip()
            if not description and not amount_text:
                continue
            if not description:
                row.form.description.errors = list(row.form.description.errors) + ["Describe this cost."]
                ok = False
            try:
                amount = parse_amount(amount_text, currency)
            except MoneyError as error:
                row.form.amount.errors = list(row.form.amount.errors) + [str(error)]
                ok = False
                continue
            items.append((description, amount))
        if ok and not items:
            self.cost_items.errors = ["List at least one cost item."]
            return None
        return items if ok else None

    def fill_cost_items(self, items: list[tuple[str, int]], currency: str) -> None:
        """Show ``items`` followed by blank rows for new lines (no JavaScript needed to add a line)."""
        while len(self.cost_items):
            self.cost_items.pop_entry()
        for description, amount in items:
            self.cost_items.append_entry({"description": description, "amount": amount_text(amount, currency)})
        self.pad_cost_items()

    def pad_cost_items(self) -> None:
        blank = 0
        for row in self.cost_items:
            if not (row.form.description.data or "").strip() and not (row.form.amount.data or "").strip():
                blank += 1
        while blank < 2 and len(self.cost_items) < MAX_ITEM_ROWS:
            self.cost_items.append_entry()
            blank += 1


class ProposalForm(CostItemsMixin, FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give your proposal a title."), Length(max=150)])
    summary = TextAreaField(
        "Summary", validators=[DataRequired("Summarise your proposal in a sentence or two."), Length(max=500)]
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=20_000)])
    district_id = SelectField("District", coerce=_optional_int, validate_choice=True)
    category_id = SelectField("Category", coerce=_optional_int, validate_choice=True)
    location = StringField("Location", validators=[Optional(), Length(max=200)])
    image = FileField("Image (optional)")
    remove_image = BooleanField("Remove the current image")

    def set_choices(self, districts, categories, district_required: bool) -> None:
        empty = "Choose a district" if district_required else "Whole area (no district)"
        self.district_id.choices = [SelectChoice("", empty)] + [SelectChoice(d.id, d.name) for d in districts]
        self.category_id.choices = [SelectChoice("", "No category")] + [SelectChoice(c.id, c.name) for c in categories]

    def validate_district_id(self, field):
        if field.data == -1:
            raise ValidationError("Choose one of the round's districts.")

    def validate_category_id(self, field):
        if field.data == -1:
            raise ValidationError("Choose one of the round's categories.")


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice("feasible", "Feasible"), SelectChoice("not_feasible", "Not feasible")],
        validators=[DataRequired("Choose feasible or not feasible.")],
    )
    reason = TextAreaField("Public reason", validators=[Optional(), Length(max=2000)])


class CostRevisionForm(CostItemsMixin, FlaskForm):
    reason = TextAreaField("Why the cost changes (public)", validators=[DataRequired("Explain why the cost changes."), Length(max=2000)])


class MergeForm(FlaskForm):
    target_id = SelectField("Merge into", coerce=_optional_int, validate_choice=True)
    reason = TextAreaField("Public reason", validators=[DataRequired("Explain publicly why these are duplicates."), Length(max=2000)])


class InviteForm(FlaskForm):
    email = StringField("Co-author's email", validators=[DataRequired("Enter an email address."), Length(max=254)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why you withdraw it (optional, public)", validators=[Optional(), Length(max=2000)])


class AnswerInvitationForm(FlaskForm):
    """Two submit buttons, ``accept`` and ``decline``; the view reads which one was pressed."""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (usable on a phone, no JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ExclusionGroupForm(FlaskForm):
    name = StringField(
        "Name of the group (e.g. the site they compete for)",
        validators=[DataRequired("Name the group."), Length(max=200)],
    )
    proposal_ids = MultiCheckboxField("Proposals of which at most one can be funded", coerce=int)


class DeleteForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons."""
