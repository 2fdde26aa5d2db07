"""Two years of sales history, pre-OCOP baselines and declared revenue for the demo, so the
growth report shows every status: meets, below, not yet due and no baseline.

The history goes straight into the sales ledger in bulk and does NOT move stock: these are
past sales, whose goods came and went before the demo's stock ledger begins, so the opening
stock the seed received is what is on the shelves today (and `flask stock check` stays clean).
Baselines are tuned against each product's first certified year as the ledger now has it,
using the report's own window edges, so the statuses are the ones the demo means to show.
"""
from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from math import sqrt

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select, text

from storefront.catalog.models import Product
from storefront.clock import utc_start_of
from storefront.extensions import db
from storefront.outlets.models import StockLevel
from storefront.reports.imports import MAX_AMOUNT
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.reports.figures import first_certifications
from storefront.reports.services import year_one_years
from storefront.sales.models import SaleLine
from storefront.transactions import mark_written

HISTORY_MONTHS = 24
# Sale lines a month at one outlet for a product at 150,000 đ; cheaper goods sell more often.
LINES_PER_MONTH, REFERENCE_PRICE, MAX_LINES_PER_MONTH = 2.0, 150_000, 6.0
ONLINE_SHARE = 0.2
QUANTITIES, QUANTITY_ODDS = (1, 2, 3, 4, 6), (0.5, 0.75, 0.87, 0.95)  # cumulative odds
REFUND_SHARE = 0.03  # of online lines, refunded a few days later
# Shoppers stock up for Tết: the four weeks before it sell several times an ordinary day,
# the holiday itself hardly anything. Vietnamese lunar new year days:
LUNAR_NEW_YEAR = {
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
    2031: date(2031, 1, 23), 2032: date(2032, 2, 11), 2033: date(2033, 1, 31), 2034: date(2034, 2, 19),
}
TET_RUSH_DAYS, TET_RUSH, TET_HOLIDAY_DAYS, TET_HOLIDAY = 28, 3.0, 5, 0.2
# Quiet after Tết, busier for Mid-Autumn (September) and the year's end.
MONTH_FACTOR = {1: 1.0, 2: 0.8, 3: 0.75, 4: 0.85, 5: 0.9, 6: 0.95, 7: 1.0, 8: 1.0, 9: 1.2, 10: 1.0, 11: 1.05, 12: 1.2}
# Of the products whose first year is over and has sales: the share left without a
# baseline, and the share tuned to meet the target (the rest fall below it).
NO_BASELINE_SHARE, MEETS_SHARE = 0.1, 0.5
LOSS_EVERY = 20  # of those, one in this many made a loss before OCOP, which no ratio can measure
DECLARED_SHARE = 0.6
PARTIAL_SHARE = 0.25  # of declaring producers, who have declared only the first year so far
BASELINE_NOTES = (
    ("audited", "Theo báo cáo tài chính năm {year}"),
    ("declared", "Chủ thể kê khai khi đăng ký OCOP"),
    ("declared", "Theo sổ sách hộ kinh doanh năm {year}"),
    ("declared", ""),
)


def tet(year: int) -> date:
    return LUNAR_NEW_YEAR.get(year, date(year, 2, 1))  # late January to mid February


def day_weight(day: date) -> float:
    for new_year in (tet(day.year), tet(day.year + 1)):
        if 0 <= (day - new_year).days < TET_HOLIDAY_DAYS:
            return TET_HOLIDAY
        if 0 < (new_year - day).days <= TET_RUSH_DAYS:
            return TET_RUSH
    return MONTH_FACTOR[day.month]


@dataclass
class Calendar:
    """The history's days, each day's start as the ledger stores time, and running weights."""

    days: list[date]
    starts: list[datetime]
    cumulative: list[float]

    @classmethod
    def between(cls, first: date, end: date) -> Calendar:
        days = [first + timedelta(days=n) for n in range((end - first).days)]
        return cls(days, [utc_start_of(day) for day in days], list(accumulate(day_weight(day) for day in days)))

    def index_of(self, day: date) -> int:
        return max(0, (day - self.days[0]).days)

    def weight_from(self, index: int) -> float:
        return self.cumulative[-1] - (self.cumulative[index - 1] if index else 0.0)

    def pick(self, rng: random.Random, index: int) -> int:
        """A day from `index` on, busy days more likely."""
        below = self.cumulative[index - 1] if index else 0.0
        return min(bisect_right(self.cumulative, below + rng.random() * self.weight_from(index)), len(self.days) - 1)


