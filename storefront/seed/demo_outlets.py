"""Demo sales points (one per Quảng Nam district, a provincial centre, partner shops),
their opening stock, and the demo accounts."""
from __future__ import annotations

import random

from storefront.accounts.models import User
from storefront.catalog.models import Area, Product
from storefront.extensions import db
from storefront.outlets.models import Outlet
from storefront.outlets.services import ensure_level, move_stock
from storefront.seed.data_areas import COMMUNES, DISTRICTS, QUANG_NAM_DISTRICTS

# Demo only: printed by `flask seed demo` and the README; never a production password.
DEMO_PASSWORD = "ocop-demo-2026"
DEMO_ACCOUNTS = (
    ("admin@ocop.example", "admin", "Quản trị viên (demo)"),
    ("staff@ocop.example", "staff", "Cán bộ Văn phòng Điều phối NTM (demo)"),
    ("manager@ocop.example", "manager", "Quản lý điểm bán (demo)"),
    ("customer@ocop.example", "customer", "Khách hàng (demo)"),
)
MANAGED_OUTLETS = ("QN-TT", "QN-514")

MAIN_STREETS = {
    "502": "Phan Chu Trinh", "503": "Trần Hưng Đạo", "504": "đường Hồ Chí Minh",
    "505": "Quốc lộ 14G", "506": "Quốc lộ 14B", "507": "Trần Nhân Tông", "508": "Hùng Vương",
    "509": "Quốc lộ 1A", "510": "đường Hồ Chí Minh", "511": "đường Hồ Chí Minh",
    "512": "Quốc lộ 14E", "513": "Tiểu La", "514": "Nguyễn Văn Trỗi", "515": "Quốc lộ 40B",
    "516": "Quốc lộ 40B", "517": "Quốc lộ 1A", "518": "ĐT 615", "519": "ĐT 610",
}
# Mountain points without pickup staff yet (the plans' newest ones).
NO_PICKUP = ("QN-504", "QN-516")

# (code, name, kind, commune code, street, opening hours, directions)
EXTRA_OUTLETS = (
    ("QN-TT", "Trung tâm Giới thiệu sản phẩm OCOP Quảng Nam", "provincial_centre", "20200",
     "Phan Bội Châu", "7:30–21:00 hằng ngày",
     "Đối diện Quảng trường 24 tháng 3, có chỗ đậu ô tô phía sau."),
    ("QN-HA-01", "Cửa hàng đặc sản OCOP Phố Hội", "partner_shop", "20233",
     "Nguyễn Thái Học", "8:00–22:00 hằng ngày", "Trong phố cổ, đi bộ từ chùa Cầu 3 phút."),
    ("QN-DB-01", "Cửa hàng OCOP Điện Bàn Xanh", "partner_shop", "20386",
     "Trần Nhân Tông", "7:00–20:00, nghỉ chiều Chủ nhật", "Cạnh chợ Vĩnh Điện, cổng phía đông."),
)


def district_coordinates() -> dict[str, tuple[float, float]]:
    return {code: (lat, lon) for code, _name, _province, lat, lon in DISTRICTS}


def centre_commune(district_code: str) -> str:
    return next(code for code, _name, district in COMMUNES if district == district_code)


def create_outlets(rng: random.Random, areas: dict[str, Area]) -> list[Outlet]:
    coords = district_coordinates()
    outlets = []
    for district in QUANG_NAM_DISTRICTS:
        area = areas[centre_commune(district)]
        name = areas[district].name
        outlets.append(outlet(
            rng, f"QN-{district}", f"Điểm bán sản phẩm OCOP {name}", "district_point", area,
            MAIN_STREETS[district], "7:30–17:30, thứ Hai đến thứ Bảy", coords[district],
            f"Gần UBND {area.name}, trên trục {MAIN_STREETS[district]}.",
        ))
    for code, name, kind, commune, street, hours, directions in EXTRA_OUTLETS:
        area = areas[commune]
        outlets.append(outlet(
            rng, code, name, kind, area, street, hours, coords[area.parent.code], directions
        ))
    db.session.add_all(outlets)
    db.session.flush()
    return outlets


def outlet(rng, code, name, kind, area, street, hours, coords, directions) -> Outlet:
    lat, lon = coords
    return Outlet(
        code=code,
        name=name,
        kind=kind,
        area=area,
        address=f"{rng.randint(1, 250)} {street}, {area.full_name}",
        latitude=round(lat + rng.uniform(-0.004, 0.004), 5),
        longitude=round(lon + rng.uniform(-0.004, 0.004), 5),
        phone=f"0235 3{rng.randint(100_000, 999_999)}",
        opening_hours=hours,
        directions=directions,
        pickup_enabled=code not in NO_PICKUP,
    )


def stock_outlets(rng: random.Random, outlets: list[Outlet], products: list[Product]) -> int:
    """Opening stock through the ledger: own district, other districts, other provinces."""
    sellable = [p for p in products if p.is_sellable]
    quang_nam = outlets[0].area.find_level("province").id
    levels = 0
    for outlet in outlets:
        district_id = outlet.area.find_level("district").id
        own = [p for p in sellable if p.district_id == district_id]
        other_provinces = [p for p in sellable if p.province_id != quang_nam]
        other_districts = [p for p in sellable if p.province_id == quang_nam and p.district_id != district_id]
        if outlet.kind == "provincial_centre":
            # The province's showcase carries every certified product, so any cart can be
            # picked up there.
            chosen = list(sellable)
        else:
            wanted = rng.randint(15, 40)
            chosen = rng.sample(own, min(len(own), rng.randint(3, 8)))
            chosen += rng.sample(other_provinces, min(len(other_provinces), rng.randint(2, 6)))
            rest = min(len(other_districts), max(wanted - len(chosen), 1))
            chosen += rng.sample(other_districts, rest)
        for product in sorted(chosen, key=lambda p: p.id):
            qty = rng.randint(10, 60) if outlet.kind == "provincial_centre" else opening_quantity(rng)
            if qty == 0:
                ensure_level(outlet.id, product.id)  # listed here, sold out for now
            else:
                move_stock(
                    outlet=outlet, product=product, kind="receive", on_hand_change=qty,
                    reason="Nhập hàng ban đầu (dữ liệu mẫu)", reference="SEED",
                )
            levels += 1
    return levels


def opening_quantity(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.25:
        return rng.randint(1, 5)
    return rng.randint(6, 60)


def create_accounts(outlets: list[Outlet]) -> list[tuple[str, str, str]]:
    by_code = {o.code: o for o in outlets}
    accounts = []
    for email, role, name in DEMO_ACCOUNTS:
        user = User(email=email, role=role, name=name)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        if role == "manager":
            for code in MANAGED_OUTLETS:
                by_code[code].managers.append(user)
        accounts.append((email, role, DEMO_PASSWORD))
    db.session.flush()
    return accounts
