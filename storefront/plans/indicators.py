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

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import count
from decimal import Decimal
from fractions import Fraction

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Float, Integer, MetaData, Table, and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased

from storefront.catalog.models import CERTIFIED_MIN_STARS, Area, Evaluation, Producer, Product
from storefront.clock import utc_start_of
from storefront.extensions import db
from storefront.outlets.directory import outlet_places
from storefront.outlets.models import Outlet, OutletEarlierOpening, StockMove
from storefront.plans.models import GROWTH_RATIO
from storefront.reports.figures import Calendar, CreateTemporaryTableAs, growth_verdicts
from storefront.reports.services import ReportFilters, hundredths
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
    figures are taken on, and — for the growth indicator — the plan's years."""

    province_ids: tuple[int, ...] | None
    starts_on: date
    day: date
    years: tuple[int, int] | None = None
    # The growth indicator judges the plan's products on this day (else on `day`): a product
    # certified in the plan's last year is only due a year later, so the dashboard judges today.
    judged_on: date | None = None
    # The products certified on the day, which several indicators read, computed once per
    # request into a temporary table (see computed_once).
    certified: Table | None = None
    todays_areas: bool = False  # the provinces named as they are today (merged ones as their successor)

    @property
    def after_day(self):
        """The first moment after the day, as the naive UTC timestamps are stored."""
        return utc_start_of(self.day + timedelta(days=1))


def in_area(column, scope: Scope):
    return true() if scope.province_ids is None else column.in_(scope.province_ids)


def of_area(statement, product_id, scope: Scope):
    """The statement kept to the products of the scope's provinces; for the whole country no
    join with the product table (wide rows, most of the cost of reading evaluations by date)."""
    if scope.province_ids is None:
        return statement
    return statement.join(Product, Product.id == product_id).where(Product.province_id.in_(scope.province_ids))


def valid_on(scope: Scope, evaluation=Evaluation):
    return and_(
        evaluation.stars >= CERTIFIED_MIN_STARS, evaluation.issued_on <= scope.day, evaluation.expires_on > scope.day,
        or_(evaluation.revoked_at.is_(None), evaluation.revoked_at >= scope.after_day),
    )


def certified_on_day(scope: Scope):
    """(id, stars, score) of each product in the area certified on the day, from its latest valid certificate."""
    if scope.certified is not None:
        return scope.certified
    latest = func.row_number().over(partition_by=Evaluation.product_id,
                                    order_by=(Evaluation.issued_on.desc(), Evaluation.id.desc()))
    ranked = of_area(
        select(Evaluation.product_id, Evaluation.stars, Evaluation.score, latest.label("latest")).where(valid_on(scope)),
        Evaluation.product_id, scope,
    ).subquery("ranked")
    return (
        select(ranked.c.product_id.label("id"), ranked.c.stars, ranked.c.score)
        .where(ranked.c.latest == 1)
        .subquery("certified_on_day")
    )


def certified_population(scope: Scope, condition=lambda certified: true()):
    certified = certified_on_day(scope)
    return select(certified.c.id, literal(True).label("counted")).where(condition(certified.c))


def newly_certified(scope: Scope):
    first_on = func.min(Evaluation.issued_on)
    return of_area(
        select(Evaluation.product_id.label("id"), literal(True).label("counted"))
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS)
        .group_by(Evaluation.product_id)
        .having(and_(first_on >= scope.starts_on, first_on <= scope.day)),
        Evaluation.product_id, scope,
    )


def evaluated_reaching_three_stars(scope: Scope):
    reached = func.max(case((Evaluation.stars >= CERTIFIED_MIN_STARS, 1), else_=0)) == 1
    return of_area(
        select(Evaluation.product_id.label("id"), reached.label("counted"))
        .where(Evaluation.issued_on >= scope.starts_on, Evaluation.issued_on <= scope.day)
        .group_by(Evaluation.product_id),
        Evaluation.product_id, scope,
    )


def recertified(scope: Scope):
    """Products whose 3★+ certificate expired in the period (not revoked before), counted when
    a later 3★+ certificate was issued by the day."""
    calendar = Calendar(db.session.get_bind().dialect.name)
    lapsed = of_area(
        select(Evaluation.product_id, func.min(Evaluation.issued_on).label("issued_on"))
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS, Evaluation.expires_on >= scope.starts_on,
               Evaluation.expires_on <= scope.day,
               or_(Evaluation.revoked_at.is_(None), Evaluation.revoked_at >= calendar.utc_start_of(Evaluation.expires_on)))
        .group_by(Evaluation.product_id),
        Evaluation.product_id, scope,
    ).subquery("lapsed")
    renewal = aliased(Evaluation)
    renewed = (
        select(renewal.id)
        .where(renewal.product_id == lapsed.c.product_id, renewal.stars >= CERTIFIED_MIN_STARS,
               renewal.issued_on > lapsed.c.issued_on, renewal.issued_on <= scope.day)
        .exists()
    )
    return select(lapsed.c.product_id.label("id"), renewed.label("counted"))


