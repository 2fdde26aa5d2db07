"""Plans and their targets: creating, changing and removing them, and reading a plan's figures
(the dashboard, an indicator's list and its months)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.services import record_change, snapshot
from storefront.catalog.areas import merged_with
from storefront.catalog.models import Area
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.plans.indicators import (
    BY_CODE,
    INDICATORS,
    Indicator,
    Measure,
    Scope,
    computed_once,
    measures,
    measures_on_days,
    progress,
    target_status,
)
from storefront.plans.kept import data_marks, keep_measure, keep_months, kept_measures, kept_months
from storefront.plans.models import GROWTH_RATIO, Plan, PlanIndicator
from storefront.transactions import transaction

FIRST_PLAN_YEAR, LAST_PLAN_YEAR = 2018, 2035  # OCOP began in 2018; beyond 2035 is a typo
GROWTH_LOWEST, GROWTH_HIGHEST = Decimal(1), Decimal(10)  # below 1× is no growth; above 10× a typo
HUNDREDTH = Decimal("0.01")
AUDITED = ("name", "area_id", "first_year", "last_year", "note", "todays_areas", "targets")


class PlanError(ValueError):
    """A plan that breaks a rule; the message is meant for the user."""


# --- Targets as typed: "150", "70", "10-15", "10–15", "1,5" -----------------------------------

NUMBER = r"\d{1,7}(?:[.,]\d{1,2})?"
TARGET = re.compile(rf"\s*({NUMBER})\s*(?:[-–—]\s*({NUMBER})\s*)?[%×xX]?\s*")


def parse_target(text: str) -> tuple[Decimal, Decimal | None]:
    """A number or a range, at most two decimals; raises PlanError with what to type instead."""
    found = TARGET.fullmatch(text or "")
    if not found:
        raise PlanError(_("Give a number such as 70 or a range such as 10–15 (at most two decimals)."))
    try:
        low, high = (Decimal(part.replace(",", ".")) if part else None for part in found.groups())
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise PlanError(_("Give a number such as 70 or a range such as 10–15.")) from None
    if high is not None and high <= low:
        raise PlanError(_("A range goes from the smaller number to the larger, such as 10–15."))
    return low, high


def target_problem(indicator: Indicator, low: Decimal, high: Decimal | None) -> str | None:
    if indicator.code == GROWTH_RATIO:
        if high is not None:
            return _("The growth target is one multiple, such as 1.5.")
        if not GROWTH_LOWEST <= low <= GROWTH_HIGHEST:
            return _("A growth target is from 1 to 10 times the baseline.")
    elif indicator.unit == "percent" and (high or low) > 100:
        return _("A share is at most 100%.")
    elif indicator.unit == "count" and ((low % 1) or (high is not None and high % 1)):
        return _("Give a whole number of products, producers, districts or sales points.")
    return None


def shown_target(low: Decimal, high: Decimal | None) -> str:
    def plain(number: Decimal) -> str:
        return f"{number.normalize():f}"
    return plain(low) if high is None else f"{plain(low)}–{plain(high)}"


# --- Writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDetails:
    name: str
    area: Area | None  # a province, or None for the whole country
    first_year: int
    last_year: int
    note: str = ""
    todays_areas: bool = False
    targets: dict[str, tuple[Decimal, Decimal | None]] | None = None  # indicator code → (low, high)


def check_details(details: PlanDetails, plan: Plan | None) -> None:
    if not details.name.strip():
        raise PlanError(_("Give the plan a name."))
    if details.area is not None and details.area.level != "province":
        raise PlanError(_("A plan is for a province or for the whole country."))
    if not FIRST_PLAN_YEAR <= details.first_year <= details.last_year <= LAST_PLAN_YEAR:
        raise PlanError(_("The years run from %(first)d to %(last)d, the first not after the last.",
                          first=FIRST_PLAN_YEAR, last=LAST_PLAN_YEAR))
    for code, (low, high) in (details.targets or {}).items():
        if code not in BY_CODE:
            raise PlanError(_("Unknown indicator."))
        if problem := target_problem(BY_CODE[code], low, high):
            raise PlanError(f"{BY_CODE[code].label}: {problem}")
    if GROWTH_RATIO in (details.targets or {}) and (other := overlapping_growth_plan(details, plan)):
        # The growth report holds each product to one target: its province's plan for its year.
        raise PlanError(_("%(plan)s (%(years)s) already sets the growth target for these years.",
                          plan=other.name, years=other.years))


def overlapping_growth_plan(details: PlanDetails, plan: Plan | None) -> Plan | None:
    area_id = details.area.id if details.area else None
    return db.session.scalar(
        select(Plan).join(PlanIndicator, PlanIndicator.plan_id == Plan.id)
        .where(PlanIndicator.indicator == GROWTH_RATIO,
               Plan.area_id.is_(None) if area_id is None else Plan.area_id == area_id,
               Plan.first_year <= details.last_year, Plan.last_year >= details.first_year,
               Plan.id != (plan.id if plan else -1))
        .limit(1)
    )


def plan_snapshot(plan: Plan) -> dict:
    values = snapshot(plan, [name for name in AUDITED if name != "targets"])
    values["targets"] = {target.indicator: shown_target(target.low, target.high) for target in plan.targets}
    return values


def apply_details(plan: Plan, details: PlanDetails) -> None:
    plan.name, plan.area = details.name.strip(), details.area
    plan.first_year, plan.last_year = details.first_year, details.last_year
    plan.note, plan.todays_areas = details.note.strip(), details.todays_areas
    wanted = details.targets or {}
    plan.targets = [target for target in plan.targets if target.indicator in wanted]
    kept = {target.indicator: target for target in plan.targets}
    for code in (indicator.code for indicator in INDICATORS if indicator.code in wanted):
        target = kept.get(code) or PlanIndicator(indicator=code)
        target.low, target.high = wanted[code]
        if code not in kept:
            plan.targets.append(target)


def create_plan(*, details: PlanDetails, actor: User | None) -> Plan:
    check_details(details, None)
    plan = Plan()
    with transaction():
        apply_details(plan, details)
        db.session.add(plan)
        db.session.flush()
        record_change(actor=actor, record=plan, action="create", after=plan_snapshot(plan))
    return plan


def update_plan(*, plan: Plan, details: PlanDetails, actor: User | None) -> None:
    check_details(details, plan)
    with transaction():
        before = plan_snapshot(plan)
        apply_details(plan, details)
        db.session.flush()
        record_change(actor=actor, record=plan, action="update", before=before, after=plan_snapshot(plan))


def remove_plan(*, plan: Plan, actor: User | None) -> None:
    with transaction():
        record_change(actor=actor, record=plan, action="delete", before=plan_snapshot(plan))
        db.session.delete(plan)


# --- Reading -------------------------------------------------------------------------------


def all_plans() -> list[Plan]:
    """Newest first; in a year, the national plan before the provinces' by name."""
    return list(db.session.scalars(
        select(Plan).outerjoin(Area, Area.id == Plan.area_id)
        .order_by(Plan.last_year.desc(), Plan.first_year.desc(), Plan.area_id.is_not(None), Area.name, Plan.id)
    ))


