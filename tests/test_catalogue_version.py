"""The catalogue version rises with every catalogue change, in the change's transaction, and the
facet counts kept per version follow it."""
from sqlalchemy import event, insert, update

from storefront.catalog.models import Product
from storefront.catalog.services import update_product
from storefront.catalog.versions import current_version
from storefront.extensions import db
from tests.factories import make_outlet, make_product, stock


def committed_version() -> int:
    with db.engine.connect() as connection:
        return current_version(connection)


def test_orm_changes_raise_the_version_once_per_commit(app):
    product = make_product("Nước mắm Cửa Khe")
    before = committed_version()
    update_product(product, price=175_000)
    assert committed_version() == before + 1


def test_bulk_statements_raise_the_version(app):
    product = make_product("Nước mắm Cửa Khe")
    before = committed_version()
    db.session.execute(update(Product).where(Product.id == product.id).values(price=99_000))
    db.session.commit()
    assert committed_version() == before + 1
    row = {column: getattr(product, column) for column in ("producer_id", "group", "unit", "unit_cost", "province_id")}
    db.session.execute(insert(Product.__table__), [row | {"code": "BULK1", "slug": "bulk-1", "name_vi": "Trà",
                                                          "price": 1_000, "active": True}])
    db.session.commit()
    assert committed_version() == before + 2


def test_a_rolled_back_change_and_a_stock_change_leave_the_version(app):
    product = make_product("Nước mắm Cửa Khe")
    outlet = make_outlet()
    before = committed_version()
    product.price = 1
    db.session.flush()
    db.session.rollback()
    stock(outlet, product, 5)
    db.session.commit()
    assert committed_version() == before


def test_setting_a_field_to_its_own_value_changes_nothing(app):
    product = make_product("Nước mắm Cửa Khe")
    before = committed_version()
    product.price = product.price
    db.session.commit()
    assert committed_version() == before


def grouped_scans(app) -> list[str]:
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        if "GROUP BY" in statement and "product" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    return seen


def test_facet_counts_are_counted_once_per_version_and_follow_changes(client, app, in_english):
    make_product("Nước mắm Cửa Khe", stars=4)
    make_product("Trà Tiên Phước", stars=5, group="beverage")
    scans = grouped_scans(app)
    first = client.get("/products")
    assert "2 products" in first.text and scans
    counted = len(scans)
    client.get("/products?page=1&sort=price_asc")  # same filters, other page and order
    client.get("/")  # the home page's group counts are the same counts
    assert len(scans) == counted

    make_product("Rượu Ngô Cải Vân", stars=3, group="beverage")
    page = client.get("/products").text
    assert len(scans) > counted
    assert "Rượu Ngô Cải Vân" in page and "3 products" in page
