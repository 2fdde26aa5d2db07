"""The growth report's figures, computed by the database.

One statement computes every product's row — its year one, the sums of its sale lines in it,
its declarations weighted over it, its target, its status and basis — into a temporary
table; the summary, the ratio histogram and each page of rows are then small queries on it.
Nothing is computed row by row in Python but the rows a page or a file shows.

The rules (../shared/DESIGN.md, "Growth report"):
- C is the issue date of the product's first 3★+ certificate, revoked later or not.
- Year one is [C, C + 12 months) in Vietnamese days (UTC+7, no daylight saving); a sale line
  counts at its `counts_at` (for a refund, the moment of the sale it reverses).
- Declared figures for year one: each calendar year's declaration weighted by the days of
  year one in that year, in whole đồng (rounded towards zero). Full when every calendar year
  year one touches is declared; partial when only some are.
- Status: not yet due / no baseline / no comparable baseline (baseline revenue or profit not
  above zero) / meets (revenue and profit ≥ target × baseline) / below, compared on the
  declared figures when they are full, otherwise on the platform's sales: value × 100 ≥
  target in hundredths × baseline, in integers.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    event,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from storefront.catalog.models import CERTIFIED_MIN_STARS, Evaluation, Producer, Product
from storefront.clock import utc_start_of
from storefront.extensions import db
from storefront.plans.models import GROWTH_RATIO, Plan, PlanIndicator
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.sales.models import SaleLine, SaleMonth

# Edges of the ratio histogram's buckets, in hundredths of the baseline: < 0.5, 0.5–1, … ≥ 3.
RATIO_EDGES = (50, 100, 150, 200, 300)


# --- Dates in SQL, the same on SQLite and PostgreSQL ---------------------------------------------


class Calendar:
    """Date arithmetic in SQL. SQLite keeps dates as 'YYYY-MM-DD' text, which compares in
    date order with the dates and 'YYYY-MM-DD HH:MM:SS' times the ledger stores; reading its
    parts as text is cheaper than its date functions, which parse the text on every call."""

    def __init__(self, dialect: str):
        self.postgresql = dialect == "postgresql"

    def year_of(self, day):
        return cast(func.extract("year", day), Integer) if self.postgresql else cast(func.substr(day, 1, 4), Integer)

    def a_year_after(self, day):
        """day + 12 months; 29 February gives 28 February, as dateutil's relativedelta does."""
        if self.postgresql:
            return cast(day + literal_column("interval '1 year'"), Date)
        leap_day = func.substr(day, 6, 5) == "02-29"
        return func.date(day, "+1 year", case((leap_day, "-1 day"), else_="+0 days"))

    def is_new_year(self, day):
        """Whether the day is 1 January."""
        if self.postgresql:
            return and_(func.extract("month", day) == 1, func.extract("day", day) == 1)
        return func.substr(day, 6, 5) == "01-01"

    def new_year_after(self, day):
        """1 January of the year after the day's."""
        if self.postgresql:
            return func.make_date(self.year_of(day) + 1, 1, 1, type_=Date)
        return func.printf("%04d-01-01", self.year_of(day) + 1)

    def days_between(self, earlier, later):
        if self.postgresql:
            return later - earlier  # date − date is a whole number of days
        return cast(func.julianday(later) - func.julianday(earlier), Integer)

    def utc_start_of(self, day):
        """Midnight of a Vietnamese day as the naive UTC the ledger stores."""
        if self.postgresql:
            return cast(day, DateTime) - literal_column("interval '7 hours'")
        return func.datetime(day, "-7 hours")


# --- Sorting names as readers expect --------------------------------------------------------

# Each lower-case Vietnamese letter with a mark as its plain letter, so that "Đ" sorts with "D"
# and "Á" with "A", not after "Z". (search.analysis folds the same way for the index, word by
# word through Whoosh: twenty times slower, too slow for sorting 100,000 names.)
MARKED = {
    "a": "àáảãạăằắẳẵặâầấẩẫậ", "e": "èéẻẽẹêềếểễệ", "i": "ìíỉĩị", "o": "òóỏõọôồốổỗộơờớởỡợ",
    "u": "ùúủũụưừứửữự", "y": "ỳýỷỹỵ", "d": "đ",
}
FOLD = str.maketrans({letter: plain for plain, letters in MARKED.items() for letter in letters})


