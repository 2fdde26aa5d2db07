""""Public today", "sellable today" and "available" are each written once, as hybrid properties:
in Python on a loaded object and in SQL in a query. Here both forms meet the edge cases and
must give the same answer (the SQL form used to show a certificate issued tomorrow)."""
from datetime import timedelta

import pytest

from storefront.catalog.models import Evaluation, Product
from storefront.catalog.services import refresh_certification, revoke_certification, set_product_active
from storefront.clock import vietnam_today
from storefront.extensions import db
from storefront.outlets.models import StockLevel
from storefront.outlets.services import move_stock
from tests.factories import make_outlet, make_product, stock


def with_certificate(name: str, *, issued_on, expires_on, group: str = "food") -> Product:
    """A product whose 3★+ certificate has these days, written as an import could write them
    (the staff's form refuses an issue date in the future)."""
    product = make_product(name, stars=None, group=group)
    db.session.add(Evaluation(product=product, score=75, stars=4, council_level="province",
                              certificate_no=f"CN-{name}", issued_on=issued_on, expires_on=expires_on))
    db.session.flush()
    db.session.refresh(product)
    refresh_certification(product)
    db.session.commit()
    return product


@pytest.fixture
def edge_cases(app):
    today = vietnam_today()
    day = timedelta(days=1)
    products = {
        "running": make_product("running", issued_days_ago=30),
        "issued today": with_certificate("issued today", issued_on=today, expires_on=today + 1000 * day),
        "issued tomorrow": with_certificate("issued tomorrow", issued_on=today + day, expires_on=today + 1000 * day),
        "expires tomorrow": with_certificate("expires tomorrow", issued_on=today - 1000 * day, expires_on=today + day),
        "expired today": with_certificate("expired today", issued_on=today - 1000 * day, expires_on=today),
        "revoked": make_product("revoked", issued_days_ago=30),
        "withdrawn": make_product("withdrawn", issued_days_ago=30),
        "two stars": make_product("two stars", stars=2),
        "never evaluated": make_product("never evaluated", stars=None),
        "tourism": make_product("tourism", group="tourism", issued_days_ago=30),
    }
    revoke_certification(evaluation=products["revoked"].evaluations[0], reason="Vi phạm an toàn thực phẩm")
    set_product_active(actor=None, product=products["withdrawn"], active=False)
    db.session.commit()
    db.session.expire_all()
    return products


def names_where(condition) -> set[str]:
    return set(db.session.scalars(db.select(Product.name_vi).where(condition)))


def names_if(products: dict[str, Product], rule) -> set[str]:
    return {name for name, product in products.items() if rule(product)}


def test_public_today_is_the_same_rule_in_python_and_sql(edge_cases):
    assert names_if(edge_cases, lambda p: p.is_public) == names_where(Product.is_public) == {
        "running", "issued today", "expires tomorrow", "tourism"}


def test_sellable_today_is_the_same_rule_in_python_and_sql(edge_cases):
    assert names_if(edge_cases, lambda p: p.is_sellable) == names_where(Product.is_sellable) == {
        "running", "issued today", "expires tomorrow"}


def test_a_running_certificate_is_the_same_rule_in_python_and_sql(edge_cases):
    running = {"running", "issued today", "expires tomorrow", "tourism", "withdrawn"}
    assert names_if(edge_cases, lambda p: p.certificate_running) == names_where(Product.certificate_running) == running
    valid_evaluations = db.session.scalars(db.select(Evaluation).where(Evaluation.is_valid())).all()
    assert {e.product.name_vi for e in valid_evaluations} == running
    all_evaluations = db.session.scalars(db.select(Evaluation)).all()
    assert {e.product.name_vi for e in all_evaluations if e.is_valid()} == running


def test_the_catalogue_shows_no_certificate_issued_tomorrow(client, edge_cases):
    page = client.get("/products").get_data(as_text=True)
    assert "running" in page and "expires tomorrow" in page
    assert "issued tomorrow" not in page and "expired today" not in page and "revoked" not in page


def test_available_is_the_same_rule_in_python_and_sql(app):
    outlet = make_outlet()
    full, half, none = make_product("full"), make_product("half"), make_product("none")
    for product in (full, half, none):
        stock(outlet, product, 6)
    move_stock(outlet=outlet, product=half, kind="reserve", reserved_change=3)
    move_stock(outlet=outlet, product=none, kind="reserve", reserved_change=6)
    db.session.commit()
    levels = db.session.scalars(db.select(StockLevel)).all()
    in_python = {level.product.name_vi: level.available for level in levels}
    in_sql = dict(db.session.execute(
        db.select(Product.name_vi, StockLevel.available).join(Product, Product.id == StockLevel.product_id)).all())
    assert in_python == in_sql == {"full": 6, "half": 3, "none": 0}
    low = {level.product.name_vi for level in levels if level.is_low}
    assert low == names_where(Product.id.in_(db.select(StockLevel.product_id).where(StockLevel.is_low))) == {
        "half", "none"}
