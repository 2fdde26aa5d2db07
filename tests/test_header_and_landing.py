"""The header's account menu, and where a login without a page to return to leads."""
import re

import pytest

from storefront.accounts.services import create_user
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("in_english")


def menu(page: str) -> str:
    start = page.find('class="account-menu"')
    return page[start:page.find("</details>", start)] if start >= 0 else ""


def test_a_visitor_sees_log_in_and_no_account_menu(client):
    page = client.get("/").text
    assert 'href="/login"' in page and menu(page) == ""
    assert re.search(r"icons\.svg\?v=\w+#cart", page) and 'class="cart-count"' not in page


@pytest.mark.parametrize("role, workspace", [
    ("customer", []), ("manager", ["/manage/"]), ("staff", ["/manage/", "/admin/"]),
])
def test_the_account_menu_offers_orders_profile_and_the_workspace(client, login_as, role, workspace):
    login_as(role)
    items = menu(client.get("/").text)
    assert 'href="/orders"' in items and 'href="/account"' in items and "Log out" in items
    assert [path for path in ("/manage/", "/admin/") if f'href="{path}"' in items] == workspace


@pytest.mark.parametrize("role, landing", [("customer", "/"), ("manager", "/manage/"), ("staff", "/admin/"),
                                           ("admin", "/admin/")])
def test_after_login_managers_and_staff_land_in_their_workspace(client, role, landing):
    create_user(email=f"{role}@example.vn", password=PASSWORD, role=role)
    response = client.post("/login", data={"email": f"{role}@example.vn", "password": PASSWORD})
    assert response.status_code == 302 and response.location == landing


def test_a_page_to_return_to_wins_over_the_workspace(client):
    create_user(email="staff@example.vn", password=PASSWORD, role="staff")
    response = client.post("/login?next=/products", data={"email": "staff@example.vn", "password": PASSWORD})
    assert response.location == "/products"
