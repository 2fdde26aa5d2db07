"""The five provincial OCOP plans of ../shared/plans/, with their real targets."""
from __future__ import annotations

from decimal import Decimal

from storefront.catalog.models import Area
from storefront.extensions import db
from storefront.plans.models import GROWTH_RATIO, Plan, PlanIndicator

# (province code, name, first year, last year, what the plan says, {indicator: (low, high)})
PLANS = (
    ("49", "Kế hoạch OCOP tỉnh Quảng Nam năm 2023", 2023, 2023,
     "≥70% sản phẩm đăng ký đạt 3 sao trở lên; 10–15 sản phẩm 4 sao; 18 huyện có điểm bán OCOP; 1,5 lần doanh thu, lợi nhuận.",
     {"certified_share": (70, None), "four_star": (10, 15), "districts_with_outlet": (18, None),
      GROWTH_RATIO: (Decimal("1.5"), None)}),
    ("49", "Kế hoạch OCOP tỉnh Quảng Nam năm 2024", 2024, 2024,
     "≥70% sản phẩm đạt 3 sao trở lên; 15–20 sản phẩm 4 sao; cả 18 huyện có điểm bán kết nối sản phẩm trong và ngoài tỉnh.",
     {"certified_share": (70, None), "four_star": (15, 20), "districts_with_outlet": (18, None),
      "outlets_other_districts": (18, None), "outlets_other_provinces": (18, None),
      GROWTH_RATIO: (Decimal("1.5"), None)}),
    ("04", "Kế hoạch 3438/KH-UBND: OCOP tỉnh Cao Bằng giai đoạn 2021–2025", 2021, 2025,
     "150 sản phẩm 3 sao trở lên, 10 sản phẩm 4 sao, 1 sản phẩm 5 sao; ≥40% chủ thể là HTX, 30% DNVVN; "
     "≥40% chủ thể do nữ, ≥60% do người dân tộc thiểu số điều hành.",
     {"certified": (150, None), "four_star": (10, None), "five_star": (1, None), "cooperative_share": (40, None),
      "enterprise_share": (30, None), "women_led_share": (40, None), "ethnic_minority_share": (60, None)}),
    ("70", "Chương trình OCOP tỉnh Bình Phước đến năm 2025", 2021, 2025,
     "Thêm 150 sản phẩm (lũy kế 250) 3 sao trở lên, 10% tiềm năng 5 sao; nâng cấp ≥50% sản phẩm hết hạn; "
     "≥80% chủ thể là HTX, DN; ≥40% chủ thể nữ, ≥5% dân tộc thiểu số; ≥70% tham gia kênh bán hàng hiện đại.",
     {"certified": (250, None), "certified_new": (150, None), "potential_five_star": (25, None),
      "recertified_share": (50, None), "organised_share": (80, None), "women_led_share": (40, None),
      "ethnic_minority_share": (5, None), "modern_channel_share": (70, None)}),
    ("58", "Kế hoạch OCOP tỉnh Ninh Thuận đến năm 2025", 2021, 2025,
     "20–30 sản phẩm mới đạt OCOP; ≥30% chủ thể là HTX, 40% DNVVN; thêm 1 điểm giới thiệu và bán sản phẩm OCOP.",
     {"certified_new": (20, 30), "cooperative_share": (30, None), "enterprise_share": (40, None)}),
)


def create_plans(areas: dict[str, Area]) -> int:
    for province, name, first, last, note, targets in PLANS:
        db.session.add(Plan(
            name=name, area=areas[province], first_year=first, last_year=last, note=note,
            targets=[PlanIndicator(indicator=code, low=Decimal(low), high=None if high is None else Decimal(high))
                     for code, (low, high) in targets.items()],
        ))
    return len(PLANS)
