"""The 1.5× growth report: each certified product's first year against its pre-OCOP baseline.

For a product first certified 3★+ on day C (Vietnamese calendar), year one is
[C, C + 12 months). Its revenue and profit come from the sales ledger, summed in SQL over
each product's year one held in a temporary table; Python only handles one row per product.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import attrgetter

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, and_, func, literal_column, select
from sqlalchemy.schema import DropTable

from storefront.catalog.listing import parse_int
from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    PRODUCER_KINDS,
    PRODUCT_GROUPS,
    Area,
    Evaluation,
    Producer,
    Product,
)
from storefront.clock import utc_start_of, vietnam_today
from storefront.extensions import db
from storefront.reports.models import GROWTH_RATIO, Baseline, DeclaredRevenue, PlanTarget
from storefront.sales.models import SaleLine
from storefront.search.analysis import plain_words

STATUSES = ("meets", "below", "not_yet_due", "no_baseline")


@dataclass(frozen=True)
class ReportFilters:
    area: Area | None = None
    group: str | None = None
    stars: int | None = None
    certification_year: int | None = None
    producer_kind: str | None = None
    product_id: int | None = None  # one product's row, for its chart page


@dataclass
class GrowthRow:
    product_id: int
    code: str
    slug: str
    name: str
    group: str
    stars: int | None
    producer_kind: str
    province: str
    district: str | None
    certified_on: date
    year_one_ends: date
    target: float
    baseline_revenue: int | None
    baseline_profit: int | None
    revenue: int = 0
    profit: int = 0
    declared_year: int | None = None
    declared_revenue: int | None = None
    declared_profit: int | None = None
    trailing_revenue: int | None = None
    trailing_profit: int | None = None
    status: str = "not_yet_due"

    @property
    def revenue_ratio(self) -> float | None:
        return ratio(self.revenue, self.baseline_revenue)

    @property
    def profit_ratio(self) -> float | None:
        return ratio(self.profit, self.baseline_profit)

    @property
    def trailing_revenue_ratio(self) -> float | None:
        return ratio(self.trailing_revenue, self.baseline_revenue)

    @property
    def trailing_profit_ratio(self) -> float | None:
        return ratio(self.trailing_profit, self.baseline_profit)


def ratio(value: int | None, baseline: int | None) -> float | None:
    """Growth over a positive baseline; none over a zero or loss-making one."""
    if value is None or baseline is None or baseline <= 0:
        return None
    return value / baseline


def meets(value: int, baseline: int, target: float) -> bool:
    """A loss or nothing before OCOP: any positive figure now is growth enough."""
    return value > 0 if baseline <= 0 else value >= target * baseline


def status_of(row: GrowthRow, today: date) -> str:
    if today < row.year_one_ends:
        return "not_yet_due"
    if row.baseline_revenue is None:
        return "no_baseline"
    both = meets(row.revenue, row.baseline_revenue, row.target) and meets(
        row.profit, row.baseline_profit, row.target
    )
    return "meets" if both else "below"


def first_certifications():
    """Each product's first 3★+ certification day (revoked certificates do not count)."""
    return (
        select(Evaluation.product_id, func.min(Evaluation.issued_on).label("certified_on"))
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS, Evaluation.revoked_at.is_(None))
        .group_by(Evaluation.product_id)
        .subquery()
    )


