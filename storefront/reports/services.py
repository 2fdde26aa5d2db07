"""The 1.5× growth report: each certified product's first year against its pre-OCOP baseline.

The database computes every row, the summary, the ratio histogram, the order and the page
(storefront.reports.figures); Python builds only the rows it shows or writes. Every ratio shown
is computed exactly from its two whole numbers of đồng, and every status is decided in whole
numbers (value × 100 ≥ target in hundredths × baseline), never with floats.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from math import ceil
from operator import attrgetter

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import case, func, literal_column, select, true

from storefront.query_args import parse_int
from storefront.catalog.areas import merged_with
from storefront.catalog.models import CERTIFIED_MIN_STARS, PRODUCER_KINDS, PRODUCT_GROUPS, Area, Product
from storefront.clock import VIETNAM, utc_start_of, vietnam_today
from storefront.extensions import db
from storefront.reports.figures import (
    RATIO_EDGES, TRAILING_COLUMNS, TRAILING_RATIOS, growth_rows_table, ratio, sql_folded,
)
from storefront.sales.models import SaleLine

STATUSES = ("meets", "below", "not_yet_due", "no_baseline", "no_comparable_baseline")
BASES = ("declared", "platform")  # which comparison a row's status comes from
DECLARATIONS = ("full", "partial", "none")
CERTIFICATES = ("valid", "expired", "revoked")  # the product's certification today
COMPARED = ("meets", "below")  # due, with a baseline above zero: the rows the share is of
HUNDRED = 100


def report_day() -> date:
    """The day the report is made for: today in Vietnam."""
    return vietnam_today()


def year_one_end_of(certified_on: date) -> date:
    return certified_on + relativedelta(months=12)


def year_one_years(certified_on: date) -> tuple[int, ...]:
    """The calendar years year one falls in, whose declarations the report weighs: one when
    C is 1 January, else two."""
    last_day = year_one_end_of(certified_on) - relativedelta(days=1)
    return tuple(range(certified_on.year, last_day.year + 1))


def exact_ratio(value: int | None, baseline: int | None) -> Fraction | None:
    """Growth over a positive baseline, exactly; none over a zero or loss-making one."""
    if value is None or baseline is None or baseline <= 0:
        return None
    return Fraction(value, baseline)


def rounded_ratio(value: int | None, baseline: int | None) -> Decimal | None:
    """value ÷ baseline as every output shows it: two decimals, halves away from zero
    (1.005 → 1.01), rounded in whole numbers from the exact figures; none over a zero or
    loss-making baseline."""
    if value is None or baseline is None or baseline <= 0:
        return None
    hundredths = (abs(value) * 200 + baseline) // (2 * baseline)
    return Decimal(hundredths if value >= 0 else -hundredths).scaleb(-2)


def shown_ratio(value: Fraction | Decimal | int | None) -> Decimal | None:
    """An exact ratio (or a target) rounded as rounded_ratio does."""
    if value is None:
        return None
    exact = Fraction(value)
    return rounded_ratio(exact.numerator, exact.denominator)


@dataclass(frozen=True)
class ReportFilters:
    area: Area | None = None
    group: str | None = None
    stars: int | None = None  # the product's stars now
    first_stars: int | None = None  # its stars at C
    certification_year: int | None = None
    producer_kind: str | None = None
    basis: str | None = None
    product_id: int | None = None  # one product's row, for its chart page
    certification_years: tuple[int, int] | None = None  # first and last, for a plan's period
    # Counted by today's provinces: the provinces whose products count (see catalog.areas),
    # instead of the area's own; None: by the areas of their time.
    provinces: tuple[int, ...] | None = None


@dataclass
class GrowthRow:
    product_id: int
    code: str
    slug: str
    name: str  # as registered, in Vietnamese
    name_en: str | None
    group: str
    producer_kind: str
    province: str
    district: str | None
    stars: int | None  # now: of its latest certificate that is not revoked (valid or expired)
    first_stars: int  # at C
    certified_on: date
    year_one_ends: date
    certificate: str  # valid, expired or revoked, today
    certified_until: date | None  # the end of its latest certificate that is not revoked
    revoked_on: date | None  # the latest revocation of any of its certificates
    target: Decimal
    baseline_revenue: int | None
    baseline_profit: int | None
    revenue: int  # platform sales in year one
    profit: int
    declaration: str  # full, partial or none
    declared_years: list[tuple[int, bool]]  # each calendar year of year one, and whether it is declared
    declared_revenue: int | None  # weighted over year one; only when the declaration is full
    declared_profit: int | None
    basis: str
    status: str
    trailing_revenue: int | None = None  # the last 12 months, once year one is over
    trailing_profit: int | None = None

    @property
    def revenue_ratio(self) -> Fraction | None:
        return exact_ratio(self.revenue, self.baseline_revenue)

    @property
    def profit_ratio(self) -> Fraction | None:
        return exact_ratio(self.profit, self.baseline_profit)

    @property
    def declared_revenue_ratio(self) -> Fraction | None:
        return exact_ratio(self.declared_revenue, self.baseline_revenue)

    @property
    def declared_profit_ratio(self) -> Fraction | None:
        return exact_ratio(self.declared_profit, self.baseline_profit)

    @property
    def trailing_revenue_ratio(self) -> Fraction | None:
        return exact_ratio(self.trailing_revenue, self.baseline_revenue)

    @property
    def trailing_profit_ratio(self) -> Fraction | None:
        return exact_ratio(self.trailing_profit, self.baseline_profit)


@dataclass
class Bucket:
    """Products compared whose ratio (on their basis) falls in [low, high), in hundredths."""

    low: int | None
    high: int | None
    revenue: int = 0
    profit: int = 0


@dataclass
class GrowthPage:
    today: date
    default_target: Decimal
    rows: list[GrowthRow]
    total: int  # rows in the view, over every page
    page: int
    pages: int
    summary: dict = field(default_factory=dict)
    histogram: list[Bucket] = field(default_factory=list)
    targets: list[Decimal] = field(default_factory=list)  # those the compared products are held to


# Every column of the report can order it; missing figures always go last, ties by code.
SORT_COLUMNS = (
    "code", "name", "district", "group", "producer_kind", "stars", "first_stars", "certified_on",
    "year_one_ends", "certificate", "target", "baseline_revenue", "baseline_profit", "revenue", "profit",
    "revenue_ratio", "profit_ratio", "declared_revenue", "declared_profit", "declared_revenue_ratio",
    "declared_profit_ratio", "basis", "status", "trailing_revenue", "trailing_profit",
    "trailing_revenue_ratio", "trailing_profit_ratio",
)
ALWAYS_KNOWN = {"code", "name", "district", "group", "producer_kind", "first_stars", "certified_on",
                "year_one_ends", "certificate", "target", "revenue", "profit", "basis", "status"}
DEFAULT_SORT = "code"


@dataclass(frozen=True)
class ReportOrder:
    column: str = DEFAULT_SORT
    descending: bool = False


def hundredths(value: Decimal) -> int:
    return int(value * HUNDRED)


def trailing_days(today: date) -> tuple[date, date]:
    """The last 12 months: the Vietnamese days [first, end)."""
    return today - relativedelta(months=12), today


def growth_page(filters: ReportFilters, *, default_target: Decimal, order: ReportOrder = ReportOrder(),
                page: int = 1, per_page: int = 50, past_year_one: bool = False,
                today: date | None = None) -> GrowthPage:
    """One page of the report, with the summary and histogram of every row the filters keep.
    `past_year_one` lists only the products whose year one is over (the last-12-months view);
    the summary still covers them all."""
    today = today or report_day()
    trailing = trailing_days(today)
    sums_trailing = order.column in TRAILING_COLUMNS or order.column in TRAILING_RATIOS
    with growth_rows_table(filters, today=today, default_target=hundredths(default_target),
                           trailing=trailing if sums_trailing else None) as table:
        listed = table.c.year_one_ends <= today if past_year_one else true()
        summary = summarise(table)
        total = summary["overall"]["due" if past_year_one else "products"]
        pages = max(1, ceil(total / per_page))
        page = min(max(page, 1), pages)
        rows = [growth_row(found) for found in db.session.execute(
            rows_query(table, order).where(listed).limit(per_page).offset((page - 1) * per_page)
        )]
        if not sums_trailing:
            add_trailing(rows, trailing)
        return GrowthPage(
            today=today, default_target=default_target, rows=rows, total=total, page=page, pages=pages,
            summary=summary, histogram=ratio_histogram(table), targets=compared_targets(table),
        )


def all_growth_rows(filters: ReportFilters, *, default_target: Decimal, order: ReportOrder = ReportOrder(),
                    today: date | None = None) -> Iterator[GrowthRow]:
    """Every row, with the last 12 months, read from the database as it is consumed (for
    files: memory stays the same whatever their length)."""
    today = today or report_day()
    with growth_rows_table(filters, today=today, default_target=hundredths(default_target),
                           trailing=trailing_days(today)) as table:
        # Core rows, a thousand at a time (a server-side cursor on PostgreSQL), not ORM results.
        found = db.session.connection().execute(rows_query(table, order).execution_options(yield_per=1000))
        for row in found:
            yield growth_row(row)


def one_growth_row(product: Product, *, default_target: Decimal, today: date | None = None) -> GrowthRow | None:
    """A product's row (none if it was never certified 3★+), with its last 12 months."""
    rows = list(all_growth_rows(ReportFilters(product_id=product.id), default_target=default_target, today=today))
    return rows[0] if rows else None


