"""Forms for entering baselines and declared revenue, one product at a time or as a file.
Amounts (storefront.form_fields.MoneyField) read as in the files and obey the same rules."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError

from storefront.clock import vietnam_today
from storefront.form_fields import Form, MoneyField, stripped
from storefront.reports.imports import (
    FIRST_YEAR,
    NOTE_LENGTH,
    profit_problem,
    revenue_problem,
    source_problem,
    year_problem,
)
from storefront.reports.models import BASELINE_SOURCES


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


class FiguresForm(Form):
    revenue = MoneyField(_l("Revenue (VND)"), required=True)
    profit = MoneyField(_l("Profit (VND; a loss is negative)"), required=True, signed=True)
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


class ImportForm(Form):
    file = FileField(
        _l("File (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a CSV or XLSX file.")),
        ],
    )
