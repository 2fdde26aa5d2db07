"""Trace lots for the demo: raw-material areas, standards and a dated story per lot."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from storefront.catalog.models import Product
from storefront.catalog.services import create_trace_lot

# Products that always get two lots (the demo's headline traceability stories).
ALWAYS = ("CB-RNCV-01", "QN-SNL-01", "QN-SNL-03", "QN-NMCK-01")

# subgroup -> (raw-material area, hectares range, shelf life in months or None)
MATERIALS = {
    "nước mắm": ("Ngư trường cá cơm ven biển", (0, 0), 24),
    "mắm": ("Ngư trường ruốc ven biển", (0, 0), 12),
    "hải sản": ("Ngư trường gần bờ", (0, 0), 9),
    "bánh tráng": ("Cánh đồng lúa nguyên liệu", (5, 40), 6),
    "mì Quảng": ("Cánh đồng lúa nguyên liệu", (5, 40), 6),
    "gạo": ("Cánh đồng lúa", (10, 80), 12),
    "bánh": ("Vùng nếp nguyên liệu", (2, 10), 2),
    "đặc sản": ("Trang trại nguyên liệu", (1, 5), 3),
    "gia vị": ("Vườn đồi trồng xen", (3, 30), 24),
    "bánh kẹo": ("Vùng trồng đậu phộng", (5, 20), 6),
    "hạt": ("Vùng điều nguyên liệu", (20, 150), 12),
    "trái cây": ("Vườn trái cây", (2, 25), 9),
    "nha đam": ("Vùng trồng nha đam", (5, 40), 12),
    "mật ong": ("Rừng nuôi ong", (10, 100), 24),
    "nấm": ("Nhà trồng nấm", (0.1, 1), 12),
    "miến": ("Vùng trồng dong riềng", (5, 30), 12),
    "rượu": ("Vùng nguyên liệu nấu rượu", (2, 20), 60),
    "trà": ("Đồi chè, vườn dược liệu", (2, 20), 24),
    "nước giải khát": ("Vùng nguyên liệu", (5, 30), 12),
    "sữa hạt": ("Vùng điều nguyên liệu", (20, 150), 3),
    "sâm": ("Vùng trồng Sâm Ngọc Linh dưới tán rừng", (2, 15), 36),
    "dược liệu": ("Vùng trồng dược liệu dưới tán rừng", (2, 30), 24),
    "quế": ("Rừng quế Trà My", (20, 200), 36),
    "tinh dầu": ("Vùng nguyên liệu tinh dầu", (2, 40), 36),
    "nấm dược liệu": ("Nhà trồng nấm linh chi", (0.1, 1), 24),
    "mỹ phẩm": ("Vùng trồng nha đam", (5, 40), 24),
}
SPECIFIC = {
    "CB-RNCV": "Nương ngô nếp bản địa Cải Viên",
    "QN-RHD": "Vườn hồng đào núi rừng Quảng Nam",
    "QN-TSD": "Vùng sâm dây Tà Bhinh",
    "QN-BKT": "Vùng ba kích tím Tây Giang",
}
HANDMADE = {"handicraft": ("Nguồn nguyên liệu làng nghề", (0, 0), None)}

AGRI_STANDARDS = ("VietGAP", "GlobalGAP", "Hữu cơ")
PROCESS_STANDARDS = ("HACCP", "ISO 22000")

DESCRIPTIONS = {
    "planting": "Xuống giống tại vùng nguyên liệu, ghi nhật ký canh tác.",
    "harvest": "Thu hoạch nguyên liệu đạt chuẩn, ghi khối lượng từng lô.",
    "processing": "Sơ chế và chế biến tại cơ sở của chủ thể.",
    "packaging": "Đóng gói, dán tem truy xuất nguồn gốc QR.",
    "inspection": "Lấy mẫu kiểm nghiệm chất lượng, kết quả đạt.",
    "shipping": "Xuất kho giao đến các điểm bán OCOP.",
}
INSPECTION_PLACE = "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng"


def create_lots(rng: random.Random, products: list[Product], today: date) -> int:
    """Lots for most certified physical products; returns how many were created."""
    serials: Counter[str] = Counter()
    count = 0
    for product in products:
        if product.group in ("tourism", "ornamental") or product.certification is None:
            continue
        if product.code in ALWAYS:
            lots = 2
        else:
            lots = rng.choices((0, 1, 2), weights=(2, 6, 2))[0]
        produced = today - timedelta(days=rng.randint(25, 60))
        for _ in range(lots):
            create_lot(rng, product, produced, serials)
            count += 1
            produced -= timedelta(days=rng.randint(45, 120))
    return count


def create_lot(rng: random.Random, product: Product, produced_on: date, serials: Counter[str]) -> None:
    prefix = product.code.rsplit("-", 1)[0]
    month = f"{prefix}-{produced_on:%y%m}"
    serials[month] += 1
    material, hectares, shelf_months = (
        HANDMADE.get(product.group) or MATERIALS.get(product.subgroup) or ("Vùng nguyên liệu", (1, 10), 12)
    )
    material = SPECIFIC.get(prefix, material)
    place = product.producer.area.full_name
    if product.group == "handicraft":
        standards: list[str] = []
    else:
        standards = rng.sample(AGRI_STANDARDS, rng.randint(0, 1)) + rng.sample(
            PROCESS_STANDARDS, rng.randint(1, 2)
        )
        if not hectares[1]:
            standards = [s for s in standards if s not in AGRI_STANDARDS]
    create_trace_lot(
        product=product,
        lot_code=f"{month}-{serials[month]:02d}",
        produced_on=produced_on,
        best_before=(produced_on + timedelta(days=30 * shelf_months)) if shelf_months else None,
        material_area=material,
        material_place=place,
        material_hectares=round(rng.uniform(*hectares), 1) if hectares[1] else None,
        standards=standards,
        events=story(rng, product, produced_on, grown=bool(hectares[1]) and product.group != "handicraft"),
        commit=False,
    )


def story(rng: random.Random, product: Product, produced_on: date, *, grown: bool) -> list[dict]:
    """3–5 events in the order things happen, dates strictly increasing."""
    place = product.producer.area.name
    before = []
    if grown:
        growing_days = 365 * 4 if product.subgroup == "sâm" else rng.randint(90, 240)
        before.append(("planting", produced_on - timedelta(days=growing_days + rng.randint(0, 30))))
    if product.group != "handicraft":
        before.append(("harvest", produced_on - timedelta(days=rng.randint(2, 20))))
    after = [
        ("processing", produced_on),
        ("packaging", produced_on + timedelta(days=rng.randint(1, 3))),
        ("inspection", produced_on + timedelta(days=rng.randint(4, 8))),
        ("shipping", produced_on + timedelta(days=rng.randint(10, 18))),
    ]
    wanted = rng.randint(3, 5)
    events = before + after
    while len(events) > wanted:
        # Drop optional steps, keeping processing and inspection in every story.
        droppable = [e for e in events if e[0] not in ("processing", "inspection")]
        events.remove(rng.choice(droppable))
    return [
        {
            "kind": kind,
            "happened_on": day,
            "description": DESCRIPTIONS[kind],
            "place": INSPECTION_PLACE if kind == "inspection" else place,
        }
        for kind, day in events
    ]
