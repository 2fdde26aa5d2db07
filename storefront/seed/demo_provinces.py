"""More of Cao Bằng, Bình Phước and Ninh Thuận for the plan dashboard: districts, producers of
every kind, products certified over their 2021–2025 plans (some lapsed, some renewed; their
baselines and sales history come with the rest of the demo's), sales points opened over those
years with stock from elsewhere; and the mergers of July 2025 (Quảng Nam into Đà Nẵng, Bình
Phước into Đồng Nai, Ninh Thuận into Khánh Hòa), so plans can count by today's provinces.

Its own Random, so the rest of the demo stays as it was.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select, update

from storefront.catalog.models import Area, Producer, Product, stars_for_score
from storefront.catalog.services import create_product, record_evaluation
from storefront.extensions import db
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.reports.models import Baseline
from storefront.seed.demo_sales import HISTORY_MONTHS

SEED = 2025
MERGED_ON = date(2025, 7, 1)
SUCCESSORS = {"49": ("48", "Thành phố Đà Nẵng"), "70": ("75", "Đồng Nai"), "58": ("56", "Khánh Hòa")}

# province: (new districts with one commune each, specialities, producer names' places, producers,
#            share of women-led and of ethnic-minority-led producers, kinds to draw from)
GROWTH = {
    "04": (
        [("040", "Thành phố Cao Bằng", "01273", "Đề Thám"), ("045", "Trùng Khánh", "01726", "Đàm Thủy"),
         ("047", "Hòa An", "01906", "Bạch Đằng"), ("048", "Nguyên Bình", "01999", "Thành Công")],
        [("Miến dong", "food"), ("Lạp sườn hun khói", "food"), ("Hạt dẻ Trùng Khánh", "food"),
         ("Trà giảo cổ lam", "beverage"), ("Mật ong hoa bạc hà", "food"), ("Thạch đen", "food"),
         ("Rượu men lá", "beverage"), ("Hương Phja Thắp", "handicraft"), ("Dao rèn Phúc Sen", "handicraft"),
         ("Thổ cẩm Tày", "handicraft"), ("Gạo nếp Pì Pất", "food"), ("Tương Cao Bình", "food"),
         ("Chè đắng", "herbal"), ("Cao xương khớp", "herbal"), ("Du lịch cộng đồng Khuổi Ky", "tourism")],
        30, 0.45, 0.75, ("cooperative", "cooperative", "enterprise", "cooperative_group", "household"),
    ),
    "70": (
        [("689", "Đồng Xoài", "25195", "Tân Phú"), ("691", "Phước Long", "25216", "Long Thủy"),
         ("693", "Lộc Ninh", "25267", "Lộc Thái"), ("695", "Hớn Quản", "25326", "Thanh An")],
        [("Hạt điều rang muối", "food"), ("Tiêu đen", "food"), ("Cà phê Bù Đăng", "beverage"),
         ("Sầu riêng sấy", "food"), ("Mật ong hoa điều", "food"), ("Bơ sáp", "food"), ("Măng cụt", "food"),
         ("Trà mãng cầu", "beverage"), ("Rượu cần S'tiêng", "beverage"), ("Thổ cẩm S'tiêng", "handicraft"),
         ("Bánh hạt điều", "food"), ("Cao điều", "herbal"), ("Sâm Bố Chính", "herbal")],
        34, 0.4, 0.1, ("cooperative", "enterprise", "enterprise", "cooperative", "household"),
    ),
    "58": (
        [("584", "Bác Ái", "22783", "Phước Đại"), ("585", "Ninh Sơn", "22816", "Mỹ Sơn"),
         ("586", "Ninh Hải", "22849", "Vĩnh Hải"), ("589", "Thuận Nam", "22960", "Cà Ná")],
        [("Nho sấy", "food"), ("Táo xanh", "food"), ("Nha đam", "food"), ("Tỏi Phan Rang", "food"),
         ("Hành tím", "food"), ("Muối Cà Ná", "food"), ("Nước mắm Cà Ná", "food"), ("Gốm Bàu Trúc", "handicraft"),
         ("Dệt Mỹ Nghiệp", "handicraft"), ("Măng tây", "food"), ("Rượu nho", "beverage"), ("Rong sụn", "food")],
        24, 0.5, 0.3, ("cooperative", "enterprise", "household", "cooperative_group", "enterprise"),
    ),
}
CENTRES = {"04": (22.666, 106.258), "70": (11.754, 106.723), "58": (11.565, 108.988)}
KIND_NAMES = {"cooperative": "HTX", "enterprise": "Công ty TNHH", "cooperative_group": "Tổ hợp tác",
              "household": "Hộ kinh doanh"}
SIZES = (("túi 250 g", 60_000), ("hộp 500 g", 110_000), ("chai 500 ml", 150_000), ("bộ quà tặng", 320_000))


@dataclass
class Grown:
    rng: random.Random
    products: list[Product] = field(default_factory=list)
    producers: int = 0
    districts: list[tuple[str, str, str]] = field(default_factory=list)  # (province, district, commune) codes
    outlets: int = 0


def grow_plan_provinces(areas: dict[str, Area], today: date) -> Grown:
    """The three provinces' new districts, producers, products and their evaluations."""
    grown = Grown(random.Random(SEED))
    rng, products = grown.rng, grown.products
    for province_code, (districts, specialities, producer_count, women, minority, kinds) in GROWTH.items():
        province = areas[province_code]
        communes = [area for area in areas.values() if area.level == "commune"
                    and area.parent is not None and area.parent.parent_id == province.id]
        for district_code, district_name, commune_code, commune_name in districts:
            district = Area(code=district_code, name=district_name, level="district", parent=province)
            commune = Area(code=commune_code, name=commune_name, level="commune", parent=district)
            areas[district_code], areas[commune_code] = district, commune
            communes.append(commune)
            grown.districts.append((province_code, district_code, commune_code))
        db.session.add_all(areas[code] for code, *_rest in districts)
        db.session.flush()
        producers = []
        for n in range(producer_count):
            kind = rng.choice(kinds)
            speciality, group = specialities[n % len(specialities)]
            commune = communes[n % len(communes)]
            producers.append(Producer(
                name=f"{KIND_NAMES[kind]} {speciality} {commune.name} {n + 1}", kind=kind,
                registration_no=f"{province_code}-DEMO-{n + 1:03d}", area=commune,
                address=f"Thôn {rng.randint(1, 9)}", contact_person=f"Chủ thể {n + 1}",
                phone=f"09{rng.randint(10_000_000, 99_999_999)}", women_led=rng.random() < women,
                ethnic_minority_led=rng.random() < minority,
            ))
        db.session.add_all(producers)
        db.session.flush()
        grown.producers += len(producers)
        for n, producer in enumerate(producers):
            speciality, group = specialities[n % len(specialities)]
            for size, price in rng.sample(SIZES, rng.randint(1, 2)):
                product = create_product(
                    code=f"{province_code}D-{len(products) + 1:04d}", name_vi=f"{speciality} {producer.area.name} {size}",
                    group=group, subgroup=speciality.lower(), producer=producer, unit=size, price=price,
                    unit_cost=int(price * rng.uniform(0.55, 0.75)) // 100 * 100, commit=False,
                )
                db.session.flush()
                evaluate(rng, product, today)
                products.append(product)
    db.session.flush()
    return grown


