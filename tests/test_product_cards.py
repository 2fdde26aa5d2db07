"""Product cards are kept per catalogue version, day and language: what a card shows changes
at once with the catalogue, also for logged-in visitors (whose pages are rendered anew)."""
from storefront.catalog.cards import product_cards
from storefront.catalog.models import Product
from storefront.catalog.services import revoke_certification, update_product
from storefront.extensions import db
from tests.conftest import QueryCounter
from tests.factories import make_product


def test_a_logged_in_visitor_sees_a_new_price_and_a_revoked_badge_at_once(app, client, login_as):
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    other = make_product("Trà sâm Ngọc Linh", price=90_000)
    login_as("customer")
    client.get("/")  # shows the welcome message once
    assert "150.000" in client.get("/products").text
    update_product(db.session.merge(product), price=175_000)
    page = client.get("/products").text
    assert "175.000" in page and "150.000" not in page
    revoke_certification(evaluation=db.session.merge(other).certification, reason="Vi phạm")
    assert "Trà sâm Ngọc Linh" not in client.get("/products").text


def test_cards_follow_the_language_and_the_searched_words(app, client):
    make_product("Nước mắm Cửa Khe", name_en="Cua Khe fish sauce")
    assert "Nước mắm Cửa Khe" in client.get("/products").text
    client.set_cookie("lang", "en")
    assert "Cua Khe fish sauce" in client.get("/products").text
    client.set_cookie("lang", "vi")
    marked = client.get("/search?q=nuoc+mam").text
    assert "<mark>Nước</mark> <mark>mắm</mark>" in marked
    assert "<mark>Cửa</mark> <mark>Khe</mark>" in client.get("/search?q=cua+khe").text


def test_the_api_lists_a_new_price_at_once(app, client):
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    assert client.get("/api/v1/products").json["items"][0]["price_vnd"] == 150_000
    update_product(db.session.merge(product), price=175_000)
    item = client.get("/api/v1/products").json["items"][0]
    assert item["price_vnd"] == 175_000 and item["url"] == "http://localhost/products/nuoc-mam-cua-khe"


def test_cards_not_kept_yet_read_what_they_show_in_two_statements_however_many(app):
    """After a catalogue change every card is rendered anew: the products' certificates and
    places come in one statement and their photos in a second, not one statement a relation."""
    products = [make_product(name) for name in ("Nước mắm Cửa Khe", "Trà sâm Ngọc Linh", "Mật ong rừng")]
    origins = [(product.district or product.province).name for product in products]
    with app.test_request_context("/products"):
        db.session.expire_all()  # as a listing finds them: without their relations
        listed = db.session.scalars(db.select(Product).where(Product.id.in_([p.id for p in products]))).all()
        with QueryCounter(db.engine) as statements:
            cards = product_cards(listed)
    assert statements.count == 3  # the catalogue version, the products with their relations, the photos
    assert all(origin in card and "star" in card for origin, card in zip(origins, cards))
