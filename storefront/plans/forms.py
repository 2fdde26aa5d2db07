"""The plan form: where, which years, and a target for any of the indicators (left empty: none);
and the watchlist's form that schedules a product's re-evaluation."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from storefront.catalog.models import Area
from storefront.form_fields import Form, stripped
from storefront.plans.indicators import INDICATORS
from storefront.plans.models import Plan
from storefront.plans.services import (
    FIRST_PLAN_YEAR,
    LAST_PLAN_YEAR,
    PlanDetails,
    PlanError,
    parse_target,
    shown_target,
    target_problem,
)
from storefront.reports.forms import YearField


class PlanForm(Form):
    name = StringField(_l("Name"), filters=[stripped], validators=[InputRequired(_l("Give the plan a name.")),
                                                                    Length(max=200)])
    province = SelectField(_l("Province"), validate_choice=False)
    first_year = YearField(_l("First year"), validate_choice=False)
    last_year = YearField(_l("Last year"), validate_choice=False)
    todays_areas = BooleanField(_l("Count by today's provinces (after mergers), not those of the plan's time"))
    note = TextAreaField(_l("What the plan says (optional)"), filters=[stripped], validators=[Length(max=2000)])

    def __init__(self, *args, provinces: list[Area], plan: Plan | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.provinces = {province.code: province for province in provinces}
        self.province.choices = [SelectChoice("", _("The whole country"))] + [
            SelectChoice(province.code, province.name) for province in provinces
        ]
        years = [SelectChoice(year, str(year)) for year in range(LAST_PLAN_YEAR, FIRST_PLAN_YEAR - 1, -1)]
        self.first_year.choices = self.last_year.choices = years
        self.parsed_targets: dict = {}
        if plan is not None and not self.is_submitted():
            self.province.data = plan.area.code if plan.area else ""
            for target in plan.targets:
                getattr(self, f"target_{target.indicator}").data = shown_target(target.low, target.high)

    @property
    def target_fields(self):
        return [(indicator, getattr(self, f"target_{indicator.code}")) for indicator in INDICATORS]

    def validate_province(self, field) -> None:
        if field.data and field.data not in self.provinces:
            raise ValidationError(_("Choose a province from the list."))

    def validate_last_year(self, field) -> None:
        if field.data is not None and self.first_year.data is not None and field.data < self.first_year.data:
            raise ValidationError(_("The last year cannot come before the first."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for indicator, field in self.target_fields:
            if not field.data:
                continue
            try:
                low, high = parse_target(field.data)
            except PlanError as error:
                field.errors = [*field.errors, str(error)]
                valid = False
                continue
            if problem := target_problem(indicator, low, high):
                field.errors = [*field.errors, problem]
                valid = False
            else:
                self.parsed_targets[indicator.code] = (low, high)
        return valid

    def details(self) -> PlanDetails:
        return PlanDetails(
            name=self.name.data, area=self.provinces.get(self.province.data), first_year=self.first_year.data,
            last_year=self.last_year.data, note=self.note.data or "", todays_areas=self.todays_areas.data,
            targets=self.parsed_targets,
        )


for _indicator in INDICATORS:
    setattr(PlanForm, f"target_{_indicator.code}",
            StringField(_indicator.label, filters=[stripped], validators=[Length(max=40)]))


class ScheduleForm(Form):
    scheduled_on = DateField(_l("Re-evaluation scheduled on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=255)])