def report_products(filters: ReportFilters) -> list:
    first = first_certifications()
    province = db.aliased(Area)
    district = db.aliased(Area)
    statement = (
        select(
            Product.id, Product.code, Product.slug, Product.name_vi, Product.group,
            Product.certified_stars, Product.province_id, Producer.kind, province.name,
            district.name, first.c.certified_on, Baseline.revenue, Baseline.profit,
        )
        .join(first, first.c.product_id == Product.id)
        .join(Producer, Producer.id == Product.producer_id)
        .join(province, province.id == Product.province_id)
        .outerjoin(district, district.id == Product.district_id)
        .outerjoin(Baseline, Baseline.product_id == Product.id)
        .order_by(Product.code)
    )
    if filters.area is not None:
        column = Product.province_id if filters.area.level == "province" else Product.district_id
        statement = statement.where(column == filters.area.id)
    if filters.group:
        statement = statement.where(Product.group == filters.group)
    if filters.stars:
        statement = statement.where(Product.certified_stars == filters.stars)
    if filters.producer_kind:
        statement = statement.where(Producer.kind == filters.producer_kind)
    if filters.product_id:
        statement = statement.where(Product.id == filters.product_id)
    if filters.certification_year:
        year = filters.certification_year
        statement = statement.where(
            first.c.certified_on >= date(year, 1, 1), first.c.certified_on < date(year + 1, 1, 1)
        )
    return db.session.execute(statement).all()


def plan_targets() -> dict[tuple[int, int | None], float]:
    rows = db.session.execute(
        select(PlanTarget.year, PlanTarget.area_id, PlanTarget.value).where(
            PlanTarget.indicator == GROWTH_RATIO
        )
    )
    return {(year, area_id): value for year, area_id, value in rows}


def target_for(targets: dict, default: float, province_id: int, certified_on: date) -> float:
    """The plan of the product's province for its certification year, else the national one."""
    year = certified_on.year
    return targets.get((year, province_id), targets.get((year, None), default))


year_one_table = Table(
    "growth_year_one",
    MetaData(),
    Column("product_id", Integer, nullable=False),
    Column("starts", DateTime, nullable=False),
    Column("ends", DateTime, nullable=False),
    prefixes=["TEMPORARY"],
)


@contextmanager
def year_one_in_database(windows: list[dict]):
    """Each product's year one as a temporary table, for the queries that join it."""
    connection = db.session.connection()
    # pysqlite commits CREATE at once but the DROP below belongs to the request's transaction,
    # which a read-only request rolls back: the table can outlive an earlier report here.
    connection.execute(DropTable(year_one_table, if_exists=True))  # one statement, whatever is left
    year_one_table.create(connection)
    try:
        connection.execute(year_one_table.insert(), windows)
        if connection.dialect.name == "postgresql":
            # A new temporary table has no statistics: PostgreSQL would guess a few rows and
            # probe the ledger's index once per product, reading lines in random order (33 s
            # over 10 million lines). Counted, it hashes the products and reads the ledger once.
            connection.exec_driver_sql(f"ANALYZE {year_one_table.name}")
        yield connection
    finally:
        year_one_table.drop(connection)


def sum_sales(connection, *, starts=None, ends=None) -> dict[int, tuple[int, int]]:
    """Revenue and profit per product in its year one or, given both bounds, in that period
    for the products past year one. Aggregated by the database."""
    y = year_one_table.c
    if starts is None:
        period = and_(SaleLine.sold_at >= y.starts, SaleLine.sold_at < y.ends)
    else:
        period = and_(SaleLine.sold_at >= starts, SaleLine.sold_at < ends, y.ends <= ends)
    rows = connection.execute(
        select(y.product_id, func.sum(SaleLine.amount), func.sum(SaleLine.amount - SaleLine.cost_amount))
        .select_from(year_one_table)
        .join(SaleLine, and_(SaleLine.product_id == y.product_id, period))
        .group_by(y.product_id)
    )
    return {pid: (int(revenue or 0), int(profit or 0)) for pid, revenue, profit in rows}


def declarations(connection) -> dict[tuple[int, int], tuple[int, int]]:
    """Every declaration of the products in the report, by (product, year)."""
    found = connection.execute(
        select(DeclaredRevenue.product_id, DeclaredRevenue.year, DeclaredRevenue.revenue, DeclaredRevenue.profit)
        .join(year_one_table, year_one_table.c.product_id == DeclaredRevenue.product_id)
    )
    return {(pid, year): (revenue, profit) for pid, year, revenue, profit in found}


@lru_cache(maxsize=8192)
def year_one_end_of(certified_on: date) -> date:
    return certified_on + relativedelta(months=12)


