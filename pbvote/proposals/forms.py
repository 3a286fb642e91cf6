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

from ..i18n import _, _l
from .rounds_api import MoneyError, amount_text, parse_amount

MAX_ITEM_ROWS = 20


class CostItemForm(Form):
    """One cost line. A completely blank line is ignored; a half-filled one is an error."""

    description = StringField(_l("What it pays for"), validators=[Optional(), Length(max=200)])
    amount = StringField(_l("Amount"), validators=[Optional(), Length(max=32)])


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
                row.form.description.errors = list(row.form.description.errors) + [_("Describe this cost.")]
                ok = False
            try:
                amount = parse_amount(amount_text, currency)
            except MoneyError as error:
                row.form.amount.errors = list(row.form.amount.errors) + [str(error)]
                ok = False
                continue
            items.append((description, amount))
        if ok and not items:
            self.cost_items.errors = [_("List at least one cost item.")]
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
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give your proposal a title.")), Length(max=150)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(_l("Summarise your proposal in a sentence or two.")), Length(max=500)],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    district_id = SelectField(_l("District"), coerce=_optional_int, validate_choice=True)
    category_id = SelectField(_l("Category"), coerce=_optional_int, validate_choice=True)
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    image = FileField(_l("Image (optional)"))
    remove_image = BooleanField(_l("Remove the current image"))

    def set_choices(self, districts, categories, district_required: bool) -> None:
        empty = _("Choose a district") if district_required else _("Whole area (no district)")
        self.district_id.choices = [SelectChoice("", empty)] + [SelectChoice(d.id, d.name) for d in districts]
        self.category_id.choices = [SelectChoice("", _("No category"))] + [
            SelectChoice(c.id, c.name) for c in categories
        ]

    def validate_district_id(self, field):
        if field.data == -1:
            raise ValidationError(_("Choose one of the round's districts."))

    def validate_category_id(self, field):
        if field.data == -1:
            raise ValidationError(_("Choose one of the round's categories."))


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("feasible", _l("Feasible")), SelectChoice("not_feasible", _l("Not feasible"))],
        validators=[DataRequired(_l("Choose feasible or not feasible."))],
    )
    reason = TextAreaField(_l("Public reason"), validators=[Optional(), Length(max=2000)])


class CostRevisionForm(CostItemsMixin, FlaskForm):
    reason = TextAreaField(
        _l("Why the cost changes (public)"),
        validators=[DataRequired(_l("Explain why the cost changes.")), Length(max=2000)],
    )


class MergeForm(FlaskForm):
    target_id = SelectField(_l("Merge into"), coerce=_optional_int, validate_choice=True)
    reason = TextAreaField(
        _l("Public reason"), validators=[DataRequired(_l("Explain publicly why these are duplicates.")), Length(max=2000)]
    )


class InviteForm(FlaskForm):
    email = StringField(
        _l("Co-author's email"), validators=[DataRequired(_l("Enter an email address.")), Length(max=254)]
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why you withdraw it (optional, public)"), validators=[Optional(), Length(max=2000)])


class AnswerInvitationForm(FlaskForm):
    """Two submit buttons, ``accept`` and ``decline``; the view reads which one was pressed."""


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (usable on a phone, no JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ExclusionGroupForm(FlaskForm):
    name = StringField(
        _l("Name of the group (e.g. the site they compete for)"),
        validators=[DataRequired(_l("Name the group.")), Length(max=200)],
    )
    proposal_ids = MultiCheckboxField(_l("Proposals of which at most one can be funded"), coerce=int)


class DeleteForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons."""