def plans_of_year(year: int) -> list[Plan]:
    return [plan for plan in all_plans() if plan.first_year <= year <= plan.last_year]


def default_plan(user: User, *, today: date | None = None) -> Plan | None:
    """The plan of the user's province for this year (the province of the sales points they
    run, if any), else the national one, else any plan of this year, else the latest plan."""
    year = (today or vietnam_today()).year
    plans = plans_of_year(year)
    provinces = {outlet.area.lineage()[0].id for outlet in getattr(user, "outlets", [])}
    for wanted in (lambda plan: plan.area_id in provinces, lambda plan: plan.area_id is None, lambda plan: True):
        if found := next((plan for plan in plans if wanted(plan)), None):
            return found
    latest = all_plans()
    return latest[0] if latest else None


def plan_provinces(plan: Plan) -> tuple[int, ...] | None:
    """The provinces the plan counts in: its own, or — counted by today's areas — the one that
    has it today and every province merged into that one."""
    if plan.area is None:
        return None
    return merged_with(plan.area) if plan.todays_areas else (plan.area.id,)


def figures_day(plan: Plan, today: date | None = None) -> date:
    """The plan's figures are taken at the end of its period, or today while it runs."""
    today = today or vietnam_today()
    return min(today, plan.ends_on)


def plan_scope(plan: Plan, *, day: date | None = None, today: date | None = None) -> Scope:
    """The plan's area and period, figures taken on `day` (default: figures_day); without a
    day, the growth indicator judges the plan's products today (see Scope.judged_on)."""
    return Scope(province_ids=plan_provinces(plan), starts_on=plan.starts_on, day=day or figures_day(plan, today),
                 years=(plan.first_year, plan.last_year), todays_areas=plan.todays_areas,
                 judged_on=None if day else (today or vietnam_today()))


