"""Forms for entering baselines and declared revenue, one product at a time or as a file.
Amounts read as in the files (storefront.spreadsheets.parse_amount) and obey the same rules."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError

from storefront.catalog.models import Area
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
from storefront.reports.targets import value_problem
from storefront.spreadsheets import parse_amount


RATIO = re.compile(r"\d{1,3}(\.\d{1,10})?")  # digits and a point: no exponent, no NaN


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


class RatioField(StringField):
    """A multiple of the baseline, exactly as typed: 1.5, or 1,5 as Vietnamese write it."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().rstrip("×xX").strip().replace(",", ".")
        self.data = Decimal(text) if RATIO.fullmatch(text) else None
        if self.data is None:
            raise ValueError(_("Enter a multiple such as 1.5."))

    def pre_validate(self, form) -> None:
        if self.data is None and not self.process_errors:
            raise StopValidation(_("Enter a multiple such as 1.5."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}"


class GrowthTargetForm(FlaskForm):
    year = YearField(_l("Plan year"), validate_choice=False)
    province = SelectField(_l("Province"), validate_choice=False)
    value = RatioField(_l("Target (times the pre-OCOP figures)"))

    YEARS_AHEAD = 5  # plans are written for the coming years too

    def __init__(self, *args, provinces: list[Area], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provinces = {province.code: province for province in provinces}
        self.last_year = vietnam_today().year + self.YEARS_AHEAD
        self.year.choices = [SelectChoice(year, str(year)) for year in range(self.last_year, FIRST_YEAR - 1, -1)]
        self.province.choices = [SelectChoice("", _("Every province"))] + [
            SelectChoice(province.code, province.name) for province in provinces
        ]

    def validate_year(self, field) -> None:
        if field.data is not None and not FIRST_YEAR <= field.data <= self.last_year:
            raise ValidationError(
                _("The year must be from %(first)d to %(last)d.", first=FIRST_YEAR, last=self.last_year)
            )

    def validate_province(self, field) -> None:
        if field.data and field.data not in self.provinces:
            raise ValidationError(_("Choose a province from the list."))

    def validate_value(self, field) -> None:
        if field.data is not None and (problem := value_problem(field.data)):
            raise ValidationError(problem)
