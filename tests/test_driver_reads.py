"""Stored pages read the version and a product's stock on the driver's own cursor: the rows must
be those SQLAlchemy reads, on SQLite (positional parameters) as on PostgreSQL (named ones)."""
from sqlalchemy import update

from storefront.catalog.versions import VERSION
from storefront.driver_reads import driver_rows
from storefront.extensions import db
from storefront.outlets.directory import available_by_outlet
from storefront.outlets.models import StockLevel
from tests.factories import make_outlet, make_product, stock


def test_a_products_stock_reads_as_through_sqlalchemy_without_the_empty_outlets(app):
    product = make_product("Nước mắm Cửa Khe")
    stocked, emptied = make_outlet("QN-TP-01"), make_outlet("QN-TP-02")
    stock(stocked, product, 7)
    stock(emptied, product, 2)
    # All of it reserved: `available > 0`, with the value the statement holds, leaves it out.
    db.session.execute(update(StockLevel).where(StockLevel.outlet_id == emptied.id).values(reserved=2))
    db.session.commit()
    with db.engine.connect() as connection:
        through_driver = driver_rows(connection, available_by_outlet(), {"product_id": product.id})
        through_sqlalchemy = connection.execute(available_by_outlet(), {"product_id": product.id}).all()
        version = driver_rows(connection, VERSION)
    assert [tuple(row) for row in through_driver] == [tuple(row) for row in through_sqlalchemy] == [(stocked.id, 7)]
    assert version == [(db.session.scalar(VERSION),)]
