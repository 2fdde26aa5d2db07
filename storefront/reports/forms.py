"""Forms for entering baselines and declared revenue, one product at a time or as a file.
Amounts read as in the files (storefront.spreadsheets.parse_amount) and obey the same rules."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError

from storefront.clock import vietnam_today
from storefront.reports.imports import (
    FIRST_YEAR,
    NOTE_LENGTH,
    profit_problem,
    revenue_problem,
    source_problem,
    year_problem,
)
from storefront.reports.models import BASELINE_SOURCES
from storefront.spreadsheets import parse_amount


def stripped(value: str | None) -> str:
    return value.strip() if value else ""


class AmountField(StringField):
    """Whole đồng: 1500000, 1.500.000 and 1,500,000 are the same amount. What was typed is
    shown again when the form comes back with an error."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        parsed = parse_amount(valuelist[0])
        self.data = None if isinstance(parsed, str) else parsed
        if not valuelist[0].strip():
            raise ValueError(_("Enter an amount in đồng."))
        if isinstance(parsed, str):
            raise ValueError(_("Enter a whole number of đồng, such as 1500000 or 1.500.000."))

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(_("Enter an amount in đồng."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class YearField(SelectField):
    """A calendar year from the list; anything else posted is an error on the field, not a 500."""

    def __init__(self, *args, **kwargs) -> None:
        # The year given as a default stays a number when the form is posted without the field.
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_("Choose a year from the list.")) from None

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(_("Choose a year from the list."))


class FiguresForm(FlaskForm):
    revenue = AmountField(_l("Revenue (VND)"))
    profit = AmountField(_l("Profit (VND; a loss is negative)"))
    note = StringField(_l("Note (optional)"), filters=[stripped], validators=[Length(max=NOTE_LENGTH)])

    def validate_revenue(self, field) -> None:
        if field.data is not None and (problem := revenue_problem(field.data)):
            raise ValidationError(problem)

    def validate_profit(self, field) -> None:
        if field.data is not None and (problem := profit_problem(field.data, self.revenue.data)):
            raise ValidationError(problem)


class BaselineForm(FiguresForm):
    source = SelectField(
        _l("Source"),
        choices=[SelectChoice("declared", _l("Declared by the producer")), SelectChoice("audited", _l("Audited accounts"))],
        validate_choice=False,
    )

    def validate_source(self, field) -> None:
        if field.data not in BASELINE_SOURCES:
            raise ValidationError(source_problem())


class DeclaredForm(FiguresForm):
    year = YearField(_l("Calendar year"), validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        last = vietnam_today().year
        self.year.choices = [SelectChoice(year, str(year)) for year in range(last, FIRST_YEAR - 1, -1)]

    def validate_year(self, field) -> None:
        if field.data is not None and (problem := year_problem(field.data)):
            raise ValidationError(problem)


class ImportForm(FlaskForm):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a CSV or XLSX file.")),
        ],
    )
