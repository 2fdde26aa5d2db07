"""Hostile values in every page's query parameters, path parameters and form fields, on routes
generated from app.url_map (a new route is fuzzed without anyone listing it): never a 500.

TestConfig lets exceptions through, so a value that would have been a 500 fails with its
traceback here."""
import re

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from storefront.outlets.services import assign_outlets
from tests.factories import make_lot, make_order, make_outlet, make_place, make_producer, make_product, make_user, stock

# A request costs about 0.1 s here and there are some 150 routes: a handful of values, each
# standing for a class (a NUL answers 400 before any view runs, so costs little).
HOSTILE = ["abc\x00def", str(10**30), "x" * 5000, "<script>alert(1)</script> Nước mắm 🐟 ٣٤ ½ \u202e"]
# Every name a page reads from its query string (found with grep on request.args), and more.
QUERY_NAMES = [
    "q", "page", "per_page", "area", "province", "district", "min_price", "max_price", "stars", "group",
    "sort", "dir", "year", "from", "to", "before", "after", "status", "role", "kind", "labels", "rows",
    "next", "key", "all", "without", "view", "basis", "low", "person", "producer", "product", "number",
    "certification", "council_level", "state", "order", "indicator", "code",
]


# Request headers the app or its extensions read (revalidation, compression, language, proxies),
# all hostile at once. Latin-1 only: HTTP carries nothing else in a header.
HOSTILE_HEADER_VALUES = ['W/""', "x" * 5000, "<script>alert(1)</script> \xe9\xff", "Mon, 32 Dec 2026 99:99:99 GMT",
                         "*;q=0, =;=;q=abc, br;q=-1"]
HEADER_NAMES = [
    "If-None-Match", "If-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "If-Range", "Accept",
    "Accept-Language", "Accept-Encoding", "Origin", "Referer", "X-Forwarded-For", "X-Forwarded-Proto",
]


def form_field_names() -> list[str]:
    """The fields of every form of the app."""
    names, classes = set(), list(FlaskForm.__subclasses__())
    while classes:
        form = classes.pop()
        classes += form.__subclasses__()
        names |= {name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField)}
    return sorted(names | {"sale_number", "year", "lines-0-qty", "payment_method"})


class World:
    def __init__(self):
        commune = make_place()
        self.product = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, producer=make_producer(commune))
        self.lot = make_lot(self.product, "QN-LOT-01")
        self.outlet = make_outlet("QN-A")
        stock(self.outlet, self.product, 50)
        self.order = make_order(self.outlet, [(self.product, 1)])


def path_value(rule, name: str, world: World) -> str:
    converter = rule._converters[name]
    if hasattr(converter, "items"):  # any(...)
        return sorted(converter.items)[0] if isinstance(converter.items, dict) else next(iter(converter.items))
    if name == "code":
        if rule.rule.startswith(("/admin/baselines", "/admin/declared", "/admin/products")):
            return world.product.code
        return "en" if rule.rule.startswith("/lang") else world.outlet.code
    return {
        "slug": world.product.slug, "product_code": world.product.code, "lot_code": world.lot.lot_code,
        "number": world.order.number, "filename": "css/app.css", "token": "x", "name": "x.webp",
    }.get(name, "1")


def url_of(rule, world: World, hostile: str | None = None) -> str:
    url = rule.rule
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        value = hostile if hostile is not None and converter in ("UnicodeConverter", "PathConverter") else path_value(rule, name, world)
        url = re.sub(rf"<[^>]*\b{name}>", value.replace("\\", "\\\\"), url)
    return url


@pytest.fixture
def world(app):
    return World()


@pytest.fixture
def staff_and_manager(app, world, login_as):
    """One client signed in as an admin; another as the manager of the world's outlet."""
    login_as("admin")
    manager_client = app.test_client()
    manager = make_user("manager", email="manager@example.vn", outlets=[world.outlet])
    assign_outlets(user=manager, codes=[world.outlet.code])
    with manager_client.session_transaction() as session:
        session["_user_id"] = str(manager.id)
        session["_fresh"] = True
    return manager_client


def routes(app, method: str):
    return sorted((rule for rule in app.url_map.iter_rules() if method in rule.methods
                   and rule.endpoint not in ("static", "payments.stripe_webhook")), key=lambda rule: rule.rule)


def client_for(rule, admin_client, manager_client):
    return manager_client if rule.rule.startswith("/manage") else admin_client


def failing_get_routes(app, world, admin_client, manager_client, **request_options) -> list[tuple[str, int]]:
    failures = []
    for rule in routes(app, "GET"):
        response = client_for(rule, admin_client, manager_client).get(url_of(rule, world), **request_options)
        if response.status_code >= 500:
            failures.append((rule.rule, response.status_code))
    return failures


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_no_get_route_fails_on_hostile_query_values(app, client, world, staff_and_manager, hostile):
    query = {name: hostile for name in QUERY_NAMES}
    assert failing_get_routes(app, world, client, staff_and_manager, query_string=query) == []


@pytest.mark.parametrize("hostile", HOSTILE_HEADER_VALUES, ids=range(len(HOSTILE_HEADER_VALUES)))
def test_no_get_route_fails_on_hostile_request_headers(app, client, world, staff_and_manager, hostile):
    headers = {name: hostile for name in HEADER_NAMES}
    assert failing_get_routes(app, world, client, staff_and_manager, headers=headers) == []


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_no_route_fails_on_a_hostile_path_value(app, client, world, staff_and_manager, hostile):
    failures = []
    for method in ("GET", "POST"):
        for rule in routes(app, method):
            if not any(type(rule._converters[name]).__name__ == "UnicodeConverter" for name in rule.arguments):
                continue
            response = client_for(rule, client, staff_and_manager).open(url_of(rule, world, hostile), method=method)
            if response.status_code >= 500:
                failures.append((method, rule.rule, response.status_code))
    assert failures == []


@pytest.mark.parametrize("hostile", [*HOSTILE, "-9223372036854775809", ""], ids=range(len(HOSTILE) + 2))
def test_no_form_fails_on_hostile_or_missing_fields(app, client, world, staff_and_manager, hostile):
    """Every field of every form at once, all hostile; and (with "") every field missing."""
    fields = {name: hostile for name in form_field_names()} if hostile else {}
    failures = []
    for rule in routes(app, "POST"):
        response = client_for(rule, client, staff_and_manager).post(url_of(rule, world), data=fields)
        if response.status_code >= 500:
            failures.append((rule.rule, response.status_code))
    assert failures == []
