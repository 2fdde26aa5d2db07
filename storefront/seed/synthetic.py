"""`seed_synthetic()`: a bench-scale catalogue (100,000 products in seconds, not minutes) and
sales ledger (a million lines in under a minute on SQLite).

Bulk `INSERT`s of plain rows in batches, not the per-object services: a handful of areas,
one sales point per district, products/2 producers, products with names built from real
Vietnamese words, evaluations for ~90% of them, and each product's certification set per
batch by one UPDATE. Then, if asked, sale lines for the certified products over the last 24
months, and pre-OCOP baselines for most of those products.
Every code, slug and registration number starts with "syn{seed}-", so runs with other seeds
and the demo data live side by side. The same seed always produces the same rows
(dates are relative to today, as certificates must be).
"""
from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Callable

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select, text, update

from storefront.catalog.models import Area, Evaluation, Producer, Product, stars_for_score
from storefront.catalog.services import slugify
from storefront.clock import utc_start_of, utcnow, vietnam_today
from storefront.extensions import db
from storefront.outlets.models import Outlet, outlet_search_text
from storefront.reports.imports import MAX_AMOUNT
from storefront.reports.models import Baseline
from storefront.reports.figures import first_certifications
from storefront.sales.models import SaleLine
from storefront.seed.units_en import english_unit
from storefront.seed.data_synthetic import (
    COMMUNE_NAMES, DISTRICT_NAMES, EVALUATED_SHARE, GRADES, GROUP_WEIGHTS, KINDS,
    PRODUCER_KIND_WEIGHTS, PRODUCER_PREFIXES, PRODUCER_TRADES, PROVINCE_NAMES, STAR_BAND_WEIGHTS,
)
from storefront.seed.demo import SeedError, council_level
from storefront.seed.demo_sales import insert_sale_lines, thousands

BATCH = 5_000
SALES_BATCH = 10_000
SALES_MONTHS = 24
OWN_DISTRICT_SHARE = 0.7  # of a product's sales made at its own district's sales point
ONLINE_SHARE, REFUND_SHARE = 0.25, 0.01
BASELINE_SHARE = 0.85  # of the certified products
PROVINCES, DISTRICTS_PER_PROVINCE, COMMUNES_PER_DISTRICT = 4, 5, 4
# The months of the sale lines from id :first on, for products with none yet (PostgreSQL).
MONTHS_OF_LINES_FROM = """INSERT INTO sale_month (product_id, month, revenue, profit)
    SELECT product_id, CAST(date_trunc('month', counts_at + interval '7 hours') AS date),
           SUM(amount), SUM(amount - cost_amount)
    FROM sale_line WHERE id >= :first GROUP BY 1, 2"""
SCORE_BANDS = {5: (90, 99), 4: (70, 89.9), 3: (50, 69.9), 2: (30, 49.9), 1: (10, 29.9)}