# --- Reading the temporary table ------------------------------------------------------------

def named_areas():
    return db.aliased(Area, name="district_area"), db.aliased(Area, name="province_area")


def rows_query(table, order: ReportOrder):
    """The rows with their names, in the order asked; ties and then missing values last."""
    district, province = named_areas()
    statement = (
        select(table, Product.slug, Product.name_vi, Product.name_en, province.name.label("province_name"),
               district.name.label("district_name"))
        .join(Product, Product.id == table.c.product_id)
        .join(province, province.id == table.c.province_id)
        .outerjoin(district, district.id == table.c.district_id)
    )
    key = sort_key(table, order.column, district, province)
    by_key = key.desc() if order.descending else key.asc()
    if order.column in ALWAYS_KNOWN:  # no test for missing values, which SQLite would work the key out for
        return statement.order_by(by_key, table.c.code)
    return statement.order_by(key.is_(None), by_key, table.c.code)


def sort_key(table, column: str, district, province):
    dialect = db.session.get_bind().dialect.name
    if column == "name":
        return sql_folded(Product.name_vi, dialect)
    if column == "district":
        return sql_folded(func.coalesce(district.name, province.name), dialect)
    if column == "status":
        return case({status: position for position, status in enumerate(STATUSES)}, value=table.c.status)
    if column in TRAILING_RATIOS:
        value, baseline = TRAILING_RATIOS[column]
        return ratio(table.c[value], table.c[baseline])
    return table.c[column]


