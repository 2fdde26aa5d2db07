"""Each indicator's measure, and each trend chart's, kept in the cache until something it
counts changes, so that the dashboard, the national view, its XLSX, the API and the indicator
pages work a figure out once, not on every view (at 100,000 products the whole country's
figures cost the database seconds).

A measure is kept under its scope (area, period, day, the day the growth indicator judges on)
and the marks of what it reads, taken in one statement just before:

- every indicator reads the catalogue (products, producers, evaluations, areas, sales points),
  whose version every catalogue change raises (storefront.catalog.versions);
- the modern-channel share and the growth indicator read the sales ledger, and the sales points
  carrying other areas' products the stock ledger: ledger lines are only ever added (a refund is
  a new, negative line), so the highest line id changes with every sale or stock move;
- the growth indicator also reads the baselines and declared revenues (their count and latest
  change: an edit stamps updated_at, a removal lowers the count), the plans' growth targets (read
  whole: a few rows) and the default target.

The day is in the scope (figures are taken on a day; the growth indicator judges on today), so
a certificate that expires overnight changes the key with it.
"""
from __future__ import annotations

import hashlib
from dataclasses import astuple

from flask import current_app
from sqlalchemy import func, select

from storefront.catalog.models import CatalogueVersion
from storefront.extensions import cache, db
from storefront.outlets.models import StockMove
from storefront.plans.indicators import Measure, Scope
from storefront.plans.models import GROWTH_RATIO, Plan, PlanIndicator
from storefront.reports.models import Baseline, DeclaredRevenue
from storefront.sales.models import SaleLine

SALES_READERS = frozenset({"modern_channel_share", GROWTH_RATIO})
STOCK_READERS = frozenset({"outlets_other_districts", "outlets_other_provinces"})


def scalar(statement):
    return statement.scalar_subquery()


def data_marks(codes) -> dict[str, str]:
    """For each indicator code, a string that changes whenever the data it reads does."""
    codes = set(codes)
    columns = {"catalogue": scalar(select(CatalogueVersion.version).where(CatalogueVersion.id == 1))}
    if codes & SALES_READERS:
        columns["sales"] = scalar(select(func.max(SaleLine.id)))
    if codes & STOCK_READERS:
        columns["stock"] = scalar(select(func.max(StockMove.id)))
    if GROWTH_RATIO in codes:
        for model in (Baseline, DeclaredRevenue):
            name = model.__tablename__
            columns[f"{name}_count"] = scalar(select(func.count()).select_from(model))
            columns[f"{name}_changed"] = scalar(select(func.max(model.updated_at)))
    row = db.session.execute(select(*(column.label(name) for name, column in columns.items()))).one()._asdict()
    if GROWTH_RATIO in codes:
        row["targets"] = sorted(db.session.execute(
            select(Plan.area_id, Plan.first_year, Plan.last_year, PlanIndicator.low)
            .join(PlanIndicator, PlanIndicator.plan_id == Plan.id).where(PlanIndicator.indicator == GROWTH_RATIO)
        ).tuples(), key=repr)
        row["default_target"] = current_app.config["GROWTH_TARGET_DEFAULT"]
    wanted = {"catalogue"}
    marks = {}
    for code in codes:
        names = wanted | ({"sales"} if code in SALES_READERS else set()) | ({"stock"} if code in STOCK_READERS else set())
        if code == GROWTH_RATIO:
            names |= {name for name in row if name.startswith(("baseline", "declared")) or name in
                      ("targets", "default_target")}
        marks[code] = repr(sorted((name, row[name]) for name in names))
    return marks


def scope_key(scope: Scope) -> str:
    return repr((scope.province_ids, scope.starts_on, scope.day, scope.years, scope.judged_on, scope.todays_areas))


def measure_key(code: str, scope: Scope, mark: str) -> str:
    digest = hashlib.sha256(f"{scope_key(scope)}|{mark}".encode()).hexdigest()[:32]
    return f"plan-measure:{code}:{digest}"


def kept_measures(codes, scope: Scope, marks: dict[str, str]) -> dict[str, Measure]:
    """The measures of `codes` found in the cache for the scope and the data as marked."""
    codes = list(codes)
    if not codes:
        return {}
    # One round trip to the cache for all of them.
    kept = cache.get_many(*(measure_key(code, scope, marks[code]) for code in codes))
    return {code: Measure(*found) for code, found in zip(codes, kept) if found is not None}


def keep_measure(code: str, scope: Scope, marks: dict[str, str], measure: Measure) -> None:
    cache.set(measure_key(code, scope, marks[code]), astuple(measure))


def months_key(code: str, scopes: list[Scope], mark: str) -> str:
    digest = hashlib.sha256(f"{[scope_key(scope) for scope in scopes]}|{mark}".encode()).hexdigest()[:32]
    return f"plan-months:{code}:{digest}"


def kept_months(code: str, scopes: list[Scope], marks: dict[str, str]) -> list[Measure] | None:
    """A trend chart's measures (one a scope, the months' ends) from the cache, if kept."""
    kept = cache.get(months_key(code, scopes, marks[code]))
    return None if kept is None else [Measure(*found) for found in kept]


def keep_months(code: str, scopes: list[Scope], marks: dict[str, str], measures: list[Measure]) -> None:
    cache.set(months_key(code, scopes, marks[code]), [astuple(measure) for measure in measures])