def fold_name(text: str | None) -> str | None:
    """Vietnamese text as it sorts: lower case, marks dropped, đ as d."""
    return None if text is None else text.lower().translate(FOLD)


def sql_folded(column, dialect: str):
    """Vietnamese text in the order readers expect. PostgreSQL compares it with the Unicode root
    collation (ICU's, in every usual build): marks and case count only between equal letters,
    and đ sorts with d. SQLite sorts on fold_name, the same Python function everywhere."""
    if dialect == "postgresql":
        return column.collate("und-x-icu")
    return func.fold_name(column)


@event.listens_for(Engine, "connect")
def register_sqlite_functions(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("fold_name", 1, fold_name, deterministic=True)


# --- The rows, as one statement -----------------------------------------------------------------


def first_certifications():
    """Each product ever certified 3★+: C, the issue date of its first such certificate, also
    when that certificate was later revoked (revocation ends validity from its own date; it
    does not rewrite history), and the latest revocation of any of its certificates."""
    return (
        select(
            Evaluation.product_id,
            func.min(Evaluation.issued_on).label("certified_on"),
            func.max(Evaluation.revoked_at).label("revoked_at"),
        )
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS)
        .group_by(Evaluation.product_id)
        .subquery("first_certification")
    )


def filtered(statement, filters, certified_on):
    """The report's filters on a statement over Product; `certified_on` is C there."""
    if filters.provinces is not None:
        statement = statement.where(Product.province_id.in_(filters.provinces))
    elif filters.area is not None:
        column = Product.province_id if filters.area.level == "province" else Product.district_id
        statement = statement.where(column == filters.area.id)
    if filters.group:
        statement = statement.where(Product.group == filters.group)
    if filters.stars:
        statement = statement.where(Product.certified_stars == filters.stars)
    if filters.first_stars:
        statement = statement.where(stars_on(certified_on) == filters.first_stars)
    if filters.producer_kind:
        producer = db.aliased(Producer)
        statement = statement.where(
            select(producer.id).where(producer.id == Product.producer_id, producer.kind == filters.producer_kind).exists()
        )
    if filters.product_id:
        statement = statement.where(Product.id == filters.product_id)
    if filters.certification_year:
        year = filters.certification_year
        statement = statement.where(certified_on >= date(year, 1, 1), certified_on < date(year + 1, 1, 1))
    if filters.certification_years:
        first, last = filters.certification_years
        statement = statement.where(certified_on >= date(first, 1, 1), certified_on < date(last + 1, 1, 1))
    return statement


def stars_on(certified_on):
    """The stars of the product's certificate issued on C (the highest, if two were that day)."""
    at_c = db.aliased(Evaluation)
    return (
        select(func.max(at_c.stars))
        .where(at_c.product_id == Product.id, at_c.issued_on == certified_on, at_c.stars >= CERTIFIED_MIN_STARS)
        .correlate_except(at_c)
        .scalar_subquery()
    )


def report_products(filters, calendar: Calendar, today: date):
    """Every product in the report with its year one and the calendar years it falls in, filtered."""
    first = first_certifications()
    certified_on = first.c.certified_on
    return filtered(
        select(
            Product.id.label("product_id"), Product.code, Product.province_id, Product.district_id, Product.group,
            Producer.kind.label("producer_kind"), Product.certified_stars.label("stars"), Product.certified_until,
            case((Product.certification_id.is_(None), "revoked"), (Product.certified_until <= today, "expired"),
                 else_="valid").label("certificate"),
            certified_on, first.c.revoked_at, stars_on(certified_on).label("first_stars"),
            calendar.a_year_after(certified_on).label("year_one_ends"),
            calendar.year_of(certified_on).label("first_year"),
            # Year one falls in one calendar year when it starts on 1 January, else in two.
            case((calendar.is_new_year(certified_on), None),
                 else_=calendar.year_of(certified_on) + 1).label("second_year"),
        )
        .join(first, first.c.product_id == Product.id)
        .join(Producer, Producer.id == Product.producer_id),
        filters, certified_on,
    ).subquery("report_product")


def of_first_certification(expression=lambda day: day):
    """`expression` of C for the product of the statement around it, looked up there: one
    lookup per product, whatever the expression (see first_certifications for C)."""
    at_first = db.aliased(Evaluation)
    return (
        select(expression(func.min(at_first.issued_on)))
        .where(at_first.product_id == Product.id, at_first.stars >= CERTIFIED_MIN_STARS)
        .correlate_except(at_first)
        .scalar_subquery()
    )


