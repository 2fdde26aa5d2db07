"""Every page the back office links to answers, in both languages, for staff and for admins:
a crawl from /admin/ following each /admin link (GET only) finds no 404 and no 500, each list
links to its records' pages and forms, and each record page links back to its list."""
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from storefront.catalog.services import record_evaluation
from storefront.accounts.models import User
from storefront.extensions import db
from tests.factories import make_lot, make_outlet, make_product, make_user

HREF = re.compile(r'href="([^"]+)"')
MAX_PAGES = 400  # the crawl follows each path once (not every filter and page of a list)


@pytest.fixture
def back_office(app):
    product = make_product("Trà xanh Tiên Kỳ")
    record_evaluation(product=product, score=40, council_level="district", issued_on=product.evaluations[0].issued_on,
                      certificate_no=None)
    make_lot(product)
    outlet = make_outlet()
    make_user("manager", email="manager@example.vn", outlets=[outlet])
    return product


def crawl(client) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Status of each /admin path reached from /admin/, and the /admin paths each page links to."""
    statuses: dict[str, int] = {}
    links: dict[str, set[str]] = {}
    queue = deque(["/admin/"])
    seen_paths: set[str] = set()
    while queue and len(statuses) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        links[url] = set()
        for href in HREF.findall(response.text):
            target = urldefrag(href.replace("&amp;", "&"))[0]
            path = urlsplit(target).path
            if not path.startswith("/admin"):
                continue
            links[url].add(path)
            if path not in seen_paths:
                seen_paths.add(path)
                queue.append(target)
    return statuses, links


# Both roles and both languages, in two crawls (each is ~100 pages).
@pytest.mark.parametrize("role, language", [("staff", "vi"), ("admin", "en")])
def test_every_back_office_link_answers(client, login_as, back_office, role, language):
    login_as(role)
    client.set_cookie("lang", language)

    statuses, links = crawl(client)

    broken = {url: status for url, status in statuses.items() if status >= 400 and status != 403}
    assert not broken, broken
    assert len(statuses) > 20, sorted(statuses)
    forbidden = {url for url, status in statuses.items() if status == 403}
    assert (not forbidden) if role == "admin" else all(url.startswith("/admin/users") for url in forbidden), forbidden
    assert_lists_and_records_link_each_other(links, back_office, people=role == "admin")


def assert_lists_and_records_link_each_other(links: dict[str, set[str]], product, *, people: bool) -> None:
    producer = product.producer
    lot = product.lots[0]

    expectations = {
        "/admin/producers": {f"/admin/producers/{producer.id}", "/admin/producers/new"},
        "/admin/products": {f"/admin/products/{product.code}", "/admin/products/new"},
        f"/admin/producers/{producer.id}": {"/admin/producers", f"/admin/producers/{producer.id}/edit",
                                             f"/admin/products/{product.code}"},
        f"/admin/products/{product.code}": {"/admin/products", f"/admin/products/{product.code}/edit",
                                           f"/admin/producers/{producer.id}"},
        "/admin/outlets": {"/admin/outlets/QN-TP-01", "/admin/outlets/new"},
        "/admin/outlets/QN-TP-01": {"/admin/outlets", "/admin/outlets/QN-TP-01/edit"},
    }
    for page, expected in expectations.items():
        assert page in links, page
        assert expected <= links[page], (page, expected - links[page])
    lot_pages = [url for url in links if lot.lot_code in url]
    assert lot_pages, "no page links to the lot"
    if not people:
        return
    person = db.session.scalar(db.select(User.id).where(User.role == "manager"))
    assert f"/admin/users/{person}" in links["/admin/users"]
    assert "/admin/users" in links[f"/admin/users/{person}"]


@pytest.mark.parametrize("role, people", [("staff", False), ("admin", True)])
def test_every_back_office_page_has_the_menu_marking_where_one_is(client, back_office, login_as, role, people):
    login_as(role)
    for url, current in [("/admin/", "/admin/"), ("/admin/products", "/admin/products"),
                         ("/admin/reports/growth", "/admin/reports/growth"), (f"/admin/products/{back_office.code}", None)]:
        page = client.get(url).text
        nav = page[page.index('<nav class="admin-nav"'):page.index("</nav>", page.index('<nav class="admin-nav"'))]
        assert 'href="/admin/producers"' in nav and 'href="/admin/audit"' in nav
        assert ('href="/admin/users"' in nav) is people
        if current:
            assert f'href="{current}" aria-current="page"' in nav
