"""The 1.5× growth report: each certified product's first year against its pre-OCOP baseline.

For a product first certified 3★+ on day C (Vietnamese calendar), year one is
[C, C + 12 months). Its revenue and profit come from the sales ledger, summed in SQL over
per-product windows held in a temporary table; Python only handles one row per product.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from dateutil.relativedelta import relativedelta
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, and_, func, select

from storefront.catalog.models import CERTIFIED_MIN_STARS, Area, Evaluation, Producer, Product
from storefront.clock import VIETNAM, vietnam_today
from storefront.extensions import db
from storefront.reports.models import Baseline, DeclaredRevenue, PlanTarget
from storefront.sales.models import SaleLine

STATUSES = ("meets", "below", "not_yet_due", "no_baseline")
YEAR_ONE, TRAILING = "year_one", "trailing"


def utc_start_of(day: date) -> datetime:
    """Midnight in Vietnam as the naive UTC the ledger stores."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM).astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class ReportFilters:
    area: Area | None = None
    group: str | None = None
    stars: int | None = None
    certification_year: int | None = None
    producer_kind: str | None = None


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
    if filters.certification_year:
        year = filters.certification_year
        statement = statement.where(
            first.c.certified_on >= date(year, 1, 1), first.c.certified_on < date(year + 1, 1, 1)
        )
    return db.session.execute(statement).all()


def plan_targets(default: float) -> dict[tuple[int, int | None], float]:
    rows = db.session.execute(
        select(PlanTarget.year, PlanTarget.area_id, PlanTarget.value).where(
            PlanTarget.indicator == "growth_ratio"
        )
    )
    return {(year, area_id): value for year, area_id, value in rows}


def target_for(targets: dict, default: float, province_id: int, certified_on: date) -> float:
    """The plan of the product's province for its certification year, else the national one."""
    year = certified_on.year
    return targets.get((year, province_id), targets.get((year, None), default))


windows_table = Table(
    "growth_window",
    MetaData(),
    Column("product_id", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("starts", DateTime, nullable=False),
    Column("ends", DateTime, nullable=False),
    prefixes=["TEMPORARY"],
)


def sum_sales_in_windows(windows: list[dict]) -> dict[tuple[int, str], tuple[int, int]]:
    """Revenue and profit per (product, window), aggregated by the database."""
    if not windows:
        return {}
    connection = db.session.connection()
    windows_table.create(connection)
    try:
        connection.execute(windows_table.insert(), windows)
        w = windows_table.c
        rows = connection.execute(
            select(
                w.product_id, w.kind, func.sum(SaleLine.amount),
                func.sum(SaleLine.amount - SaleLine.cost_amount),
            )
            .select_from(windows_table)
            .join(
                SaleLine,
                and_(
                    SaleLine.product_id == w.product_id,
                    SaleLine.sold_at >= w.starts,
                    SaleLine.sold_at < w.ends,
                ),
            )
            .group_by(w.product_id, w.kind)
        ).all()
    finally:
        windows_table.drop(connection)
    return {(pid, kind): (int(revenue or 0), int(profit or 0)) for pid, kind, revenue, profit in rows}


def declared_for(rows: list[GrowthRow]) -> dict[tuple[int, int], tuple[int, int]]:
    ids = [row.product_id for row in rows]
    if not ids:
        return {}
    found = db.session.execute(
        select(DeclaredRevenue.product_id, DeclaredRevenue.year, DeclaredRevenue.revenue, DeclaredRevenue.profit)
        .where(DeclaredRevenue.product_id.in_(ids))
    )
    return {(pid, year): (revenue, profit) for pid, year, revenue, profit in found}


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
    targets = plan_targets(default_target)
    rows: list[GrowthRow] = []
    windows: list[dict] = []
    trailing_start = utc_start_of(today - relativedelta(months=12))
    trailing_end = utc_start_of(today)
    for r in report_products(filters):
        certified_on = r.certified_on
        row = GrowthRow(
            product_id=r.id, code=r.code, slug=r.slug, name=r.name_vi, group=r.group,
            stars=r.certified_stars, producer_kind=r.kind, province=r[8], district=r[9],
            certified_on=certified_on, year_one_ends=certified_on + relativedelta(months=12),
            target=target_for(targets, default_target, r.province_id, certified_on),
            baseline_revenue=r.revenue, baseline_profit=r.profit,
        )
        rows.append(row)
        windows.append({"product_id": row.product_id, "kind": YEAR_ONE,
                        "starts": utc_start_of(certified_on), "ends": utc_start_of(row.year_one_ends)})
        if today >= row.year_one_ends:
            windows.append({"product_id": row.product_id, "kind": TRAILING,
                            "starts": trailing_start, "ends": trailing_end})
    sums = sum_sales_in_windows(windows)
    declared = declared_for(rows)
    for row in rows:
        row.revenue, row.profit = sums.get((row.product_id, YEAR_ONE), (0, 0))
        if today >= row.year_one_ends:
            row.trailing_revenue, row.trailing_profit = sums.get((row.product_id, TRAILING), (0, 0))
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
