"""What a shopper sees of a product's pictures: photos in the size the screen needs, a gallery
to zoom into, and for a product without photos a drawing of its kind."""
import re
from pathlib import Path

import pytest
from PIL import Image

from storefront.catalog.art import ART_BY_KEYWORD, GROUP_ART, art_name
from storefront.catalog.models import ProductPhoto
from storefront.extensions import db
from tests.factories import make_product
from tests.test_admin_photos import image_bytes, upload

STATIC = Path(__file__).parent.parent / "static" / "img"


def image_tags(html: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", html)


def photos_of(product, client, staff_user, *colors):
    upload(client, product, *[(f"{color}.jpg", image_bytes(color=color)) for color in colors])
    return db.session.scalars(db.select(ProductPhoto).order_by(ProductPhoto.position)).all()


def test_cards_offer_each_photo_size_and_load_late_except_the_first_row(client, staff_user):
    products = [make_product(f"Trà xanh {n}", stars=4) for n in range(3)]
    for product, color in zip(products, ("red", "blue", "green")):
        upload(client, product, (f"{color}.jpg", image_bytes(color=color)))
    cards = [tag for tag in image_tags(client.get("/products").text) if "product-image" in tag]
    assert len(cards) == 3
    assert all("160w" in tag and "480w" in tag and "sizes=" in tag for tag in cards)
    assert ["loading=lazy" in tag for tag in cards] == [False, False, True]
    assert "fetchpriority=high" in cards[0]


def test_the_product_page_shows_every_photo_large_and_whole_to_zoom(client, staff_user):
    product = make_product("Lụa Mã Châu", stars=4, group="handicraft")
    first, second = photos_of(product, client, staff_user, "red", "blue")
    page = client.get(f"/products/{product.slug}").text
    [main] = [tag for tag in image_tags(page) if "product-photo" in tag]
    assert f"{first.digest}-medium.webp 800w" in main and f"{first.digest}-full.webp 900w" in main
    assert "loading=" not in main and 'fetchpriority="high"' in main
    assert f'href="/media/photos/{product.id}/{first.digest}-full.webp" data-zoom' in page
    for photo in (first, second):
        assert f"{photo.digest}-thumbnail.webp" in page and f'data-medium="/media/photos/{product.id}/{photo.digest}-medium.webp"' in page
    assert "<dialog class=\"zoom\"" in page and "js/gallery.js" in page


def test_a_photo_stored_before_the_medium_size_gets_it_on_first_request(app, client, staff_user):
    product = make_product()
    [photo] = photos_of(product, client, staff_user, "red")
    medium = Path(app.config["PHOTO_DIR"]) / photo.filename("medium")
    medium.unlink()
    with client.get(f"/media/photos/{product.id}/{photo.digest}-medium.webp") as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
    with Image.open(medium) as image:
        assert image.size == (800, 533)


@pytest.mark.parametrize("subgroup, drawing", [
    ("nước mắm", "art/fish-sauce.svg"), ("Rượu", "art/wine.svg"), ("lụa", "art/silk.svg"),
    ("gốm", "groups/handicraft.svg"), ("nấm dược liệu", "art/mushroom.svg"), ("sữa hạt", "art/drink.svg"),
    ("bánh tráng", "art/rice-paper.svg"), ("du lịch cộng đồng", "art/homestay.svg"), ("đặc sản", "groups/food.svg"),
])
def test_a_product_without_photos_shows_a_drawing_of_its_sub_group(client, subgroup, drawing):
    product = make_product("Sản phẩm", stars=4, group="handicraft" if drawing == "groups/handicraft.svg" else "food",
                           subgroup=subgroup)
    assert f"/static/img/{drawing}" in client.get(f"/products/{product.slug}").text
    assert f"/static/img/{drawing}" in client.get("/products").text


def test_every_drawing_named_exists():
    for _keyword, name in ART_BY_KEYWORD:
        assert (STATIC / GROUP_ART.get(name, f"art/{name}.svg")).is_file(), name
    assert art_name("") is None