def seed_sales_history(rng: random.Random, products: list[Product], today: date) -> dict:
    """Sale lines, baselines and declarations; returns their counts."""
    certifications = first_certifications()
    first = dict(db.session.execute(select(certifications.c.product_id, certifications.c.certified_on)).all())
    calendar = Calendar.between(today - relativedelta(months=HISTORY_MONTHS), today)
    by_id = {product.id: product for product in products}
    pairs = db.session.execute(
        select(StockLevel.outlet_id, StockLevel.product_id).order_by(StockLevel.outlet_id, StockLevel.product_id)
    ).all()
    lines = history_lines(rng, calendar, [(outlet_id, by_id[pid]) for outlet_id, pid in pairs if pid in first], first)
    insert_sale_lines(lines)
    year_one = year_one_sums(lines, first)
    baselines = tuned_baselines(rng, [by_id[pid] for pid in sorted(first)], first, year_one, today)
    declared = declarations(rng, baselines, first, year_one, today)
    if baselines:
        db.session.execute(insert(Baseline.__table__), baselines)
    if declared:
        db.session.execute(insert(DeclaredRevenue.__table__), declared)
    return {"sale_lines": len(lines), "baselines": len(baselines), "declared": len(declared)}


def history_lines(rng: random.Random, calendar: Calendar, pairs: list[tuple[int, Product]],
                  first: dict[int, date]) -> list[dict]:
    """Each outlet sells each product it stocks from the day the product was certified."""
    lines: list[dict] = []
    random_ = rng.random
    for outlet_id, product in pairs:
        start = calendar.index_of(first[product.id])
        if start >= len(calendar.days):
            continue
        price, unit_cost = product.price, product.unit_cost
        per_day = min(MAX_LINES_PER_MONTH, LINES_PER_MONTH * sqrt(REFERENCE_PRICE / price)) / 30
        expected = per_day * calendar.weight_from(start)
        for _ in range(int(expected) + (random_() < expected % 1)):
            day = calendar.pick(rng, start)
            qty = 1 if price >= 1_000_000 else QUANTITIES[bisect_right(QUANTITY_ODDS, random_())]
            online = random_() < ONLINE_SHARE
            line = {
                "product_id": product.id, "outlet_id": outlet_id, "channel": "online" if online else "in_store",
                "qty": qty, "unit_price": price, "amount": price * qty, "cost_amount": unit_cost * qty,
                "sold_at": calendar.starts[day] + opening_minute(random_()),
                "source": f"DEMO-{'O' if online else 'P'}{len(lines) + 1:06d}",
            }
            lines.append(line)
            refund_day = day + 1 + int(random_() * 10)
            if online and random_() < REFUND_SHARE and refund_day < len(calendar.days):
                lines.append(dict(line, qty=-qty, amount=-line["amount"], cost_amount=-line["cost_amount"],
                                  sold_at=calendar.starts[refund_day] + opening_minute(random_()),
                                  source=line["source"] + "-refund", reverses=line))
    return lines


def insert_sale_lines(lines: list[dict]) -> None:
    """Into the ledger in bulk; a refund (with `reverses`, the line it gives back) is linked
    to that line and counts in its period, as the shop's own refunds are. The lines get their
    ids here, after the ledger's last, so the links are known before the insert; nothing else
    may write sale lines meanwhile."""
    first_id = (db.session.scalar(select(func.max(SaleLine.id))) or 0) + 1
    for number, line in enumerate(lines):
        line["id"] = first_id + number
    for line in lines:
        reversed_line = line.pop("reverses", None)
        line["reverses_id"] = reversed_line["id"] if reversed_line else None
        line["counts_at"] = reversed_line["sold_at"] if reversed_line else line["sold_at"]
    if db.engine.dialect.name != "postgresql":
        db.session.execute(insert(SaleLine.__table__), lines)
        return
    # COPY, not an INSERT of many rows: no statement of a thousand rows to build and parse each time.
    columns = list(lines[0])
    connection = db.session.connection()
    mark_written(connection)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY sale_line ({', '.join(columns)}) FROM STDIN") as copy:
        for line in lines:
            copy.write_row([line[column] for column in columns])
    # Rows given their ids leave the id sequence behind.
    db.session.execute(text("SELECT setval(pg_get_serial_sequence('sale_line', 'id'), (SELECT MAX(id) FROM sale_line))"))


def opening_minute(fraction: float) -> timedelta:
    """A moment in opening hours, 7:30 to 20:30 Vietnam time."""
    return timedelta(minutes=450 + int(fraction * 780))


def year_one_window(certified_on: date) -> tuple[datetime, datetime]:
    """As the growth report counts it: [C, C + 12 months) in Vietnamese days."""
    return utc_start_of(certified_on), utc_start_of(certified_on + relativedelta(months=12))


