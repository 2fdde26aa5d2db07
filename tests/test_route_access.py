"""Every route, found in app.url_map so a new one cannot escape: who may reach it (ACCESS), and
that every state-changing one refuses a post without its CSRF token and changes nothing.

One shared world (two customers, managers of two outlets, staff, an admin, a product, an order)
serves every request; the roles are logged in by writing their session directly."""
import re
import time
from urllib.parse import quote

import pytest
from sqlalchemy import String, cast, func, literal, select, union_all
from werkzeug.routing import AnyConverter

from config import TestConfig
from storefront import create_app
from storefront.accounts.models import User
from storefront.accounts.services import LOGGED_IN_AT
from storefront.extensions import db
from tests.conftest import FreshContextClient, reset_database
from tests.factories import make_lot, make_order, make_outlet, make_place, make_product, make_user, stock

ROLES = ("anonymous", "customer", "other_customer", "manager", "other_manager", "staff", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
RUNS_THE_OUTLET = frozenset({"manager", "staff", "admin"})  # "manager" runs the outlet in the URL
ANY_MANAGER = RUNS_THE_OUTLET | {"other_manager"}
BACK_OFFICE = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
ORDER_HOLDER = frozenset({"customer"})  # the order in the URL is "customer"'s

# Who may reach each endpoint. An endpoint missing here fails test_every_route_is_in_the_table.
ACCESS: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "i18n.set_language": EVERYONE,
    # The shop window and its API
    **dict.fromkeys([
        "catalog.home", "catalog.products", "catalog.product_detail", "catalog.search", "catalog.search_suggest",
        "catalog.trace", "catalog.trace_qr", "catalog.photo", "outlets.outlet_list", "outlets.outlet_detail",
        "api.openapi", "api.products", "api.product", "api.search", "api.outlets", "api.outlet_stock_list",
        "policies.policy",
    ], EVERYONE),
    # Accounts
    **dict.fromkeys(["accounts.login", "accounts.register", "accounts.forgot_password",
                     "accounts.reset_password_page"], EVERYONE),
    **dict.fromkeys(["accounts.logout", "accounts.account", "accounts.address_add", "accounts.address_remove",
                     "accounts.password_change"], SIGNED_IN),
    # Buying
    **dict.fromkeys(["orders.cart", "orders.cart_add", "orders.cart_remove", "orders.cart_update",
                     "orders.checkout"], EVERYONE),
    "orders.my_orders": SIGNED_IN,
    **dict.fromkeys(["orders.order_page", "orders.order_cancel", "orders.order_retry", "payments.pay",
                     "payments.payment_status"], ORDER_HOLDER),
    "payments.stripe_webhook": EVERYONE,  # Stripe's signature is its credential
    # Sales points
    "manage.index": ANY_MANAGER,
    **dict.fromkeys([
        "manage.dashboard", "manage.adjust", "manage.history", "manage.receive", "manage.stock_take",
        "manage.stock_take_confirm", "manage.pick_product",
        "manage.stock_take_template", "manage.transfer", "manage.orders", "manage.order_detail",
        "manage.order_step",
        "manage.order_cancel", "manage.order_counter_refund", "till.pos",
        "till.pos_add", "till.pos_clear", "till.pos_complete", "till.pos_set_quantity",
        "till.pos_remove_line", "till.pos_sales", "till.till_day", "till.pos_receipt", "till.pos_return",
        "till.pos_void",
    ], RUNS_THE_OUTLET),
    "manage.order_refund": BACK_OFFICE,  # a card refund: programme staff only
    # The back office
    "api.growth_report_json": BACK_OFFICE,
    "api.plan_dashboard_json": BACK_OFFICE,
    **dict.fromkeys([
        "admin.person", "admin.people", "admin.person_assign_outlet", "admin.person_disable",
        "admin.person_enable", "admin.person_reset_link", "admin.person_role", "admin.person_unassign_outlet",
    ], ADMIN),
}
# Every other /admin endpoint is for staff and admins; they are listed by name all the same.
ACCESS |= dict.fromkeys([
    "admin.index", "admin.audit_log", "admin.baseline_edit", "admin.baselines", "admin.baselines_import",
    "admin.baselines_template", "admin.declared", "admin.declared_edit", "admin.declared_import",
    "admin.declared_template", "admin.evaluation_add", "admin.evaluation_revoke", "admin.evaluations",
    "admin.growth_export", "admin.growth_product", "admin.growth_report_page",
    "admin.growth_targets_page", "admin.import_file", "admin.import_template", "admin.imports", "admin.lot_add",
    "admin.lot_event_add", "admin.lot_event_remove", "admin.lot_labels", "admin.lot_labels_file",
    "admin.lot_page", "admin.outlet_add_manager", "admin.outlet_close", "admin.outlet_coverage",
    "admin.outlet_edit", "admin.outlet_new", "admin.outlet_page", "admin.outlet_remove_manager",
    "admin.outlet_reopen", "admin.outlets", "admin.photo_delete", "admin.photo_move", "admin.photos_add",
    "admin.producer_active", "admin.producer_edit", "admin.producer_lookup_json", "admin.producer_new",
    "admin.producer_page", "admin.producers", "admin.product_active", "admin.product_edit",
    "admin.product_new", "admin.product_page", "admin.products", "admin.payment_review_list",
    "admin.payment_review_resolve",
    "admin.plans_page", "admin.plan_new", "admin.plan_edit", "admin.plan_remove", "admin.dashboard",
    "admin.dashboard_indicator", "admin.dashboard_indicator_export", "admin.dashboard_national",
    "admin.dashboard_xlsx", "admin.watchlist", "admin.watchlist_export", "admin.watchlist_schedule",
], BACK_OFFICE)