# The fields a row of the temporary table gives as they are; growth_row works out the others.
AS_STORED = {field.name for field in fields(GrowthRow)} - {
    "name", "province", "district", "revoked_on", "target", "declared_years"}


def growth_row(found) -> GrowthRow:
    """A row of the temporary table, with its product's names, as the page and files read it."""
    values = found._asdict()
    years = [(values["first_year"], values["first_declared_revenue"] is not None)]
    if values["second_year"] is not None:
        years.append((values["second_year"], values["second_declared_revenue"] is not None))
    return GrowthRow(
        **{name: value for name, value in values.items() if name in AS_STORED},
        name=values["name_vi"], province=values["province_name"],
        district=values["district_name"], revoked_on=vietnam_day(values["revoked_at"]),
        target=target_of(values["target"]), declared_years=years,
    )


@lru_cache(maxsize=1024)
def target_of(hundredths: int) -> Decimal:
    return Decimal(hundredths).scaleb(-2)


def vietnam_day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc).astimezone(VIETNAM).date()


def add_trailing(rows: list[GrowthRow], days: tuple[date, date]) -> None:
    """The last 12 months of the page's products past year one, in one query."""
    bounds = utc_start_of(days[0]), utc_start_of(days[1])
    due = [row for row in rows if row.year_one_ends <= days[1]]
    if not due:
        return
    sums = {
        product_id: (int(revenue or 0), int(profit or 0))
        for product_id, revenue, profit in db.session.execute(
            select(SaleLine.product_id, func.sum(SaleLine.amount), func.sum(SaleLine.amount - SaleLine.cost_amount))
            .where(SaleLine.product_id.in_([row.product_id for row in due]),
                   SaleLine.counts_at >= bounds[0], SaleLine.counts_at < bounds[1])
            .group_by(SaleLine.product_id)
        )
    }
    for row in due:
        row.trailing_revenue, row.trailing_profit = sums.get(row.product_id, (0, 0))


TALLIES = ("products", "due", "no_baseline", "no_comparable_baseline", "with_baseline", "meets",
           "declared", "meets_declared", "platform", "meets_platform")