def sales_sums(filters, calendar: Calendar):
    """Revenue and profit per product in its year one, summed by the database from one range
    of the ledger's (product, counts_at, amount, cost_amount) index per product, without
    reading the table.

    SQLite looks C up per product and joins the ledger on the range: products come in the
    order of their ids, so the sums need no sorting. PostgreSQL would hash the whole ledger
    instead (four times slower), so each product's sums are a LATERAL subquery over its range."""
    starts = of_first_certification(calendar.utc_start_of)
    ends = of_first_certification(lambda day: calendar.utc_start_of(calendar.a_year_after(day)))
    if calendar.postgresql:
        windows = filtered(
            select(Product.id.label("product_id"), starts.label("starts"), ends.label("ends")),
            filters, of_first_certification(),
        ).subquery("window")
        sums = (
            select(*summed(SaleLine.amount, SaleLine.amount - SaleLine.cost_amount))
            .where(SaleLine.product_id == windows.c.product_id, SaleLine.counts_at >= windows.c.starts,
                   SaleLine.counts_at < windows.c.ends)
            .lateral("sums")
        )
        return select(windows.c.product_id, sums.c.revenue, sums.c.profit).join(sums, true()).subquery()
    statement = (
        select(Product.id.label("product_id"), *summed(SaleLine.amount, SaleLine.amount - SaleLine.cost_amount))
        .join(SaleLine, and_(SaleLine.product_id == Product.id, SaleLine.counts_at >= starts, SaleLine.counts_at < ends))
        .group_by(Product.id)
    )
    return filtered(statement, filters, of_first_certification()).subquery()


def summed(revenue, profit) -> tuple:
    """Sums as bigints (PostgreSQL sums bigints as numeric), named revenue and profit."""
    return (cast(func.sum(revenue), BigInteger).label("revenue"), cast(func.sum(profit), BigInteger).label("profit"))


def trailing_parts(product_id, first_day: date, end_day: date) -> list:
    """Revenue and profit of a product over the Vietnamese days [first_day, end_day) (the last
    12 months) as signed rows to add up, each part one range of an index: the months the
    period touches from the ledger's monthly sums (SaleMonth), less the lines of those months
    outside the period, or plus the lines inside the period of a first month left out.
    Whichever of the two the first month takes reads fewer of its days; of the last month, the
    days after the period are those from today on, where the ledger holds next to no lines."""
    first_month = first_day.replace(day=1)
    second_month = first_month + relativedelta(months=1)
    after_month = (end_day - relativedelta(days=1)).replace(day=1) + relativedelta(months=1)
    if (first_day - first_month).days <= (second_month - first_day).days:
        months_from, first_edge = first_month, (-1, first_month, first_day)
    else:
        months_from, first_edge = second_month, (1, first_day, second_month)

    def lines(sign, first, end):
        return (select((sign * SaleLine.amount).label("revenue"),
                       (sign * (SaleLine.amount - SaleLine.cost_amount)).label("profit"))
                .where(SaleLine.product_id == product_id, SaleLine.counts_at >= utc_start_of(first),
                       SaleLine.counts_at < utc_start_of(end)))

    months = (select(SaleMonth.revenue.label("revenue"), SaleMonth.profit.label("profit"))
              .where(SaleMonth.product_id == product_id, SaleMonth.month >= months_from, SaleMonth.month < after_month))
    return [months, lines(*first_edge), lines(-1, end_day, after_month)]


def fill_trailing_sums(table, first_day: date, end_day: date) -> list:
    """The statements that fill the last 12 months' columns of the report's temporary table,
    for its rows whose year one is over by end_day: a second pass over those rows only, rather
    than every product's sums joined into the one statement that makes the table. The parts'
    rows are summed once as one UNION ALL (SQLite reads it as a co-routine; one single-row
    subquery per part cost it a materialised table each, per product)."""
    t = table.c
    due = t.year_one_ends <= end_day
    parts = union_all(*(part.correlate(table) for part in trailing_parts(t.product_id, first_day, end_day))).subquery("parts")
    revenue, profit = summed(parts.c.revenue, parts.c.profit)
    return [
        update(table).where(due).values({
            tuple_(t.trailing_revenue, t.trailing_profit):
                select(func.coalesce(revenue, 0), func.coalesce(profit, 0)).correlate(table).scalar_subquery(),
        }),
    ]


