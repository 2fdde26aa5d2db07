"""`seed_demo()`: a believable OCOP catalogue for Quảng Nam and three other provinces, with
two years of sales, baselines and declared revenue for the growth report.

Everything goes through the domain services with commit=False and is committed once at the
end, so a failure leaves the database as it was. Deterministic: one random.Random(2024),
dates relative to today (Vietnam's calendar), so certificates stay valid whenever it runs.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func

from storefront.catalog.models import Area, Producer, Product
from storefront.catalog.services import create_product, record_evaluation
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.seed.units_en import english_unit
from storefront.seed.data_areas import COMMUNES, DISTRICTS, PROVINCES
from storefront.seed.data_producers import PRODUCERS
from storefront.seed.data_products_1 import PRODUCTS_1
from storefront.seed.data_products_2 import PRODUCTS_2
from storefront.seed.demo_lots import create_lots
from storefront.seed.demo_plans import create_plans
from storefront.seed.demo_provinces import grow_plan_provinces, open_plan_outlets
from storefront.seed.demo_outlets import create_accounts, create_outlets, stock_outlets
from storefront.seed.demo_sales import seed_sales_history

SEED = 2024
PRODUCTS = PRODUCTS_1 + PRODUCTS_2

# Products whose story the demo tells on purpose; the rest get their fate from the Random.
FIVE_STARS = ("QN-SNL-01", "QN-SNL-03", "QN-LMC-01")
FOUR_STARS = ("CB-RNCV-01", "CB-RNCV-02", "QN-SNL-02", "QN-SNL-04", "QN-NMCK-01", "QN-RHD-01")
EXPIRED_COUNT = 8
BELOW_COUNT = 8
RECERTIFIED_COUNT = 3
FOUR_STAR_SHARE = 0.15


class SeedError(RuntimeError):
    """The seed refused to run; the message says why."""


def seed_demo() -> dict:
    """Build the demo catalogue, sales points, stock and accounts; returns counts."""
    existing = db.session.scalar(db.select(func.count(Product.id)))
    if existing:
        raise SeedError(
            f"The database already has {existing} products; the demo seed only runs on an "
            "empty catalogue (use a fresh database, or `flask seed demo --if-empty`)."
        )
    rng = random.Random(SEED)
    today = vietnam_today()
    try:
        areas = create_areas()
        plans = create_plans(areas)
        producers = create_producers(rng, areas)
        products = create_products(rng, producers)
        evaluations = evaluate(rng, products, today)
        grown = grow_plan_provinces(areas, today)
        lots = create_lots(rng, products, today)
        outlets = create_outlets(rng, areas)
        levels = stock_outlets(rng, outlets, products + grown.products)
        accounts = create_accounts(outlets)
        open_plan_outlets(grown, areas, today)
        history = seed_sales_history(rng, products + grown.products, today)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {
        "areas": len(areas),
        "plans": plans,
        "grown": grown,
        "producers": len(producers),
        "products": len(products) + len(grown.products),
        "evaluations": evaluations,
        "lots": lots,
        "outlets": len(outlets) + grown.outlets,
        "stock_levels": levels,
        "accounts": accounts,
        **history,
    }


def create_areas() -> dict[str, Area]:
    """Provinces, districts and communes keyed by official code."""
    areas: dict[str, Area] = {}
    for code, name in PROVINCES:
        areas[code] = Area(code=code, name=name, level="province")
    for code, name, province, _lat, _lon in DISTRICTS:
        areas[code] = Area(code=code, name=name, level="district", parent=areas[province])
    for code, name, district in COMMUNES:
        areas[code] = Area(code=code, name=name, level="commune", parent=areas[district])
    db.session.add_all(areas.values())
    db.session.flush()
    return areas


def create_producers(rng: random.Random, areas: dict[str, Area]) -> list[Producer]:
    producers = []
    for n, (name, kind, commune, women, minority, _note) in enumerate(PRODUCERS, start=1):
        area = areas[commune]
        province = area.find_level("province")
        producer = Producer(
            name=name,
            kind=kind,
            registration_no=f"{province.code}{commune}{n:04d}",
            area=area,
            address=f"Thôn {rng.randint(1, 9)}",  # the commune is the producer's area
            phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            women_led=women,
            ethnic_minority_led=minority,
        )
        producers.append(producer)
    db.session.add_all(producers)
    db.session.flush()
    return producers


def unit_cost_for(rng: random.Random, price: int) -> int:
    """55–75% of the price, rounded to hundreds of đồng."""
    return int(round(price * rng.uniform(0.55, 0.75), -2))


def create_products(rng: random.Random, producers: list[Producer]) -> list[Product]:
    products = []
    for code, name_vi, name_en, group, subgroup, unit, price, producer, desc_vi, desc_en in PRODUCTS:
        products.append(
            create_product(
                code=code,
                name_vi=name_vi,
                name_en=name_en,
                group=group,
                subgroup=subgroup,
                producer=producers[producer],
                unit=unit,
                unit_en=english_unit(unit),
                price=price,
                unit_cost=unit_cost_for(rng, price),
                description_vi=desc_vi,
                description_en=desc_en,
                commit=False,
            )
        )
        db.session.flush()  # unique_slug looks for earlier slugs in the database
    return products


def council_level(stars: int, issued_on: date) -> str:
    """Before 2025 districts certified 3★ and the province 4★; since then the province 3–4★."""
    if stars >= 5:
        return "central"
    if issued_on.year >= 2025:
        return "province"
    return "district" if stars <= 3 else "province"


def score_for(rng: random.Random, stars: int) -> float:
    low, high = {5: (90, 96), 4: (70, 88), 3: (50, 69.5), 2: (30, 49.5), 1: (15, 29.5)}[stars]
    return round(rng.uniform(low, high), 1)


def evaluate(rng: random.Random, products: list[Product], today: date) -> int:
    """Give every product its history; returns how many evaluations were recorded."""
    special = set(FIVE_STARS) | set(FOUR_STARS)
    pool = [p for p in products if p.code not in special]
    chosen = rng.sample(pool, EXPIRED_COUNT + BELOW_COUNT + RECERTIFIED_COUNT)
    expired = chosen[:EXPIRED_COUNT]
    below = chosen[EXPIRED_COUNT : EXPIRED_COUNT + BELOW_COUNT]
    recertified = chosen[EXPIRED_COUNT + BELOW_COUNT :]
    serial = iter(range(1, 10_000))
    count = 0

    def record(product: Product, stars: int, days_ago: int) -> None:
        nonlocal count
        issued_on = today - timedelta(days=days_ago)
        level = council_level(stars, issued_on)
        province = "CB" if product.code.startswith("CB") else product.code[:2]
        decision = f"{rng.randint(100, 3999)}/QĐ-{'BNN' if level == 'central' else 'UBND'}"
        record_evaluation(
            product=product,
            score=score_for(rng, stars),
            council_level=level,
            issued_on=issued_on,
            decision_no=decision,
            certificate_no=f"{province}-OCOP-{issued_on.year}-{next(serial):04d}" if stars >= 3 else None,
            commit=False,
        )
        count += 1

    for product in products:
        if product.code in FIVE_STARS:
            record(product, 4, rng.randint(1200, 1500))  # an earlier 4★ round, now expired
            record(product, 5, rng.randint(40, 400))
        elif product.code in FOUR_STARS:
            record(product, 4, rng.randint(60, 700))
        elif product in expired:
            record(product, rng.choice((3, 3, 4)), rng.randint(1110, 1700))
        elif product in below:
            record(product, rng.choice((1, 2, 2, 2)), rng.randint(30, 900))
        elif product in recertified:
            record(product, 3, rng.randint(1150, 1500))
            record(product, rng.choice((3, 4)), rng.randint(30, 500))
        else:
            stars = 4 if rng.random() < FOUR_STAR_SHARE else 3
            record(product, stars, rng.randint(20, 1050))
    db.session.flush()
    return count


def describe(result: dict) -> list[str]:
    """Lines for the CLI: what was created and how to log in."""
    lines = [
        f"{result['products']} products from {result['producers']} producers, "
        f"{result['evaluations']} evaluations, {result['lots']} trace lots, "
        f"{result['outlets']} sales points ({result['stock_levels']} stock levels), "
        f"{result['areas']} areas.",
        f"{result['sale_lines']} sale lines over the last two years, {result['baselines']} pre-OCOP "
        f"baselines, {result['declared']} declared revenues, {result['plans']} provincial OCOP plans.",
        f"Cao Bằng, Bình Phước and Ninh Thuận grew by {len(result['grown'].products)} products from "
        f"{result['grown'].producers} producers and {result['grown'].outlets} sales points for their plans.",
        "Demo accounts (demo only — never use these in production):",
    ]
    lines += [f"  {email:<24} {role:<9} password: {password}" for email, role, password in result["accounts"]]
    return lines

