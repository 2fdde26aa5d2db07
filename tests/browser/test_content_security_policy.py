"""The shop's own pages run under its Content-Security-Policy without a single violation: no
inline script or style, nothing loaded from a host the policy does not name."""
import re

import pytest

from storefront.accounts.services import create_user
from storefront.outlets.services import assign_outlets
from tests.factories import make_lot, make_outlet, make_product, stock

pytestmark = pytest.mark.browser

PASSWORD = "can-bo-chuong-trinh"
PUBLIC = ["/", "/products", "/search?q=mam", "/outlets", "/outlets/QN-A", "/products/{slug}", "/trace/QN-LOT-01",
          "/cart", "/login", "/register"]
STAFF = ["/admin/", "/admin/products", "/admin/products/NM-01", "/admin/outlets", "/admin/outlets/new",
         "/admin/reports/growth", "/admin/baselines", "/admin/audit", "/admin/payments/reviews"]
MANAGER = ["/manage/QN-A/", "/manage/QN-A/pos", "/manage/QN-A/stock-take", "/manage/QN-A/receive"]


def test_main_pages_break_no_rule_of_the_policy(live_app, page):
    product = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
    make_lot(product, "QN-LOT-01")
    outlet = make_outlet("QN-A")
    stock(outlet, product, 5)
    create_user(email="canbo@ocop.vn", password=PASSWORD, role="admin")
    assign_outlets(user=create_user(email="quanly@ocop.vn", password=PASSWORD, role="manager"), codes=["QN-A"])
    base = live_app.config["LIVE_URL"]
    page.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    violations = []
    page.on("console", lambda message: violations.append((page.url, message.text))
            if "Content Security Policy" in message.text else None)

    for path in PUBLIC:
        page.goto(base + path.format(slug=product.slug))
    for email, paths in (("canbo@ocop.vn", STAFF), ("quanly@ocop.vn", MANAGER)):
        page.context.clear_cookies()
        page.goto(base + "/lang/en?next=/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("load")

    assert violations == []