def plan_growth_targets(name: str):
    """The plans' growth targets with the years they cover (no two plans of an area give one
    for the same year: storefront.plans.services refuses it)."""
    return (
        select(Plan.area_id, Plan.first_year, Plan.last_year, PlanIndicator.low.label("value"))
        .join(PlanIndicator, PlanIndicator.plan_id == Plan.id)
        .where(PlanIndicator.indicator == GROWTH_RATIO)
        .subquery(name)
    )


def growth_select(filters, *, today: date, default_target: int, calendar: Calendar):
    """The report's rows as one SELECT: a column per figure, status and basis included.
    `default_target` is in hundredths."""
    products = report_products(filters, calendar, today)
    figures = year_one_figures(products, default_target, sales_sums(filters, calendar))
    return judged(weighed(fenced(figures, "figures"), calendar), today=today, filters=filters)


def year_one_figures(products, default_target: int, year_one=None):
    """The products' rows (product_id, province_id, first_year, …) with what judging them
    takes: the target, the baseline, year one's sums (from `year_one`: product_id, revenue,
    profit; else the products' own revenue and profit) and the declarations of the calendar
    years year one falls in."""
    p = products.c
    province_target, national_target = plan_growth_targets("province_target"), plan_growth_targets("national_target")
    first_declared, second_declared = db.aliased(DeclaredRevenue), db.aliased(DeclaredRevenue)
    sums = () if year_one is None else (func.coalesce(year_one.c.revenue, 0).label("revenue"),
                                        func.coalesce(year_one.c.profit, 0).label("profit"))
    statement = (
        select(
            products,
            # Targets in hundredths, as stored: see storefront.reports.models.Hundredths.
            func.coalesce(type_coerce(province_target.c.value, Integer), type_coerce(national_target.c.value, Integer),
                          default_target).label("target"),
            Baseline.revenue.label("baseline_revenue"), Baseline.profit.label("baseline_profit"),
            *sums,
            first_declared.revenue.label("first_declared_revenue"),
            first_declared.profit.label("first_declared_profit"),
            second_declared.revenue.label("second_declared_revenue"),
            second_declared.profit.label("second_declared_profit"),
        )
        .outerjoin(Baseline, Baseline.product_id == p.product_id)
        .outerjoin(province_target, and_(province_target.c.area_id == p.province_id,
                                         province_target.c.first_year <= p.first_year,
                                         province_target.c.last_year >= p.first_year))
        .outerjoin(national_target, and_(national_target.c.area_id.is_(None),
                                         national_target.c.first_year <= p.first_year,
                                         national_target.c.last_year >= p.first_year))
        .outerjoin(first_declared, and_(first_declared.product_id == p.product_id, first_declared.year == p.first_year))
        .outerjoin(second_declared, and_(second_declared.product_id == p.product_id,
                                         second_declared.year == p.first_year + 1))
    )
    if year_one is not None:
        statement = statement.outerjoin(year_one, year_one.c.product_id == p.product_id)
    return statement


def fenced(statement, name: str):
    """A subquery the database computes once per row before the query around it reads it:
    SQLite would otherwise copy each expression into every one that uses it (OFFSET 0 keeps
    it from flattening the subquery), and the status uses the declared figures many times."""
    return statement.offset(0).subquery(name)