def tally_columns(table) -> list:
    c = table.c
    compared = c.status.in_(COMPARED)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    return [
        func.count().label("products"),
        count(c.status != "not_yet_due").label("due"),
        count(c.status == "no_baseline").label("no_baseline"),
        count(c.status == "no_comparable_baseline").label("no_comparable_baseline"),
        count(compared).label("with_baseline"),
        count(c.status == "meets").label("meets"),
        count(compared & (c.basis == "declared")).label("declared"),
        count((c.status == "meets") & (c.basis == "declared")).label("meets_declared"),
        count(compared & (c.basis == "platform")).label("platform"),
        count((c.status == "meets") & (c.basis == "platform")).label("meets_platform"),
    ]


def with_share(counts: dict) -> dict:
    return counts | {"share": counts["meets"] / counts["with_baseline"] if counts["with_baseline"] else None}


def summarise(table) -> dict:
    """Products due, compared and meeting the target, and on which basis: overall and by
    district, group, stars now and stars at C. The database counts them by every combination
    of the four (one pass over the rows); adding those few combinations up gives each tally."""
    dialect = db.session.get_bind().dialect.name
    district, province = named_areas()
    place = func.coalesce(district.name, province.name)
    keys = (place.label("district"), table.c.group, table.c.stars, table.c.first_stars)
    combinations = db.session.execute(
        select(*keys, *tally_columns(table))
        .select_from(table)
        .join(province, province.id == table.c.province_id)
        .outerjoin(district, district.id == table.c.district_id)
        .group_by(*keys)
        .order_by(sql_folded(place, dialect), place)
    ).all()
    return {
        "overall": add_up(combinations, lambda row: "all").get("all", with_share(dict.fromkeys(TALLIES, 0))),
        "district": add_up(combinations, attrgetter("district")),  # in the order of the folded names
        "group": in_key_order(add_up(combinations, attrgetter("group"))),
        "stars": in_key_order(add_up(combinations, attrgetter("stars"))),
        "first_stars": in_key_order(add_up(combinations, attrgetter("first_stars"))),
    }


def in_key_order(tallies: dict) -> dict:
    return dict(sorted(tallies.items(), key=lambda item: (item[0] is None, item[0])))


def add_up(combinations, key) -> dict:
    tallies: dict = {}
    for found in combinations:
        tally = tallies.setdefault(key(found), dict.fromkeys(TALLIES, 0))
        for name in TALLIES:
            tally[name] += getattr(found, name)
    return {value: with_share(tally) for value, tally in tallies.items()}


def ratio_histogram(table) -> list[Bucket]:
    """How many compared products fall in each ratio bucket, on the basis of their status."""
    lows, highs = (None, *RATIO_EDGES), (*RATIO_EDGES, None)
    buckets = [Bucket(low, high) for low, high in zip(lows, highs)]
    for revenue_bucket, profit_bucket, count in db.session.execute(
        select(table.c.revenue_bucket, table.c.profit_bucket, func.count())
        .where(table.c.status.in_(COMPARED))
        .group_by(table.c.revenue_bucket, table.c.profit_bucket)
    ):
        buckets[revenue_bucket].revenue += count
        buckets[profit_bucket].profit += count
    return buckets


def compared_targets(table) -> list[Decimal]:
    """The targets the compared products are held to (one, unless plans differ)."""
    found = db.session.scalars(select(table.c.target).where(table.c.status.in_(COMPARED)).distinct())
    return sorted(Decimal(value) / HUNDRED for value in found)


# --- Reading the report's filters and order from a request (page, files, API, CLI) -----------

CERTIFICATION_YEARS = (2000, 2100)  # beyond these a typed year is a typo


def parse_stars(args, name: str, notices: list[str]) -> int | None:
    raw = args.get(name) or ""
    stars = parse_int(raw)
    if raw and not (stars is not None and CERTIFIED_MIN_STARS <= stars <= 5):
        notices.append(_("Ignored the star filter %(value)s: OCOP stars are 3, 4 or 5.", value=raw[:20]))
        return None
    return stars


