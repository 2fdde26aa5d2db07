"""The indicators plans set targets for, each computed by the database for an area and a day.

Every indicator is a *population* — one row per product, producer, district or sales point, and
whether it is counted — so that the dashboard's number, the list behind it, its files and the
API read the same rows: a count indicator's value is how many are counted; a share's is counted
over all. Figures are taken on a day (the end of the plan's period, or today while it runs):

- a product is certified on a day when one of its 3★+ evaluations was issued by then, expires
  after it, and was not revoked by the end of it; its stars are those of its latest such one;
- an OCOP producer is one with a product certified in the area on the day;
- a sales point is open on a day from its opening to the day before its closing.
Flows (new certificates, evaluations, re-certifications, sales) count from the period's start
to the day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from storefront.catalog.models import CERTIFIED_MIN_STARS, Area, Evaluation, Producer, Product
from storefront.clock import utc_start_of
from storefront.extensions import db
from storefront.outlets.directory import outlet_places
from storefront.outlets.models import Outlet, StockMove
from storefront.plans.models import GROWTH_RATIO
from storefront.reports.figures import Calendar, growth_select
from storefront.reports.services import COMPARED, ReportFilters, hundredths
from storefront.sales.models import SaleLine

POTENTIAL_FIVE_STAR_SCORE = 85  # a 4★ product this close to 90 may go to the central council


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str  # "count", "percent" (of the population) or, for targets only, "ratio"
    members: str  # what the population is made of: products, producers, districts, outlets
    level: bool  # a level on a day (its change since the period's start means something), not a flow


INDICATORS = (
    Indicator("certified", _l("Products certified 3★ or more"), "count", "products", True),
    Indicator("certified_new", _l("Products newly certified 3★+ in the period"), "count", "products", False),
    Indicator("certified_share", _l("Products evaluated in the period that reached 3★+"), "percent", "products", False),
    Indicator("four_star", _l("Products at 4★"), "count", "products", True),
    Indicator("five_star", _l("Products at 5★"), "count", "products", True),
    Indicator("potential_five_star", _l("Potential 5★ products (4★ scoring 85 or more)"), "count", "products", True),
    Indicator("recertified_share", _l("Certificates expired in the period that were re-certified"), "percent",
              "products", False),
    Indicator("cooperative_share", _l("OCOP producers that are cooperatives"), "percent", "producers", True),
    Indicator("enterprise_share", _l("OCOP producers that are enterprises"), "percent", "producers", True),
    Indicator("organised_share", _l("OCOP producers that are cooperatives or enterprises"), "percent", "producers", True),
    Indicator("women_led_share", _l("OCOP producers led by women"), "percent", "producers", True),
    Indicator("ethnic_minority_share", _l("OCOP producers led by ethnic-minority people"), "percent", "producers", True),
    Indicator("districts_with_outlet", _l("Districts with an OCOP sales point"), "count", "districts", True),
    Indicator("outlets_other_districts", _l("Sales points carrying other districts' products"), "count", "outlets", True),
    Indicator("outlets_other_provinces", _l("Sales points carrying other provinces' products"), "count", "outlets", True),
    Indicator("modern_channel_share", _l("OCOP producers selling on modern channels (a sale here in the period)"),
              "percent", "producers", False),
    Indicator(GROWTH_RATIO, _l("Due products meeting the growth target (revenue and profit)"), "percent", "products",
              False),
)
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


@dataclass(frozen=True)
class Scope:
    """Where and when: provinces (None: the whole country), the period's first day, the day
    figures are taken on, and — for the growth indicator — the plan's province and years."""

    province_ids: tuple[int, ...] | None
    starts_on: date
    day: date
    growth_area: Area | None = None
    years: tuple[int, int] | None = None
    # The growth indicator judges the plan's products on this day (else on `day`): a product
    # certified in the plan's last year is only due a year later, so the dashboard judges today.
    judged_on: date | None = None

    @property
    def after_day(self):
        """The first moment after the day, as the naive UTC timestamps are stored."""
        return utc_start_of(self.day + timedelta(days=1))


def in_area(column, scope: Scope):
    return true() if scope.province_ids is None else column.in_(scope.province_ids)


def valid_on(scope: Scope, evaluation=Evaluation):
    return and_(
        evaluation.stars >= CERTIFIED_MIN_STARS, evaluation.issued_on <= scope.day, evaluation.expires_on > scope.day,
        or_(evaluation.revoked_at.is_(None), evaluation.revoked_at >= scope.after_day),
    )