def weighed(figures, calendar: Calendar):
    """The declaration over year one (full, partial or none), the declared figures weighted
    by days when it is full, and the basis of the status with the figures compared."""
    f = figures.c
    full = and_(f.first_declared_revenue.is_not(None), or_(f.second_year.is_(None), f.second_declared_revenue.is_not(None)))
    declaration = case(
        (full, "full"),
        (or_(f.first_declared_revenue.is_not(None), f.second_declared_revenue.is_not(None)), "partial"),
        else_="none",
    )
    new_year = calendar.new_year_after(f.certified_on)
    days_first = calendar.days_between(f.certified_on, new_year)
    days_second = calendar.days_between(new_year, f.year_one_ends)

    def weighted(first, second):
        """Whole đồng, rounded towards zero (integer division on both databases); worked out
        only where the declaration is full."""
        return case((full, (first * days_first + func.coalesce(second, 0) * days_second) // (days_first + days_second)))

    declared_revenue = weighted(f.first_declared_revenue, f.second_declared_revenue)
    declared_profit = weighted(f.first_declared_profit, f.second_declared_profit)
    return fenced(select(
        figures,
        declaration.label("declaration"),
        declared_revenue.label("declared_revenue"),
        declared_profit.label("declared_profit"),
        case((full, "declared"), else_="platform").label("basis"),
        case((full, declared_revenue), else_=f.revenue).label("compared_revenue"),
        case((full, declared_profit), else_=f.profit).label("compared_profit"),
    ), "weighed")


# Steps of the computation the page and the files do not read.
WORKING_COLUMNS = {"first_declared_profit", "second_declared_profit", "compared_revenue", "compared_profit"}


def judged(weighed_rows, *, today: date, filters):
    """The status, and the ratios' sort keys and histogram buckets."""
    f = weighed_rows.c
    status = case(
        (f.year_one_ends > today, "not_yet_due"),
        (f.baseline_revenue.is_(None), "no_baseline"),
        (or_(f.baseline_revenue <= 0, f.baseline_profit <= 0), "no_comparable_baseline"),
        (meets_target(f), "meets"),
        else_="below",
    )

    def bucket(value, baseline):
        """How many of the histogram's edges the ratio reaches, compared exactly."""
        return case((baseline > 0, sum(case((value * 100 >= edge * baseline, 1), else_=0) for edge in RATIO_EDGES)))

    statement = select(
        *(column for column in weighed_rows.c if column.name not in WORKING_COLUMNS),
        status.label("status"),
        ratio(f.revenue, f.baseline_revenue).label("revenue_ratio"),
        ratio(f.profit, f.baseline_profit).label("profit_ratio"),
        ratio(f.declared_revenue, f.baseline_revenue).label("declared_revenue_ratio"),
        ratio(f.declared_profit, f.baseline_profit).label("declared_profit_ratio"),
        bucket(f.compared_revenue, f.baseline_revenue).label("revenue_bucket"),
        bucket(f.compared_profit, f.baseline_profit).label("profit_bucket"),
    )
    if filters.basis:
        statement = statement.where(f.basis == filters.basis)
    return statement


def meets_target(f):
    """Revenue and profit both at least the target times the baseline, compared exactly."""
    return and_(f.compared_revenue * 100 >= f.target * f.baseline_revenue,
                f.compared_profit * 100 >= f.target * f.baseline_profit)


def growth_verdicts(filters, *, today: date, default_target: int, calendar: Calendar):
    """(product_id, year_one_ends, meets) of each product the report compares on `today` —
    due, with a baseline above zero: the rows whose status is "meets" or "below" — with only
    what judging them takes (no names, stars, ratios or buckets), and year one's sales summed
    for those products alone: what counting the report's verdicts needs, without its rows."""
    first = first_certifications()
    certified_on = first.c.certified_on
    year_one_ends = calendar.a_year_after(certified_on)
    due = filtered(
        select(Product.id.label("product_id"), Product.province_id, certified_on,
               year_one_ends.label("year_one_ends"), calendar.year_of(certified_on).label("first_year"),
               case((calendar.is_new_year(certified_on), None), else_=calendar.year_of(certified_on) + 1)
               .label("second_year"))
        .join(first, first.c.product_id == Product.id)
        .join(Baseline, and_(Baseline.product_id == Product.id, Baseline.revenue > 0, Baseline.profit > 0))
        .where(year_one_ends <= today),
        filters, certified_on,
    )
    figures = year_one_figures(with_year_one_sums(fenced(due, "due"), calendar), default_target)
    rows = weighed(fenced(figures, "figures"), calendar)
    statement = select(rows.c.product_id, rows.c.year_one_ends, meets_target(rows.c).label("meets"))
    if filters.basis:
        statement = statement.where(rows.c.basis == filters.basis)
    return statement


def with_year_one_sums(products, calendar: Calendar):
    """`products` (product_id, certified_on, year_one_ends, …) with their revenue and profit in
    year one, each product's from one range of the ledger's index."""
    p = products.c
    in_year_one = and_(SaleLine.product_id == p.product_id, SaleLine.counts_at >= calendar.utc_start_of(p.certified_on),
                       SaleLine.counts_at < calendar.utc_start_of(p.year_one_ends))
    revenue, profit = summed(SaleLine.amount, SaleLine.amount - SaleLine.cost_amount)
    if calendar.postgresql:
        sums = select(revenue, profit).where(in_year_one).lateral("sums")
        statement = select(products, func.coalesce(sums.c.revenue, 0).label("revenue"),
                           func.coalesce(sums.c.profit, 0).label("profit")).join(sums, true())
    else:
        # SQLite has no LATERAL: a subquery per sum, each one range of the covering index.
        statement = select(products, *(func.coalesce(select(total).where(in_year_one).scalar_subquery(), 0).label(name)
                                       for name, total in (("revenue", revenue), ("profit", profit))))
    return fenced(statement, "due_with_sums")


def ratio(value, baseline):
    """For sorting only; every shown ratio is computed exactly from the two integers."""
    return case((baseline > 0, cast(value, Float) / cast(baseline, Float)))


# --- The temporary table the page's queries read -------------------------------------------

ROW_TYPES = {
    "product_id": Integer, "code": String, "province_id": Integer, "district_id": Integer, "group": String,
    "producer_kind": String, "stars": Integer, "first_stars": Integer, "certified_on": Date, "year_one_ends": Date,
    "revoked_at": DateTime, "certified_until": Date, "certificate": String, "first_year": Integer,
    "target": Integer, "baseline_revenue": Integer, "baseline_profit": Integer, "revenue": Integer, "profit": Integer,
    "second_year": Integer, "first_declared_revenue": Integer, "second_declared_revenue": Integer,
    "declaration": String, "declared_revenue": Integer, "declared_profit": Integer, "basis": String, "status": String,
    "revenue_ratio": Float, "profit_ratio": Float, "declared_revenue_ratio": Float, "declared_profit_ratio": Float,
    "revenue_bucket": Integer, "profit_bucket": Integer, "trailing_revenue": BigInteger, "trailing_profit": BigInteger,
}
TABLE_NAME = "growth_rows"
# The last 12 months' columns, made empty with the table and filled by fill_trailing_sums. Their
# ratios are not stored: only a sort reads them, and it works them out (a second UPDATE of every
# wide row cost more than the sort's division).
TRAILING_COLUMNS = ("trailing_revenue", "trailing_profit")
TRAILING_RATIOS = {"trailing_revenue_ratio": ("trailing_revenue", "baseline_revenue"),
                   "trailing_profit_ratio": ("trailing_profit", "baseline_profit")}


class CreateTemporaryTableAs(Executable, ClauseElement):
    """CREATE TEMPORARY TABLE name AS SELECT …: the rows never pass through Python, and
    PostgreSQL may still plan the SELECT in parallel (an INSERT … SELECT may not)."""

    inherit_cache = False

    def __init__(self, name: str, query):
        self.name, self.query = name, query


@compiles(CreateTemporaryTableAs)
def compile_create_as(element, compiler, **kw) -> str:
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.query, **kw)}"