def open_plan_outlets(grown: Grown, areas: dict[str, Area], today: date) -> None:
    """A sales point in each new district, opened over the plans' years (one per province closed
    again), stocked on its opening day; the three provinces' sales; the mergers of 2025."""
    rng = grown.rng
    date_opening_stock(today)
    outlets = []
    for n, (province_code, district_code, commune_code) in enumerate(grown.districts):
        district, place = areas[district_code], n % 4
        opened = date(2021 + place, rng.randint(1, 12), 1)
        latitude, longitude = CENTRES[province_code]
        outlet = Outlet(
            code=f"{province_code}-{district_code}", name=f"Điểm bán sản phẩm OCOP {district.name}",
            kind="district_point", area=areas[commune_code], address=f"Trung tâm {district.name}",
            latitude=round(latitude + rng.uniform(-0.2, 0.2), 4), longitude=round(longitude + rng.uniform(-0.2, 0.2), 4),
            phone=f"0{rng.randint(200, 299)} {rng.randint(3_000_000, 3_999_999)}", opening_hours="7:30–17:00",
            opened_on=opened, active=place != 1, pickup_enabled=False,
        )
        if place == 1:  # one point of each province closed again, to show on the trend
            outlet.closed_on = min(opened + timedelta(days=400), today)
            outlet.closed_at = datetime.combine(outlet.closed_on, time(3))
            outlet.closed_reason = "Không còn mặt bằng (dữ liệu mẫu)"
        outlets.append(outlet)
    db.session.add_all(outlets)
    db.session.flush()
    grown.outlets = len(outlets)
    stock_opening(rng, outlets, grown.products, today)
    mark_mergers(areas)