def seed_synthetic(*, products: int, seed: int, sales: int = 0, progress: Callable[[int], None] | None = None) -> dict:
    """Insert `products` synthetic products (and their areas, sales points, producers,
    evaluations), `sales` sale lines and baselines; `progress` gets each batch's size."""
    if products < 1:
        raise SeedError("Ask for at least one product.")
    prefix = f"syn{seed}-"
    if len(prefix) + 6 > Area.code.type.length:
        raise SeedError(f"Seed {seed} is too long for area codes; use a shorter one.")
    if db.session.scalar(select(Area.id).where(Area.code.startswith(prefix, autoescape=True)).limit(1)):
        raise SeedError(f"Synthetic data for seed {seed} is already here; pick another seed.")
    rng = random.Random(seed)
    today = vietnam_today()
    try:
        communes = insert_areas(rng, prefix)
        outlets = insert_outlets(prefix, communes)
        producer_count = max(1, products // 2)
        producers = insert_producers(rng, prefix, producer_count, communes)
        counts = {"evaluations": 0, "certified": 0}
        expiries: dict[date, date] = {}  # relativedelta is slow; ~1,500 distinct days
        for start in range(0, products, BATCH):
            size = min(BATCH, products - start)
            insert_batch(rng, prefix, start, size, producers, today, counts, expiries)
            if progress is not None:
                progress(size)
        history = insert_sales(seed, prefix, sales, outlets, today, progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {
        "prefix": prefix,
        "areas": PROVINCES * (1 + DISTRICTS_PER_PROVINCE * (1 + COMMUNES_PER_DISTRICT)),
        "outlets": len(outlets),
        "producers": producer_count,
        "products": products,
        **counts,
        **history,
    }


def ids_by_code(column, prefix: str) -> dict[str, int]:
    model = column.class_
    rows = db.session.execute(select(column, model.id).where(column.startswith(prefix, autoescape=True)))
    return {code: id_ for code, id_ in rows}


def insert_areas(rng: random.Random, prefix: str) -> list[dict]:
    """Provinces > districts > communes; returns the communes with their ancestors' ids."""
    provinces = rng.sample(PROVINCE_NAMES, PROVINCES)
    district_names = rng.sample(DISTRICT_NAMES, PROVINCES * DISTRICTS_PER_PROVINCE)
    levels: list[list[dict]] = [[], [], []]
    for p, province in enumerate(provinces, start=1):
        levels[0].append({"code": f"{prefix}{p}", "name": province, "level": "province", "parent": None})
        for d in range(1, DISTRICTS_PER_PROVINCE + 1):
            district = district_names.pop()
            code = f"{prefix}{p}-{d}"
            levels[1].append({"code": code, "name": district, "level": "district", "parent": f"{prefix}{p}"})
            for c, name in enumerate(rng.sample(COMMUNE_NAMES, COMMUNES_PER_DISTRICT), start=1):
                levels[2].append({"code": f"{code}-{c}", "name": name, "level": "commune", "parent": code,
                                  "district": district, "province": province})
    ids: dict[str, int] = {}
    for rows in levels:
        db.session.execute(
            insert(Area),
            [{"code": r["code"], "name": r["name"], "level": r["level"], "parent_id": ids.get(r["parent"])}
             for r in rows],
        )
        ids = ids_by_code(Area.code, prefix)
    for commune in levels[2]:
        commune["id"] = ids[commune["code"]]
        commune["district_id"] = ids[commune["parent"]]
        commune["province_id"] = ids[commune["parent"].rsplit("-", 1)[0]]
    return levels[2]


def insert_producers(rng: random.Random, prefix: str, count: int, communes: list[dict]) -> list[dict]:
    kinds, weights = list(PRODUCER_KIND_WEIGHTS), list(PRODUCER_KIND_WEIGHTS.values())
    producers = []
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, count)):
            kind = rng.choices(kinds, weights)[0]
            commune = rng.choice(communes)
            trade = rng.choice(PRODUCER_TRADES)
            rows.append({
                "name": f"{PRODUCER_PREFIXES[kind]} {trade} {commune['name']} {n + 1}",
                "kind": kind,
                "registration_no": f"{prefix}R{n + 1:07d}",
                "area_id": commune["id"],
                "address": f"Thôn {rng.randint(1, 12)}",
                "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
                "email": "",
                "women_led": rng.random() < 0.4,
                "ethnic_minority_led": rng.random() < 0.25,
            })
            producers.append({"commune": commune})
        db.session.execute(insert(Producer.__table__), rows)
    ids = ids_by_code(Producer.registration_no, prefix)
    for n, producer in enumerate(producers):
        producer["id"] = ids[f"{prefix}R{n + 1:07d}"]
    return producers


@lru_cache(maxsize=4096)
def slug_part(text: str) -> str:
    return slugify(text)