def parse_report_filters(args) -> tuple[ReportFilters, list[str]]:
    """Filters from `area` (province or district code; with `areas=today`, a province counts
    with the provinces merged with it since), `group`, `stars` (now), `first_stars` (at
    certification), `year`, `kind` and `basis`; a bad value is dropped with a notice."""
    notices: list[str] = []
    area = None
    if area_code := (args.get("area") or "").strip():
        area = db.session.scalar(select(Area).where(Area.code == area_code[:20]))
        if area is None or area.level not in ("province", "district"):
            notices.append(_("Ignored an unknown area."))
            area = None

    group = args.get("group") or None
    if group is not None and group not in PRODUCT_GROUPS:
        notices.append(_("Ignored an unknown product group."))
        group = None

    stars = parse_stars(args, "stars", notices)
    first_stars = parse_stars(args, "first_stars", notices)

    raw_year = args.get("year") or ""
    year = parse_int(raw_year)
    if raw_year and not (year is not None and CERTIFICATION_YEARS[0] <= year <= CERTIFICATION_YEARS[1]):
        notices.append(_("Ignored the certification year %(value)s: give a year such as 2024.", value=raw_year[:20]))
        year = None

    kind = args.get("kind") or None
    if kind is not None and kind not in PRODUCER_KINDS:
        notices.append(_("Ignored an unknown kind of producer."))
        kind = None

    basis = args.get("basis") or None
    if basis is not None and basis not in BASES:
        notices.append(_("Ignored an unknown basis: give declared or platform."))
        basis = None

    provinces = None
    if args.get("areas") == "today" and area is not None and area.level == "province":
        provinces = merged_with(area)

    filters = ReportFilters(area=area, group=group, stars=stars, first_stars=first_stars, certification_year=year,
                            producer_kind=kind, basis=basis, provinces=provinces)
    return filters, notices


def filter_args(filters: ReportFilters) -> dict[str, str | int]:
    """The URL arguments that reproduce these filters (the inverse of parse_report_filters)."""
    args = {
        "area": filters.area.code if filters.area else None,
        "group": filters.group,
        "stars": filters.stars,
        "first_stars": filters.first_stars,
        "year": filters.certification_year,
        "kind": filters.producer_kind,
        "basis": filters.basis,
        "areas": "today" if filters.provinces is not None else None,
    }
    return {name: value for name, value in args.items() if value is not None}


def parse_sort(args) -> tuple[ReportOrder, list[str]]:
    """`sort` (one of SORT_COLUMNS) and `dir` (asc or desc)."""
    notices: list[str] = []
    column = args.get("sort") or DEFAULT_SORT
    if column not in SORT_COLUMNS:
        notices.append(_("Ignored an unknown sort column."))
        column = DEFAULT_SORT
    direction = args.get("dir") or "asc"
    if direction not in ("asc", "desc"):
        notices.append(_("Ignored an unknown sort direction: give asc or desc."))
    return ReportOrder(column, direction == "desc"), notices


def report_areas() -> list[tuple[Area, list[Area]]]:
    """Provinces by name, each with its districts by name: the choices of the area filter."""
    areas = db.session.scalars(
        select(Area).where(Area.level.in_(("province", "district"))).order_by(Area.name, Area.code)
    ).all()
    districts: dict[int, list[Area]] = {}
    for area in areas:
        if area.level == "district" and area.parent_id is not None:
            districts.setdefault(area.parent_id, []).append(area)
    return [(area, districts.get(area.id, [])) for area in areas if area.level == "province"]


# One product over time, for its chart.

def local_month_of_sale():
    """The month a line counts in on the Vietnamese calendar: UTC+7 all year (no daylight
    saving). Constants are literal SQL so PostgreSQL sees the same expression in SELECT and
    GROUP BY."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(SaleLine.counts_at + literal_column("interval '7 hours'"), literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), SaleLine.counts_at, literal_column("'+7 hours'"))


def monthly_sales(product_id: int, start: date, end: date) -> list[tuple[str, int, int]]:
    """(YYYY-MM, revenue, profit) for every Vietnamese calendar month from start's month to
    end's month, both included; months without sales are zeros. A refund counts in the month
    of the sale it reverses, as in the report. Summed by the database."""
    first = start.replace(day=1)
    after = end.replace(day=1) + relativedelta(months=1)
    month = local_month_of_sale().label("sale_month")
    totals = {
        sale_month: (int(revenue or 0), int(profit or 0))
        for sale_month, revenue, profit in db.session.execute(
            select(month, func.sum(SaleLine.amount), func.sum(SaleLine.amount - SaleLine.cost_amount))
            .where(
                SaleLine.product_id == product_id,
                SaleLine.counts_at >= utc_start_of(first),
                SaleLine.counts_at < utc_start_of(after),
            )
            .group_by(month)
        )
    }
    series = []
    while first < after:
        key = f"{first:%Y-%m}"
        series.append((key, *totals.get(key, (0, 0))))
        first += relativedelta(months=1)
    return series