def certified_on_day(scope: Scope):
    """(id, stars, score) of each product in the area certified on the day, from its latest valid certificate."""
    latest = func.row_number().over(partition_by=Evaluation.product_id,
                                    order_by=(Evaluation.issued_on.desc(), Evaluation.id.desc()))
    ranked = (
        select(Evaluation.product_id, Evaluation.stars, Evaluation.score, latest.label("latest"))
        .join(Product, Product.id == Evaluation.product_id)
        .where(valid_on(scope), in_area(Product.province_id, scope))
        .subquery("ranked")
    )
    return (
        select(ranked.c.product_id.label("id"), ranked.c.stars, ranked.c.score)
        .where(ranked.c.latest == 1)
        .subquery("certified_on_day")
    )


def certified_population(scope: Scope, condition=lambda certified: true()):
    certified = certified_on_day(scope)
    return select(certified.c.id, literal(True).label("counted")).where(condition(certified.c))


def newly_certified(scope: Scope):
    first = (
        select(Evaluation.product_id, func.min(Evaluation.issued_on).label("first_on"))
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS)
        .group_by(Evaluation.product_id)
        .subquery("first_certificate")
    )
    return (
        select(Product.id, literal(True).label("counted"))
        .join(first, first.c.product_id == Product.id)
        .where(first.c.first_on >= scope.starts_on, first.c.first_on <= scope.day, in_area(Product.province_id, scope))
    )


def evaluated_reaching_three_stars(scope: Scope):
    reached = func.max(case((Evaluation.stars >= CERTIFIED_MIN_STARS, 1), else_=0)) == 1
    return (
        select(Product.id, reached.label("counted"))
        .join(Evaluation, Evaluation.product_id == Product.id)
        .where(Evaluation.issued_on >= scope.starts_on, Evaluation.issued_on <= scope.day,
               in_area(Product.province_id, scope))
        .group_by(Product.id)
    )


def recertified(scope: Scope):
    """Products whose 3★+ certificate expired in the period (not revoked before), counted when
    a later 3★+ certificate was issued by the day."""
    calendar = Calendar(db.session.get_bind().dialect.name)
    lapsed = (
        select(Evaluation.product_id, func.min(Evaluation.issued_on).label("issued_on"))
        .join(Product, Product.id == Evaluation.product_id)
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS, Evaluation.expires_on >= scope.starts_on,
               Evaluation.expires_on <= scope.day, in_area(Product.province_id, scope),
               or_(Evaluation.revoked_at.is_(None), Evaluation.revoked_at >= calendar.utc_start_of(Evaluation.expires_on)))
        .group_by(Evaluation.product_id)
        .subquery("lapsed")
    )
    renewal = aliased(Evaluation)
    renewed = (
        select(renewal.id)
        .where(renewal.product_id == lapsed.c.product_id, renewal.stars >= CERTIFIED_MIN_STARS,
               renewal.issued_on > lapsed.c.issued_on, renewal.issued_on <= scope.day)
        .exists()
    )
    return select(lapsed.c.product_id.label("id"), renewed.label("counted"))


def ocop_producers(scope: Scope, counted):
    """The producers with a product certified in the area on the day, `counted` a condition on Producer."""
    certified = certified_on_day(scope)
    producer_ids = select(Product.producer_id).join(certified, certified.c.id == Product.id)
    return select(Producer.id, counted.label("counted")).where(Producer.id.in_(producer_ids))


def sold_in_period(scope: Scope):
    return (
        select(SaleLine.id)
        .join(Product, Product.id == SaleLine.product_id)
        .where(Product.producer_id == Producer.id, SaleLine.counts_at >= utc_start_of(scope.starts_on),
               SaleLine.counts_at < scope.after_day)
        .exists()
    )


def open_on(scope: Scope):
    closed_later = or_(Outlet.closed_on > scope.day, and_(Outlet.closed_on.is_(None), Outlet.active.is_(True)))
    return and_(or_(Outlet.opened_on.is_(None), Outlet.opened_on <= scope.day), closed_later)


def districts_with_outlet(scope: Scope):
    places = outlet_places()
    district = aliased(Area)
    served = (
        select(Outlet.id)
        .join(places, places.c.outlet_id == Outlet.id)
        .where(places.c.district_id == district.id, open_on(scope))
        .exists()
    )
    return select(district.id, served.label("counted")).where(
        district.level == "district", in_area(district.parent_id, scope)
    )