@contextmanager
def growth_rows_table(filters, *, today: date, default_target: int, trailing: tuple[date, date] | None = None):
    """The report's rows as a temporary table, for the queries of one page or one file;
    `trailing` the Vietnamese days [first, end) of the last 12 months, to sum them too (for
    sorting on them, or a file)."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    query = growth_select(filters, today=today, default_target=default_target, calendar=Calendar(dialect))
    if trailing is not None:
        query = query.add_columns(*(cast(null(), ROW_TYPES[name]).label(name) for name in TRAILING_COLUMNS))
    names = [column.name for column in query.selected_columns]
    table = Table(TABLE_NAME, MetaData(), *(Column(name, ROW_TYPES[name]) for name in names))
    # A temporary table belongs to the connection: one left by a report that failed half-way
    # on this pooled connection goes first.
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE_NAME}")
    if dialect == "postgresql":
        # For this transaction: no JIT, whose compiling (about a second) costs more than it
        # saves on a query of this shape.
        connection.exec_driver_sql("SET LOCAL jit = off")
    # No ANALYZE: the queries on it read it whole or join it by key, whatever its statistics.
    connection.execute(CreateTemporaryTableAs(TABLE_NAME, query))
    if trailing is not None:
        for statement in fill_trailing_sums(table, *trailing):
            connection.execute(statement)
    yield table
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE_NAME}")