def ocop_producer_ids(scope: Scope):
    """The producers with a product certified in the area on the day."""
    certified = certified_on_day(scope)
    return select(Product.producer_id).join(certified, certified.c.id == Product.id)


def ocop_producers(scope: Scope, counted):
    """The OCOP producers of the area on the day, `counted` a condition on Producer."""
    return select(Producer.id, counted.label("counted")).where(Producer.id.in_(ocop_producer_ids(scope)))


def sold_in_period(scope: Scope):
    return (
        select(SaleLine.id)
        .join(Product, Product.id == SaleLine.product_id)
        .where(Product.producer_id == Producer.id, SaleLine.counts_at >= utc_start_of(scope.starts_on),
               SaleLine.counts_at < scope.after_day)
        .exists()
    )


def open_on(scope: Scope):
    """The outlet was open on the scope's day: in its current period, or in one before it closed
    and was reopened."""
    closed_later = or_(Outlet.closed_on > scope.day, and_(Outlet.closed_on.is_(None), Outlet.active.is_(True)))
    earlier = (
        select(OutletEarlierOpening.id)
        .where(OutletEarlierOpening.outlet_id == Outlet.id, OutletEarlierOpening.closed_on > scope.day,
               or_(OutletEarlierOpening.opened_on.is_(None), OutletEarlierOpening.opened_on <= scope.day))
        .exists()
    )
    return or_(and_(or_(Outlet.opened_on.is_(None), Outlet.opened_on <= scope.day), closed_later), earlier)


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


def growth_arguments(scope: Scope) -> dict:
    """The growth report's rows for the plan's province and the products first certified in
    its years, due by the day judged."""
    return dict(filters=ReportFilters(provinces=scope.province_ids, certification_years=scope.years),
                today=scope.judged_on or scope.day,
                default_target=hundredths(current_app.config["GROWTH_TARGET_DEFAULT"]))


def meeting_growth_target(scope: Scope):
    """The products the growth report compares (due, with a baseline above zero), counted when
    they meet the target on the basis each uses: the report's verdicts without its rows."""
    verdicts = growth_verdicts(calendar=Calendar(db.session.get_bind().dialect.name),
                               **growth_arguments(scope)).subquery("growth")
    return select(verdicts.c.product_id.label("id"), verdicts.c.meets.label("counted"))


POPULATIONS = {
    "certified": lambda scope: certified_population(scope),
    "certified_new": newly_certified,
    "certified_share": evaluated_reaching_three_stars,
    "four_star": lambda scope: certified_population(scope, lambda c: c.stars == 4),
    "five_star": lambda scope: certified_population(scope, lambda c: c.stars == 5),
    "potential_five_star": lambda scope: certified_population(
        scope, lambda c: and_(c.stars == 4, c.score >= POTENTIAL_FIVE_STAR_SCORE)),
    "recertified_share": recertified,
    "districts_with_outlet": districts_with_outlet,
    "outlets_other_districts": lambda scope: outlets_carrying(
        scope, lambda product, place: and_(product.district_id.is_not(None), place.district_id.is_not(None),
                                           product.district_id != place.district_id)),
    "outlets_other_provinces": lambda scope: outlets_carrying(
        scope, lambda product, place: product.province_id != place.province_id),
    GROWTH_RATIO: meeting_growth_target,
}
# The shares of the OCOP producers: which of them each counts, a condition on Producer.
PRODUCER_SHARES = {
    "cooperative_share": lambda scope: Producer.kind == "cooperative",
    "enterprise_share": lambda scope: Producer.kind == "enterprise",
    "organised_share": lambda scope: Producer.kind.in_(("cooperative", "enterprise")),
    "women_led_share": lambda scope: Producer.women_led.is_(True),
    "ethnic_minority_share": lambda scope: Producer.ethnic_minority_led.is_(True),
    "modern_channel_share": sold_in_period,
}
POPULATIONS |= {code: lambda scope, counted=counted: ocop_producers(scope, counted(scope))
                for code, counted in PRODUCER_SHARES.items()}


def population(code: str, scope: Scope):
    """The indicator's rows as a subquery (id, counted)."""
    return POPULATIONS[code](scope).subquery("population")