@lru_cache(maxsize=8192)
def declared_year_of(certified_on: date) -> int:
    """Year one straddles two calendar years; producers declare by calendar year, so take
    the one holding most of it (the year six months after certification)."""
    return (certified_on + relativedelta(months=6)).year


@dataclass
class GrowthReport:
    rows: list[GrowthRow]
    today: date
    default_target: float
    summary: dict = field(default_factory=dict)


def growth_report(filters: ReportFilters, *, default_target: float, today: date | None = None) -> GrowthReport:
    today = today or vietnam_today()
    targets = plan_targets()
    rows: list[GrowthRow] = []
    windows: list[dict] = []
    for r in report_products(filters):
        certified_on = r.certified_on
        row = GrowthRow(
            product_id=r.id, code=r.code, slug=r.slug, name=r.name_vi, group=r.group,
            stars=r.certified_stars, producer_kind=r.kind, province=r[8], district=r[9],
            certified_on=certified_on, year_one_ends=year_one_end_of(certified_on),
            target=target_for(targets, default_target, r.province_id, certified_on),
            baseline_revenue=r.revenue, baseline_profit=r.profit,
        )
        rows.append(row)
        windows.append({"product_id": row.product_id, "starts": utc_start_of(certified_on),
                        "ends": utc_start_of(row.year_one_ends)})
    year_one, trailing, declared = {}, {}, {}
    if windows:
        with year_one_in_database(windows) as connection:
            year_one = sum_sales(connection)
            trailing = sum_sales(connection, starts=utc_start_of(today - relativedelta(months=12)),
                                 ends=utc_start_of(today))
            declared = declarations(connection)
    for row in rows:
        row.revenue, row.profit = year_one.get(row.product_id, (0, 0))
        if today >= row.year_one_ends:
            row.trailing_revenue, row.trailing_profit = trailing.get(row.product_id, (0, 0))
        row.declared_year = declared_year_of(row.certified_on)
        if (row.product_id, row.declared_year) in declared:
            row.declared_revenue, row.declared_profit = declared[(row.product_id, row.declared_year)]
        row.status = status_of(row, today)
    return GrowthReport(rows=rows, today=today, default_target=default_target, summary=summarise(rows))


def summarise(rows: list[GrowthRow]) -> dict:
    """Products due, with a baseline, and meeting the target: overall and by each dimension."""
    def tally(selected: list[GrowthRow]) -> dict:
        due = [r for r in selected if r.status != "not_yet_due"]
        with_baseline = [r for r in due if r.status != "no_baseline"]
        meeting = [r for r in with_baseline if r.status == "meets"]
        return {
            "products": len(selected),
            "due": len(due),
            "with_baseline": len(with_baseline),
            "meets": len(meeting),
            "share": len(meeting) / len(with_baseline) if with_baseline else None,
        }

    def by(key) -> dict:
        groups: dict = {}
        for row in rows:
            groups.setdefault(key(row), []).append(row)
        return {value: tally(members) for value, members in sorted(groups.items(), key=lambda kv: str(kv[0]))}

    return {
        "overall": tally(rows),
        "district": by(lambda r: r.district or r.province),
        "group": by(lambda r: r.group),
        "stars": by(lambda r: r.stars),
    }


# Reading the report's filters and order from a request (the page, its exports, the API, the CLI).

CERTIFICATION_YEARS = (2000, 2100)  # beyond these a typed year is a typo


def parse_report_filters(args) -> tuple[ReportFilters, list[str]]:
    """Filters from `area` (province or district code), `group`, `stars`, `year` and `kind`;
    a bad value is dropped with a notice, never an error."""
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

    raw_stars = args.get("stars") or ""
    stars = parse_int(raw_stars)
    if raw_stars and not (stars is not None and CERTIFIED_MIN_STARS <= stars <= 5):
        notices.append(_("Ignored the star filter %(value)s: OCOP stars are 3, 4 or 5.", value=raw_stars[:20]))
        stars = None

    raw_year = args.get("year") or ""
    year = parse_int(raw_year)
    if raw_year and not (year is not None and CERTIFICATION_YEARS[0] <= year <= CERTIFICATION_YEARS[1]):
        notices.append(_("Ignored the certification year %(value)s: give a year such as 2024.", value=raw_year[:20]))
        year = None

    kind = args.get("kind") or None
    if kind is not None and kind not in PRODUCER_KINDS:
        notices.append(_("Ignored an unknown kind of producer."))
        kind = None

    filters = ReportFilters(area=area, group=group, stars=stars, certification_year=year, producer_kind=kind)
    return filters, notices