def outlets_carrying(scope: Scope, foreign):
    """Sales points of the area open on the day, counted when by then they had received a product
    `foreign(product, place)` says comes from elsewhere."""
    places = outlet_places()
    received = (
        select(StockMove.id)
        .join(Product, Product.id == StockMove.product_id)
        .where(StockMove.outlet_id == Outlet.id, StockMove.on_hand_change > 0,
               StockMove.kind.in_(("receive", "transfer_in")), StockMove.created_at < scope.after_day,
               foreign(Product, places.c))
        .exists()
    )
    return (
        select(Outlet.id, received.label("counted"))
        .join(places, places.c.outlet_id == Outlet.id)
        .where(open_on(scope), in_area(places.c.province_id, scope))
    )


def meeting_growth_target(scope: Scope):
    """The growth report's own rows (on the basis each uses) for the plan's province and the
    products first certified in its years, due by the day judged: counted when they meet the target."""
    filters = ReportFilters(area=scope.growth_area, certification_years=scope.years)
    rows = growth_select(
        filters, today=scope.judged_on or scope.day, default_target=hundredths(current_app.config["GROWTH_TARGET_DEFAULT"]),
        calendar=Calendar(db.session.get_bind().dialect.name), trailing=None,
    ).subquery("growth")
    return select(rows.c.product_id.label("id"), (rows.c.status == "meets").label("counted")).where(
        rows.c.status.in_(COMPARED)
    )


POPULATIONS = {
    "certified": lambda scope: certified_population(scope),
    "certified_new": newly_certified,
    "certified_share": evaluated_reaching_three_stars,
    "four_star": lambda scope: certified_population(scope, lambda c: c.stars == 4),
    "five_star": lambda scope: certified_population(scope, lambda c: c.stars == 5),
    "potential_five_star": lambda scope: certified_population(
        scope, lambda c: and_(c.stars == 4, c.score >= POTENTIAL_FIVE_STAR_SCORE)),
    "recertified_share": recertified,
    "cooperative_share": lambda scope: ocop_producers(scope, Producer.kind == "cooperative"),
    "enterprise_share": lambda scope: ocop_producers(scope, Producer.kind == "enterprise"),
    "organised_share": lambda scope: ocop_producers(scope, Producer.kind.in_(("cooperative", "enterprise"))),
    "women_led_share": lambda scope: ocop_producers(scope, Producer.women_led.is_(True)),
    "ethnic_minority_share": lambda scope: ocop_producers(scope, Producer.ethnic_minority_led.is_(True)),
    "districts_with_outlet": districts_with_outlet,
    "outlets_other_districts": lambda scope: outlets_carrying(
        scope, lambda product, place: and_(product.district_id.is_not(None), place.district_id.is_not(None),
                                           product.district_id != place.district_id)),
    "outlets_other_provinces": lambda scope: outlets_carrying(
        scope, lambda product, place: product.province_id != place.province_id),
    "modern_channel_share": lambda scope: ocop_producers(scope, sold_in_period(scope)),
    GROWTH_RATIO: meeting_growth_target,
}


def population(code: str, scope: Scope):
    """The indicator's rows as a subquery (id, counted)."""
    return POPULATIONS[code](scope).subquery("population")


@dataclass(frozen=True)
class Measure:
    counted: int
    total: int  # the population: all products evaluated, all OCOP producers, all districts…

    def value(self, unit: str) -> Fraction | None:
        """A count, or a share in per cent (exact); None for a share of nobody."""
        if unit == "count":
            return Fraction(self.counted)
        return Fraction(self.counted * 100, self.total) if self.total else None


def measure(code: str, scope: Scope) -> Measure:
    rows = population(code, scope)
    counted, total = db.session.execute(
        select(func.coalesce(func.sum(case((rows.c.counted, 1), else_=0)), 0), func.count()).select_from(rows)
    ).one()
    return Measure(int(counted), int(total))


# --- Targets ---------------------------------------------------------------------------------


STATUSES = ("met", "close", "behind")  # green, amber (within 10% of the target), red
CLOSE = Fraction(9, 10)


def target_status(value: Fraction | None, low: Decimal, code: str) -> str | None:
    """Met when the value reaches the target (the low end of a range). The growth indicator's
    target is the ratio each product must reach, so it is met when every due product meets it."""
    if value is None:
        return None
    goal = Fraction(100) if code == GROWTH_RATIO else Fraction(low)
    if value >= goal:
        return "met"
    return "close" if value >= goal * CLOSE else "behind"


def progress(value: Fraction | None, low: Decimal, code: str) -> Fraction:
    """How far towards the target, from 0 to 1, for the bar."""
    goal = Fraction(100) if code == GROWTH_RATIO else Fraction(low)
    if value is None or goal <= 0:
        return Fraction(1) if value is not None else Fraction(0)
    return max(Fraction(0), min(Fraction(1), value / goal))