def year_one_sums(lines: list[dict], first: dict[int, date]) -> dict[int, tuple[int, int]]:
    windows = {pid: year_one_window(day) for pid, day in first.items()}
    sums: dict[int, tuple[int, int]] = {}
    for line in lines:
        starts, ends = windows[line["product_id"]]
        if starts <= line["counts_at"] < ends:
            revenue, profit = sums.get(line["product_id"], (0, 0))
            sums[line["product_id"]] = (revenue + line["amount"], profit + line["amount"] - line["cost_amount"])
    return sums


def tuned_baselines(rng: random.Random, products: list[Product], first: dict[int, date],
                    year_one: dict[int, tuple[int, int]], today: date) -> list[dict]:
    """Products past their first year meet the target or fall below it on purpose, a few have
    no baseline; those without first-year sales have none (certified before the history
    began, or not sold here). Products still in their first year mostly have one already."""
    baselines = []
    judged = 0
    for product in products:
        certified_on = first[product.id]
        revenue, profit = year_one.get(product.id, (0, 0))
        roll = rng.random()
        if today < certified_on + relativedelta(months=12):
            if roll < 0.2:
                continue
            figures = first_year_guess(rng, product, revenue, profit, (today - certified_on).days)
        elif revenue <= 0 or profit <= 0 or roll < NO_BASELINE_SHARE:
            continue
        elif (judged := judged + 1) % LOSS_EVERY == LOSS_EVERY // 2:
            figures = (thousands(revenue / rng.uniform(0.9, 1.5)), -thousands(revenue * rng.uniform(0.02, 0.1)))
        elif roll < NO_BASELINE_SHARE + MEETS_SHARE:
            figures = meeting(rng, revenue, profit)
        else:
            figures = falling_short(rng, revenue, profit)
        source, note = rng.choice(BASELINE_NOTES)
        baselines.append({
            "product_id": product.id, "revenue": figures[0], "profit": figures[1], "source": source,
            "note": note.format(year=certified_on.year - 1),
        })
    return baselines


def first_year_guess(rng: random.Random, product: Product, revenue: int, profit: int, days: int) -> tuple[int, int]:
    """Around a year's worth at the pace so far, or from the price before any sale."""
    yearly = revenue * 365 // max(days, 1) or product.price * rng.randint(150, 600)
    yearly_profit = max(profit * 365 // max(days, 1), yearly // 4)
    base = min(thousands(yearly / rng.uniform(0.9, 2.0)), MAX_AMOUNT)
    return base, min(thousands(yearly_profit / rng.uniform(0.9, 2.0)), base)


def meeting(rng: random.Random, revenue: int, profit: int) -> tuple[int, int]:
    """At least 1.6× on both; rounding down and a lower profit baseline only raise the ratios."""
    base = thousands(revenue / rng.uniform(1.6, 2.6))
    return base, min(thousands(profit / rng.uniform(1.6, 2.6)), base)


def falling_short(rng: random.Random, revenue: int, profit: int) -> tuple[int, int]:
    """Under 1.4× on revenue, on profit, or on both (rounding up keeps it under). Capping the
    profit baseline at the revenue baseline keeps a profit ratio low: profit is under half of
    revenue, so it stays below 2.4 × 0.45 ≈ 1.1."""
    low, high = (0.7, 1.4), (1.6, 2.4)
    revenue_k, profit_k = rng.choice(((low, high), (high, low), (low, low)))
    base = thousands(revenue / rng.uniform(*revenue_k), up=True)
    return base, min(thousands(profit / rng.uniform(*profit_k), up=True), base)


def thousands(amount: float, *, up: bool = False) -> int:
    """Baselines are whole thousands of đồng, at least one thousand."""
    count = -(-amount // 1000) if up else amount // 1000
    return max(int(count), 1) * 1000


def declarations(rng: random.Random, baselines: list[dict], first: dict[int, date],
                 year_one: dict[int, tuple[int, int]], today: date) -> list[dict]:
    """What producers declare across all their channels for the calendar years of year one
    that are over: around their baseline grown 1.1 to 2.3 times, so that some meet the target
    on their declarations and some do not; now and then only one of the two years (a partial
    declaration, which the report does not judge on)."""
    rows = []
    for baseline in baselines:
        product_id = baseline["product_id"]
        years = [year for year in year_one_years(first[product_id]) if year < today.year]
        if not years or rng.random() >= DECLARED_SHARE:
            continue
        if len(years) > 1 and rng.random() < PARTIAL_SHARE:
            years = years[:1]
        growth = rng.uniform(1.1, 2.3)
        for year in years:
            revenue = min(thousands(max(baseline["revenue"], year_one.get(product_id, (0, 0))[0]) * growth
                                    * rng.uniform(0.9, 1.1)), MAX_AMOUNT)
            rows.append({
                "product_id": product_id, "year": year, "revenue": revenue,
                "profit": min(thousands(baseline["profit"] * growth * rng.uniform(0.85, 1.1)), revenue),
                "note": "Báo cáo của chủ thể",
            })
    return rows