def filter_args(filters: ReportFilters) -> dict[str, str | int]:
    """The URL arguments that reproduce these filters (the inverse of parse_report_filters)."""
    args = {
        "area": filters.area.code if filters.area else None,
        "group": filters.group,
        "stars": filters.stars,
        "year": filters.certification_year,
        "kind": filters.producer_kind,
    }
    return {name: value for name, value in args.items() if value is not None}


def folded(text: str) -> str:
    """Sort Vietnamese names as readers expect: Đ with D, tone marks not before plain letters."""
    return " ".join(plain_words(text))


STATUS_ORDER = {status: position for position, status in enumerate(STATUSES)}

# Every column of the report can order it; missing figures always go last.
SORT_KEYS: dict[str, Callable[[GrowthRow], object]] = {
    "code": attrgetter("code"),
    "name": lambda row: folded(row.name),
    "district": lambda row: folded(row.district or row.province),
    "status": lambda row: STATUS_ORDER[row.status],
} | {
    column: attrgetter(column)
    for column in (
        "group", "producer_kind", "stars", "certified_on", "year_one_ends", "target",
        "baseline_revenue", "baseline_profit", "revenue", "profit",
        "declared_revenue", "declared_profit", "revenue_ratio", "profit_ratio",
        "trailing_revenue", "trailing_profit", "trailing_revenue_ratio", "trailing_profit_ratio",
    )
}
DEFAULT_SORT = "code"


def parse_sort(args) -> tuple[str, bool, list[str]]:
    """`sort` (a column of SORT_KEYS) and `dir` (asc or desc): the column and whether descending."""
    notices: list[str] = []
    column = args.get("sort") or DEFAULT_SORT
    if column not in SORT_KEYS:
        notices.append(_("Ignored an unknown sort column."))
        column = DEFAULT_SORT
    direction = args.get("dir") or "asc"
    if direction not in ("asc", "desc"):
        notices.append(_("Ignored an unknown sort direction: give asc or desc."))
    return column, direction == "desc", notices


def sort_rows(rows: list[GrowthRow], column: str, *, descending: bool = False) -> list[GrowthRow]:
    """Rows ordered by one column; ties keep the report's order (by product code)."""
    key = SORT_KEYS[column]
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=descending) + missing


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
    """The month of a sale on the Vietnamese calendar: UTC+7 all year (no daylight saving).
    Constants are literal SQL so PostgreSQL sees the same expression in SELECT and GROUP BY."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(SaleLine.sold_at + literal_column("interval '7 hours'"), literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), SaleLine.sold_at, literal_column("'+7 hours'"))


def monthly_sales(product_id: int, start: date, end: date) -> list[tuple[str, int, int]]:
    """(YYYY-MM, revenue, profit) for every Vietnamese calendar month from start's month to
    end's month, both included; months without sales are zeros. Summed by the database."""
    first = start.replace(day=1)
    after = end.replace(day=1) + relativedelta(months=1)
    month = local_month_of_sale().label("sale_month")
    totals = {
        sale_month: (int(revenue or 0), int(profit or 0))
        for sale_month, revenue, profit in db.session.execute(
            select(month, func.sum(SaleLine.amount), func.sum(SaleLine.amount - SaleLine.cost_amount))
            .where(
                SaleLine.product_id == product_id,
                SaleLine.sold_at >= utc_start_of(first),
                SaleLine.sold_at < utc_start_of(after),
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