def date_opening_stock(today: date) -> None:
    """Quảng Nam's points got their opening stock before the two years of sales history, not on
    the day the seed ran: the plans count the products from elsewhere they carried by then."""
    db.session.flush()
    db.session.execute(
        update(StockMove).where(StockMove.reference == "SEED", StockMove.kind == "receive")
        .values(created_at=datetime.combine(today - timedelta(days=2 * 366), time(1)))
    )


def council(score: float, issued_on: date) -> str:
    """Before 2025 districts certified 3★; the province 4★ (and 3★ since); the centre 5★."""
    stars = stars_for_score(score)
    if stars >= 5:
        return "central"
    return "district" if stars <= 3 and issued_on.year < 2025 else "province"


def evaluate(rng: random.Random, product: Product, today: date) -> None:
    """A first evaluation between 2021 and last year; a lapsed certificate renewed or not."""
    issued = date(2021, 1, 1) + timedelta(days=rng.randint(0, (date(today.year - 1, 12, 31) - date(2021, 1, 1)).days))
    draw = rng.random()
    score = rng.uniform(86, 89) if draw < 0.08 else rng.uniform(70, 85) if draw < 0.3 else (
        rng.uniform(91, 94) if draw < 0.32 else rng.uniform(40, 49) if draw > 0.92 else rng.uniform(50, 69))
    record_evaluation(product=product, score=round(score, 1), council_level=council(score, issued), issued_on=issued,
                      certificate_no=f"{product.code}-{issued.year}" if score >= 50 else None, commit=False)
    renewal = issued + timedelta(days=36 * 30 + rng.randint(-60, 90))
    if score >= 50 and renewal <= today and rng.random() < 0.55:
        score = round(rng.uniform(55, 85), 1)
        record_evaluation(product=product, score=score, council_level=council(score, renewal), issued_on=renewal, certificate_no=f"{product.code}-{renewal.year}", commit=False)


def stock_opening(rng: random.Random, outlets: list[Outlet], products: list[Product], today: date) -> None:
    """Each point receives on its opening day products of its province and a few from Quảng Nam
    (the demo's sales history then sells from that stock)."""
    sellable = [product for product in products if product.is_sellable]
    elsewhere = [product for product in db.session.scalars(select(Product).where(Product.code.like("QN-%")))
                 if product.is_sellable]
    for outlet in outlets:
        chosen = rng.sample(sellable, 14) + rng.sample(elsewhere, 4)
        received = datetime.combine(outlet.opened_on, time(2))
        for product in chosen:
            qty = rng.randint(5, 30)
            db.session.add(StockLevel(outlet_id=outlet.id, product_id=product.id, on_hand=qty))
            db.session.add(StockMove(outlet_id=outlet.id, product_id=product.id, kind="receive", on_hand_change=qty,
                                     reason="Nhập hàng ban đầu (dữ liệu mẫu)", reference="SEED-OPEN",
                                     created_at=received))
    history_starts = today - relativedelta(months=HISTORY_MONTHS)
    for product in products:
        # The demo's sales history tunes the baselines of products whose year one it covers;
        # those certified earlier get theirs here (their year one had no sales here).
        first = min((e.issued_on for e in product.evaluations if e.stars >= 3), default=None)
        if first is not None and first + relativedelta(months=12) <= history_starts and rng.random() < 0.85:
            revenue = product.price * rng.randint(1, 4)
            db.session.add(Baseline(product_id=product.id, revenue=revenue, profit=revenue * rng.randint(20, 35) // 100,
                                    source="declared"))


def mark_mergers(areas: dict[str, Area]) -> None:
    for old, (code, name) in SUCCESSORS.items():
        successor = Area(code=code, name=name, level="province")
        db.session.add(successor)
        areas[old].replaced_by, areas[old].replaced_from = successor, MERGED_ON
        areas[code] = successor
    db.session.flush()