CERTIFIED_READERS = {"certified", "four_star", "five_star", "potential_five_star"} | set(PRODUCER_SHARES)
TABLE_NUMBERS = count(1)


@contextmanager
def certified_table(scope: Scope) -> Iterator[Table]:
    """The products certified on the scope's day, as a temporary table (id, stars, score)."""
    name = f"plan_certified_{next(TABLE_NUMBERS)}"
    connection = db.session.connection()
    connection.execute(CreateTemporaryTableAs(name, select(certified_on_day(scope))))
    connection.exec_driver_sql(f"CREATE INDEX ix_{name} ON {name} (id)")
    try:
        yield Table(name, MetaData(), Column("id", Integer), Column("stars", Integer), Column("score", Float))
    finally:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


@contextmanager
def computed_once(scope: Scope, codes) -> Iterator[Scope]:
    """The scope with what several of the indicators `codes` read computed once, for the
    queries made inside: the products certified on the day (a window over every evaluation,
    read by ten indicators; the six producer shares read it in one pass, see measures)."""
    codes = set(codes)
    with ExitStack() as stack:
        if len(codes & CERTIFIED_READERS) > 1:
            scope = replace(scope, certified=stack.enter_context(certified_table(scope)))
        yield scope


@dataclass(frozen=True)
class Measure:
    counted: int
    total: int  # the population: all products evaluated, all OCOP producers, all districts…

    def value(self, unit: str) -> Fraction | None:
        """A count, or a share in per cent (exact); None for a share of nobody."""
        if unit == "count":
            return Fraction(self.counted)
        return Fraction(self.counted * 100, self.total) if self.total else None


def tally(rows, *keys):
    """How many of the rows are counted, and how many there are (by `keys`, if any)."""
    return select(*keys, func.coalesce(func.sum(case((rows.c.counted, 1), else_=0)), 0), func.count()).select_from(rows)


def measure(code: str, scope: Scope) -> Measure:
    counted, total = db.session.execute(tally(population(code, scope))).one()
    return Measure(int(counted), int(total))


def measures(codes, scope: Scope) -> dict[str, Measure]:
    """The measures of `codes`; the producer shares among them tallied in one pass over the
    OCOP producers (the same rows and conditions as their populations), the others one
    statement each."""
    shares = [code for code in codes if code in PRODUCER_SHARES]
    found = {code: measure(code, scope) for code in codes if code not in shares}
    if shares:
        total, *counted = db.session.execute(
            select(func.count(), *(func.coalesce(func.sum(case((PRODUCER_SHARES[code](scope), 1), else_=0)), 0)
                                   for code in shares))
            .where(Producer.id.in_(ocop_producer_ids(scope)))
        ).one()
        found |= {code: Measure(int(number), int(total)) for code, number in zip(shares, counted)}
    return found


def measures_on_days(code: str, scopes: list[Scope]) -> list[Measure]:
    """The indicator on each scope's day (the months of a trend chart), in one statement
    grouped by the day."""
    if code == GROWTH_RATIO:
        return growth_on_days(scopes)
    days = union_all(*(select(literal(number).label("number"), rows.c.counted) for number, rows in
                       enumerate(population(code, scope) for scope in scopes))).subquery("on_days")
    return measures_by_number(tally(days, days.c.number).group_by(days.c.number), len(scopes))


def growth_on_days(scopes: list[Scope]) -> list[Measure]:
    """The growth report's verdicts judged once, on the last day; on each day, the products
    whose year one had ended by then are the due ones (their year one's sales were all in by
    then). The verdicts are tallied by the day year one ends first: the days join those few
    rows, not every product."""
    verdicts = growth_verdicts(calendar=Calendar(db.session.get_bind().dialect.name),
                               **growth_arguments(scopes[-1])).subquery("growth")
    ends = (select(verdicts.c.year_one_ends, func.sum(case((verdicts.c.meets, 1), else_=0)).label("counted"),
                   func.count().label("total"))
            .group_by(verdicts.c.year_one_ends).subquery("ends"))
    days = union_all(*(select(literal(number).label("number"), literal(scope.day).label("day"))
                       for number, scope in enumerate(scopes))).subquery("days")
    return measures_by_number(
        select(days.c.number, func.sum(ends.c.counted), func.sum(ends.c.total))
        .join(ends, ends.c.year_one_ends <= days.c.day).group_by(days.c.number),
        len(scopes),
    )


def measures_by_number(statement, count: int) -> list[Measure]:
    found = {number: Measure(int(counted), int(total)) for number, counted, total in db.session.execute(statement)}
    return [found.get(number, Measure(0, 0)) for number in range(count)]


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