# Posts that need no CSRF token, and why.
CSRF_EXEMPT = {"payments.stripe_webhook": "Stripe signs it; it sends no cookie"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def every_row_as_text():
    """Every table's rows in one statement: (table name, the row as a JSON array of its columns,
    so a change to any column changes the text; SQLite writes a float to 15 significant digits).
    One query per table was most of this file's time on PostgreSQL: 31 round trips for every
    refused request of every role."""
    as_json_array = func.json_build_array if db.engine.dialect.name == "postgresql" else func.json_array
    return union_all(*(select(literal(table.name), cast(as_json_array(*table.columns), String))
                       for table in db.metadata.sorted_tables))


class World:
    def __init__(self, app):
        self.app = app
        place = make_place()
        self.outlet = make_outlet("QN-A-01", area=place)
        self.other_outlet = make_outlet("QN-B-01", area=place)
        self.product = make_product()
        self.lot = make_lot(self.product)
        stock(self.outlet, self.product, 50)
        users = {
            "customer": make_user("customer"),
            "other_customer": make_user("customer"),
            "manager": make_user("manager", outlets=[self.outlet]),
            "other_manager": make_user("manager", outlets=[self.other_outlet]),
            "staff": make_user("staff"),
            "admin": make_user("admin"),
        }
        self.user_ids = {role: user.id for role, user in users.items()}
        self.person = make_user("customer", email="someone@example.vn")  # the account admin pages act on
        self.order = make_order(self.outlet, [(self.product, 1)], user=users["customer"])
        self.values = {
            "code": self.outlet.code, "number": self.order.number, "product_id": self.product.id,
            "product_code": self.product.code, "slug": self.product.slug, "lot_code": self.lot.lot_code,
            "user_id": self.person.id, "producer_id": self.product.producer_id, "token": "not-a-token",
            "filename": "robots.txt", "name": "x-large.webp", "address_id": 1,
        }
        self.every_row = every_row_as_text()

    def url(self, rule) -> str:
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            else:
                values[name] = self.values.get(name, 1)
        return rule.build(values)[1]

    def client_as(self, role: str) -> FreshContextClient:
        """A client with `role`'s session, as logging in writes it (the user's current session version)."""
        client = self.app.test_client()
        client.set_cookie("lang", "en")
        if role != "anonymous":
            db.session.expire_all()  # a request may have ended the role's sessions (logout)
            user = db.session.get(User, self.user_ids[role])
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
                session[LOGGED_IN_AT] = int(time.time())
            # An open read would hold its lock on the tables until the module ends, and on
            # PostgreSQL the next world's reset would wait for it.
            db.session.rollback()
        return client

    def snapshot(self) -> dict:
        """Every row of every table: what a refused request must leave as it was."""
        db.session.expire_all()
        with db.engine.connect() as connection:
            rows = connection.execute(self.every_row).all()
        tables = {}
        for table_name, row in sorted(rows):
            tables.setdefault(table_name, []).append(row)
        return tables


def build_world(tmp_path_factory, config_class) -> World:
    tmp = tmp_path_factory.mktemp("world")

    class WorldConfig(config_class):
        SEARCH_INDEX_DIR = str(tmp / "search-index")
        PHOTO_DIR = str(tmp / "photos")

    app = create_app(WorldConfig)
    app.test_client_class = FreshContextClient
    return app, WorldConfig


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, _config = build_world(tmp_path_factory, TestConfig)
    with app.app_context():
        reset_database()
        yield World(app)
        db.session.remove()
        db.engine.dispose()


def endpoint_requests(app) -> list[tuple[str, object]]:
    return [(method, rule) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


ROUTES = endpoint_requests(create_app(TestConfig))


def refused(role: str, response) -> bool:
    """Anonymous visitors are sent to log in, or told no such thing exists (someone's order)."""
    sent_to_log_in = response.status_code == 302 and response.location.startswith("/login")
    return response.status_code in (403, 404) or (role == "anonymous" and (sent_to_log_in or response.status_code == 401))


def test_every_route_is_in_the_table():
    missing = sorted({rule.endpoint for _method, rule in ROUTES} - ACCESS.keys())
    stale = sorted(ACCESS.keys() - {rule.endpoint for _method, rule in ROUTES})
    assert missing == [], f"say who may reach these endpoints in ACCESS: {missing}"
    assert stale == [], f"these endpoints no longer exist: {stale}"


@pytest.mark.parametrize("method, rule", ROUTES, ids=[f"{method} {rule.rule}" for method, rule in ROUTES])
def test_each_role_reaches_exactly_what_the_table_says(world, method, rule):
    allowed = ACCESS.get(rule.endpoint, frozenset())
    url = world.url(rule)
    for role in ROLES:
        before = world.snapshot() if role not in allowed and method in STATE_CHANGING else None
        response = world.client_as(role).open(url, method=method, data={})
        response.get_data()  # a streamed download holds its request context until read
        response.close()
        if role in allowed:
            # 404 is "reached" here: the made-up values of some parts name nothing.
            assert response.status_code != 403 and not (
                role != "anonymous" and "/login" in response.headers.get("Location", "")
            ), f"{role} was refused {method} {url}: {response.status_code}"
            assert not (role == "anonymous" and response.status_code == 302
                        and response.location.startswith("/login")), f"anonymous was refused {method} {url}"
        else:
            assert refused(role, response), f"{role} reached {method} {url}: {response.status_code} {response.headers.get('Location')}"
            if before is not None:
                assert world.snapshot() == before, f"{role}'s refused {method} {url} changed something"


FORM_ROUTES = [(method, rule) for method, rule in ROUTES if method in STATE_CHANGING]
LOGIN_ROUTES = [(method, rule) for method, rule in FORM_ROUTES
                if "anonymous" not in ACCESS[rule.endpoint] and ACCESS[rule.endpoint] != ORDER_HOLDER]


@pytest.mark.parametrize("method, rule", LOGIN_ROUTES, ids=[f"{method} {rule.rule}" for method, rule in LOGIN_ROUTES])
def test_a_form_sent_without_a_login_returns_to_its_page_after_logging_in(world, method, rule):
    """Back to the form's own address when it shows a page; when it answers a POST only (going
    there after the login was a 405), to the page the form was sent from, if it is the shop's."""
    client, url = world.client_as("anonymous"), world.url(rule)
    from_the_shop = client.open(url, method=method, data={},
                                headers={"Referer": "http://localhost/manage/QN-A-01/pos?q=tea"})
    from_elsewhere = client.open(url, method=method, data={},
                                 headers={"Referer": "http://evil.example/manage/QN-A-01/pos"})

    if "GET" in world.app.url_map.bind("localhost").allowed_methods(url):
        assert from_the_shop.location == from_elsewhere.location == f"/login?next={quote(url, safe='')}"
    else:
        assert from_the_shop.location == "/login?next=%2Fmanage%2FQN-A-01%2Fpos%3Fq%3Dtea"
        assert from_elsewhere.location == "/login"


def test_a_form_shown_again_with_its_errors_switches_language_back_to_the_page_it_came_from(world):
    """When its answer comes from an address that answers a POST only, the language switch led
    there with a GET: "not allowed". An address that answers a GET too (the login) is kept."""
    links, expected = {}, {}
    for method, rule in FORM_ROUTES:
        role = next(role for role in ROLES if role in ACCESS[rule.endpoint])
        url = world.url(rule)
        response = world.client_as(role).open(url, method=method, data={},
                                               headers={"Referer": "http://localhost/the-form?step=2"})
        if response.status_code == 200 and response.mimetype == "text/html":
            links[url] = re.search(r'href="/lang/vi\?next=([^"]*)"', response.text).group(1)
            expected[url] = url if "GET" in world.app.url_map.bind("localhost").allowed_methods(url) else "/the-form?step%3D2"

    assert len(links) >= 20, links  # the till's, the stock pages', the back office's forms
    assert links == expected


class CsrfWorldConfig(TestConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture(scope="module")
def csrf_world(tmp_path_factory):
    app, _config = build_world(tmp_path_factory, CsrfWorldConfig)
    with app.app_context():
        reset_database()
        yield World(app)
        db.session.remove()
        db.engine.dispose()


STATE_CHANGING_ROUTES = [(method, rule) for method, rule in ROUTES
                         if method in STATE_CHANGING and rule.endpoint not in CSRF_EXEMPT]


@pytest.mark.parametrize("method, rule", STATE_CHANGING_ROUTES,
                         ids=[f"{method} {rule.rule}" for method, rule in STATE_CHANGING_ROUTES])
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(csrf_world, method, rule):
    """By a role that may reach it (or the admin), so only the missing token can refuse it."""
    allowed = ACCESS[rule.endpoint]
    role = next((role for role in ("customer", "manager", "admin") if role in allowed), "anonymous")
    url = csrf_world.url(rule)
    before = csrf_world.snapshot()

    response = csrf_world.client_as(role).open(url, method=method, data={"qty": "1", "email": "a@example.vn"})

    assert response.status_code == 400, f"{method} {url} as {role}: {response.status_code}"
    assert csrf_world.snapshot() == before


def test_the_csrf_exemptions_are_the_listed_ones(world):
    from storefront.extensions import csrf

    exempt = {view for view in csrf._exempt_views}
    assert {f"{world.app.view_functions[endpoint].__module__}.{world.app.view_functions[endpoint].__name__}"
            for endpoint in CSRF_EXEMPT} == exempt