def product_row(rng: random.Random, prefix: str, n: int, producers: list[dict], now) -> dict:
    group = rng.choices(list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values()))[0]
    kind_vi, kind_en, subgroup, units, low, high = rng.choice(KINDS[group])
    unit = rng.choice(units)
    producer = rng.choice(producers)
    commune = producer["commune"]
    place = commune["district"] if rng.random() < 0.75 else commune["name"]
    size = unit.split(" ", 1)[1] if " " in unit and unit.split(" ", 1)[1][0].isdigit() else ""
    parts = [part for part in (kind_vi, place, rng.choice(GRADES), size) if part]
    name = " ".join(parts)
    price = rng.randint(low // 1000, high // 1000) * 1000
    code = f"{prefix}{n:07d}"
    return {
        "code": code,
        "slug": f"{prefix}{n}-{'-'.join(map(slug_part, parts))}"[:160],
        "name_vi": name,
        "name_en": f"{kind_en} {place}" + (f", {size}" if size else ""),
        "description_vi": f"{kind_vi} của {place}, {commune['province']}.",
        "description_en": None,
        "group": group,
        "subgroup": subgroup,
        "producer_id": producer["id"],
        "unit": unit,
        "unit_en": english_unit(unit),
        "price": price,
        "unit_cost": int(round(price * rng.uniform(0.55, 0.75), -2)),
        "active": True,
        "province_id": commune["province_id"],
        "district_id": commune["district_id"],
        "certification_id": None,
        "certified_stars": None,
        "certified_from": None,
        "certified_until": None,
        "created_at": now,
        "updated_at": now,
    }


def evaluation_row(rng: random.Random, product_id: int, today: date, expiries: dict) -> dict:
    band = rng.choices(list(STAR_BAND_WEIGHTS), list(STAR_BAND_WEIGHTS.values()))[0]
    score = round(rng.uniform(*SCORE_BANDS[band]), 1)
    stars = stars_for_score(score)
    issued_on = today - timedelta(days=rng.randint(10, 1460))
    if issued_on not in expiries:
        expiries[issued_on] = Evaluation.expiry_for(issued_on)
    level = council_level(stars, issued_on)
    return {
        "product_id": product_id,
        "score": score,
        "stars": stars,
        "council_level": level,
        "decision_no": f"{rng.randint(100, 3999)}/QĐ-{'BNN' if level == 'central' else 'UBND'}",
        "certificate_no": f"OCOP-{issued_on.year}-{product_id}" if stars >= 3 else None,
        "issued_on": issued_on,
        "expires_on": expiries[issued_on],
        "revoked_at": None,
        "revoked_reason": None,
    }


def insert_batch(rng, prefix, start, size, producers, today, counts, expiries: dict) -> None:
    now = utcnow()
    rows = [product_row(rng, prefix, n, producers, now) for n in range(start + 1, start + size + 1)]
    db.session.execute(insert(Product.__table__), rows)
    first, last = rows[0]["code"], rows[-1]["code"]
    ids = dict(db.session.execute(
        select(Product.code, Product.id).where(Product.code.between(first, last))
    ).all())
    evaluations = [
        evaluation_row(rng, ids[row["code"]], today, expiries)
        for row in rows
        if rng.random() < EVALUATED_SHARE
    ]
    if evaluations:
        db.session.execute(insert(Evaluation.__table__), evaluations)
    counts["evaluations"] += len(evaluations)
    counts["certified"] += sum(1 for e in evaluations if e["stars"] >= 3)
    set_certifications(min(ids.values()), max(ids.values()))


def set_certifications(first_id: int, last_id: int) -> None:
    """Point each product in the id range at its latest non-revoked 3★+ evaluation
    (the rule of catalog.services.refresh_certification), in portable UPDATEs."""
    latest = (
        select(Evaluation.id)
        .where(
            Evaluation.product_id == Product.id,
            Evaluation.stars >= 3,
            Evaluation.revoked_at.is_(None),
        )
        .order_by(Evaluation.issued_on.desc(), Evaluation.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    in_range = Product.id.between(first_id, last_id)
    db.session.execute(
        update(Product)
        .where(in_range)
        .values(certification_id=latest)
        .execution_options(synchronize_session=False)
    )
    certificate = Evaluation.id == Product.certification_id
    db.session.execute(
        update(Product)
        .where(in_range)
        .values(
            certified_stars=select(Evaluation.stars).where(certificate).scalar_subquery(),
            certified_from=select(Evaluation.issued_on).where(certificate).scalar_subquery(),
            certified_until=select(Evaluation.expires_on).where(certificate).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )


def insert_outlets(prefix: str, communes: list[dict]) -> dict[int, int]:
    """One sales point per district, in its first commune; returns district id → outlet id."""
    rows, districts = [], {}
    for commune in communes:
        if commune["district_id"] in districts:
            continue
        districts[commune["district_id"]] = code = commune["parent"]
        name = f"Điểm bán sản phẩm OCOP {commune['district']}"
        address = f"{commune['name']}, {commune['district']}, {commune['province']}"
        rows.append({
            "code": code, "name": name, "kind": "district_point", "area_id": commune["id"], "address": address,
            "opening_hours": "7:30–17:30, thứ Hai đến thứ Bảy",
            "search_text": outlet_search_text(code, name, address),  # bulk rows skip the model's events
        })
    db.session.execute(insert(Outlet.__table__), rows)
    ids = ids_by_code(Outlet.code, prefix)
    return {district_id: ids[code] for district_id, code in districts.items()}


def insert_sales(seed: int, prefix: str, count: int, outlets: dict[int, int], today: date,
                 progress: Callable[[int], None] | None) -> dict:
    """`count` sale lines over the certified products of this seed, the last 24 months, each
    product from its certification on, popular products more often; then baselines for most
    of those products, set against the first-year sums so some meet the target and some do
    not. A Random of its own keeps the products the same whether or not sales are asked for."""
    rng = random.Random(f"synthetic-sales-{seed}")
    if count and db.engine.dialect.name == "sqlite":
        # The ledger's five indexes outgrow SQLite's default 2 MB page cache within the first
        # hundred thousand lines; a larger one (for this connection) saves a fifth of the time.
        db.session.execute(text("PRAGMA cache_size = -262144"))
    # Checked row by row, the ledger's foreign keys and its sale_month trigger take about three
    # quarters of a bulk load (ten million lines took over 40 minutes). The lines made here are
    # valid by construction and this seed's products are new, so a superuser's transaction loads
    # them as a replica does, without triggers, and sums their months once at the end; any other
    # role keeps the triggers (slower, same rows).
    without_triggers = bool(count) and db.engine.dialect.name == "postgresql" and db.session.scalar(
        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    if without_triggers:
        first_line = (db.session.scalar(select(func.max(SaleLine.id))) or 0) + 1
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    first = first_certifications()
    products = db.session.execute(
        select(Product.id, Product.price, Product.unit_cost, Product.district_id, first.c.certified_on)
        .join(first, first.c.product_id == Product.id)
        .where(Product.code.startswith(prefix, autoescape=True))
        .order_by(Product.code)
    ).all()
    first_year = {}
    if products and count:
        first_year = insert_sales_history(rng, seed, count, products, outlets, today, progress)
    if without_triggers:
        # insert_sales_history loaded the lines without their triggers: add up their months.
        db.session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        db.session.execute(text(MONTHS_OF_LINES_FROM), {"first": first_line})
    baselines = []
    for product_id, price, _cost, _district, _certified_on in products:
        if rng.random() >= BASELINE_SHARE:
            continue
        revenue, profit = first_year.get(product_id, (0, 0))
        if revenue <= 0 or profit <= 0:  # no first-year sales here: a figure from the price
            revenue = min(price * rng.randint(100, 1000), MAX_AMOUNT)
            profit = revenue * rng.uniform(0.15, 0.35)
        base = min(thousands(revenue / rng.uniform(0.8, 2.6)), MAX_AMOUNT)
        base_profit = min(thousands(profit / rng.uniform(0.8, 2.6)), base)
        baselines.append({"product_id": product_id, "revenue": base, "profit": base_profit, "source": "declared",
                          "note": ""})
    for start in range(0, len(baselines), SALES_BATCH):
        db.session.execute(insert(Baseline.__table__), baselines[start:start + SALES_BATCH])
    return {"sale_lines": count if products else 0, "baselines": len(baselines)}


def insert_sales_history(rng: random.Random, seed: int, count: int, products: list, outlets: dict[int, int],
                      today: date, progress: Callable[[int], None] | None) -> dict[int, tuple[int, int]]:
    """Insert the lines in batches; returns each product's first-year revenue and profit.

    Lines are made in time order (line n falls in the n-th of `count` equal slices of the
    span), so the ledger's indexes on time, outlet and product mostly grow at their ends
    instead of being written all over: that is what keeps a million lines fast. At each
    moment the product is drawn, by popularity, among those already certified. A refund gives
    back the product's latest sale, linked to it and counting in its period, as the shop's own
    refunds do."""
    start_at = utc_start_of(today - relativedelta(months=SALES_MONTHS))
    span = (utc_start_of(today) - start_at).total_seconds()
    selling = []  # per product, in order of the moment it may first be sold (seconds into the span)
    for product_id, price, unit_cost, district_id, certified_on in products:
        year_one_start = (utc_start_of(certified_on) - start_at).total_seconds()
        year_one_end = (utc_start_of(certified_on + relativedelta(months=12)) - start_at).total_seconds()
        sells_from = max(year_one_start, 0.0)
        selling.append((sells_from, product_id, price, unit_cost, outlets[district_id], year_one_start, year_one_end))
    selling.sort()
    sells_from = [entry[0] for entry in selling]
    cumulative = list(accumulate(rng.lognormvariate(0, 1) for _ in selling))
    all_outlets = sorted(outlets.values())
    sums = [[0, 0] for _ in selling]
    latest_sale: dict[int, dict] = {}  # per product (its place in `selling`), its last line not refunded
    random_, slice_ = rng.random, span / count
    for batch_start in range(0, count, SALES_BATCH):
        rows = []
        for n in range(batch_start, min(batch_start + SALES_BATCH, count)):
            at = (n + random_()) * slice_
            on_sale = bisect_right(sells_from, at) or 1  # before the first certificate: the first product
            k = min(bisect_right(cumulative, random_() * cumulative[on_sale - 1]), on_sale - 1)
            _from, product_id, price, unit_cost, own_outlet, year_one_start, year_one_end = selling[k]
            qty = 1 + (random_() < 0.3) + (random_() < 0.1)
            sold_at = start_at + timedelta(seconds=int(at))
            row = {
                "product_id": product_id,
                "outlet_id": own_outlet if random_() < OWN_DISTRICT_SHARE else all_outlets[int(random_() * len(all_outlets))],
                "channel": "online" if random_() < ONLINE_SHARE else "in_store",
                "qty": qty, "unit_price": price, "amount": price * qty, "cost_amount": unit_cost * qty,
                "sold_at": sold_at, "source": f"SYN{seed}-{n + 1}",
            }
            counts_in = at
            if random_() < REFUND_SHARE and k in latest_sale:
                sale = latest_sale.pop(k)
                row |= {"qty": -sale["qty"], "amount": -sale["amount"], "cost_amount": -sale["cost_amount"],
                        "outlet_id": sale["outlet_id"], "channel": sale["channel"], "reverses": sale}
                counts_in = (sale["sold_at"] - start_at).total_seconds()
            else:
                latest_sale[k] = row
            if year_one_start <= counts_in < year_one_end:
                sums[k][0] += row["amount"]
                sums[k][1] += row["amount"] - row["cost_amount"]
            rows.append(row)
        insert_sale_lines(rows)
        if progress is not None:
            progress(len(rows))
    return {selling[k][1]: (revenue, profit) for k, (revenue, profit) in enumerate(sums)}