@dataclass
class IndicatorFigure:
    indicator: Indicator
    target: PlanIndicator | None
    measure: Measure
    value: Fraction | None
    at_start: Fraction | None  # levels with a target only: the value the day before the period began
    status: str | None
    progress: Fraction

    @property
    def change(self) -> Fraction | None:
        if self.value is None or self.at_start is None:
            return None
        return self.value - self.at_start


@dataclass
class Dashboard:
    plan: Plan
    day: date
    figures: list[IndicatorFigure]

    def figure(self, code: str) -> IndicatorFigure | None:
        return next((figure for figure in self.figures if figure.indicator.code == code), None)


def plan_dashboard(plan: Plan, *, today: date | None = None, every_indicator: bool = True) -> Dashboard:
    """Each indicator with a target in the plan first, then (if asked) the others for context."""
    targets = {target.indicator: target for target in plan.targets}
    wanted = [indicator for indicator in INDICATORS if indicator.code in targets]
    if every_indicator:
        wanted += [indicator for indicator in INDICATORS if indicator.code not in targets]
    return plan_figures(plan, wanted, today=today)


def indicator_figure(plan: Plan, code: str, *, today: date | None = None) -> IndicatorFigure:
    """One indicator's figure, as the dashboard shows it."""
    return plan_figures(plan, [BY_CODE[code]], today=today).figures[0]


def plan_figures(plan: Plan, wanted: list[Indicator], *, today: date | None) -> Dashboard:
    targets = {target.indicator: target for target in plan.targets}
    # The change since the start is worth its query for the plan's own targets only.
    starting = [indicator.code for indicator in wanted if indicator.level and indicator.code in targets]
    scope = plan_scope(plan, today=today)
    before = plan_scope(plan, day=plan.starts_on - timedelta(days=1))
    now, then = plan_measures(scope, [indicator.code for indicator in wanted], before, starting)
    figures = []
    for indicator in wanted:
        found = now[indicator.code]
        value = found.value(indicator.unit)
        target = targets.get(indicator.code)
        at_start = then[indicator.code].value(indicator.unit) if indicator.code in starting else None
        figures.append(IndicatorFigure(
            indicator=indicator, target=target, measure=found, value=value, at_start=at_start,
            status=target_status(value, target.low, indicator.code) if target else None,
            progress=progress(value, target.low, indicator.code) if target else Fraction(0),
        ))
    return Dashboard(plan=plan, day=scope.day, figures=figures)


def plan_measures(scope: Scope, codes: list[str], before: Scope, starting: list[str]
                  ) -> tuple[dict[str, Measure], dict[str, Measure]]:
    """The measures of `codes` on the scope's day and of `starting` on the day before the
    period: those kept in the cache for the data as it is now, the others worked out (what
    several of them read computed once) and kept."""
    marks = data_marks(codes)
    now, then = kept_measures(codes, scope, marks), kept_measures(starting, before, marks)
    missing_now = [code for code in codes if code not in now]
    missing_then = [code for code in starting if code not in then]
    if missing_now or missing_then:
        with (computed_once(scope, missing_now) as computing_now,
              computed_once(before, missing_then) as computing_then):
            for code, worked_out in measures(missing_now, computing_now).items():
                now[code] = worked_out
                keep_measure(code, scope, marks, worked_out)
            for code, worked_out in measures(missing_then, computing_then).items():
                then[code] = worked_out
                keep_measure(code, before, marks, worked_out)
    return now, then


def indicator_months(plan: Plan, code: str, *, today: date | None = None) -> list[tuple[str, Fraction | None]]:
    """(YYYY-MM, value at the month's end) for each month of the period up to the figures' day:
    levels on that day, flows from the period's start to it. One statement for all of them."""
    indicator = BY_CODE[code]
    last = figures_day(plan, today)
    ends, month = [], plan.starts_on
    while month <= last:
        ends.append((month, min(month + relativedelta(months=1) - timedelta(days=1), last)))
        month += relativedelta(months=1)
    found = months_measures(code, [plan_scope(plan, day=day) for _month, day in ends]) if ends else []
    return [(f"{month:%Y-%m}", measure.value(indicator.unit)) for (month, _day), measure in zip(ends, found)]


def months_measures(code: str, scopes: list[Scope]) -> list[Measure]:
    """The indicator on each scope's day: kept in the cache for the data as it is now, else
    worked out and kept."""
    marks = data_marks([code])
    found = kept_months(code, scopes, marks)
    if found is None:
        found = measures_on_days(code, scopes)
        keep_months(code, scopes, marks, found)
    return found
