"""What makes a shopper trust the shop: who runs it (the footer), its policies in both languages,
pages that describe themselves to search engines and to the chat apps links are shared in,
share links on products, and "add to cart" that confirms without leaving the product."""
import io
import logging
import re
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from config import TestConfig
from tests.factories import make_lot, make_outlet, make_product, stock
from tests.test_admin_photos import image_bytes, upload

OPERATOR = "Công ty TNHH Chợ OCOP Quảng Nam"
HOTLINE = "0235 3812 345"
ADDRESS = "2 Hùng Vương, Tam Kỳ, Quảng Nam"
PUBLIC = "https://cho-ocop.vn"


@pytest.fixture(autouse=True)
def configured_shop(monkeypatch):
    """Before the app is made (autouse fixtures come first)."""
    for key, value in (("SHOP_OPERATOR", OPERATOR), ("SHOP_HOTLINE", HOTLINE), ("SHOP_ADDRESS", ADDRESS),
                       ("PUBLIC_URL", PUBLIC + "/")):
        monkeypatch.setattr(TestConfig, key, value)


@pytest.fixture
def product(app):
    product = make_product("Nước mắm Cửa Khe", stars=4, price=150_000)
    stock(make_outlet(), product, 10)
    make_lot(product)
    return product


def meta(html: str, name: str) -> str | None:
    found = re.search(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def canonical(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def footer(html: str) -> str:
    return html[html.index('<footer class="site-footer">'):]


# The footer


@pytest.mark.parametrize("path", ["/", "/products", "/products/nuoc-mam-cua-khe", "/outlets", "/cart", "/login"])
def test_every_page_says_who_runs_the_shop_and_links_its_policies(client, in_english, product, path):
    page = footer(client.get(path).text)
    assert OPERATOR in page and ADDRESS in page
    assert f'<a href="tel:02353812345">{HOTLINE}</a>' in page
    for name in ("returns", "privacy", "terms", "ocop"):
        assert f'href="/policies/{name}"' in page


def test_outside_production_an_unset_operator_shows_demo_values(client_for, monkeypatch):
    for key in ("SHOP_OPERATOR", "SHOP_HOTLINE", "SHOP_ADDRESS"):
        monkeypatch.setattr(TestConfig, key, "")
    page = footer(client_for(TestConfig).get("/policies/terms").text)
    assert "(demo operator)" in page and "(demo address)" in page and 'href="tel:18000000"' in page


def test_production_warns_of_an_unset_operator_and_invents_nothing(client_for, monkeypatch, caplog):
    class Production(TestConfig):
        APP_ENV = "production"
        SHOP_HOTLINE = ""

    with caplog.at_level(logging.WARNING):
        page = footer(client_for(Production).get("/policies/terms").text)
    assert "SHOP_HOTLINE is not set" in caplog.text
    assert "SHOP_OPERATOR" not in caplog.text
    assert OPERATOR in page and "tel:" not in page and "demo" not in page


# The policies


POLICY_WORDS = {  # a sentence of each, in English and in Vietnamese
    "returns": ("within 7 days", "trong vòng 7 ngày"),
    "privacy": ("Decree 13/2023/NĐ-CP", "Nghị định 13/2023/NĐ-CP"),
    "terms": ("Cash on delivery", "Thanh toán khi nhận hàng"),
    "ocop": ("valid for 36 months", "có hiệu lực 36 tháng"),
}


@pytest.mark.parametrize("name", sorted(POLICY_WORDS))
def test_each_policy_reads_in_english_and_in_vietnamese(client, product, name):
    english, vietnamese = POLICY_WORDS[name]
    page = client.get(f"/policies/{name}").text  # Vietnamese first
    assert vietnamese in page and english not in page
    client.set_cookie("lang", "en")
    page = client.get(f"/policies/{name}").text
    assert english in page and vietnamese not in page
    assert HOTLINE in page and meta(page, "description")


def test_the_terms_describe_every_way_to_pay(client, in_english, app):
    page = client.get("/policies/terms").text
    for method in ("Card", "Pay at pickup", "Cash on delivery", "Bank transfer (VietQR)"):
        assert f"<strong>{method}</strong>" in page
    assert "reserved for 24 hours and confirmed by our staff" in page
    assert "Card payment is not offered at the moment." in page  # no Stripe keys in tests
    assert "held for you for 72 hours" in page and "Delivery costs 30.000" in page
    app.config["TRANSFER_RESERVATION_HOURS"] = 12
    assert "reserved for 12 hours" in client.get("/policies/terms").text


def test_the_terms_say_when_bank_transfers_are_not_offered(client, in_english, app, db):
    """The checkout offers them only where a bank account is set: the terms offered them always."""
    not_offered = "Bank transfer is not offered at the moment."
    outlet = make_outlet("QN-A")
    assert not_offered in client.get("/policies/terms").text  # no account in tests

    outlet.bank_bin, outlet.bank_account_number, outlet.bank_account_name = "970436", "0071000123456", "DIEM OCOP"
    db.session.commit()
    assert not_offered not in client.get("/policies/terms").text


def test_the_ocop_page_gives_the_score_bands_councils_and_revocation(client, in_english):
    page = client.get("/policies/ocop").text
    for band in ("90–100</td><td>5★", "70–&lt;90</td><td>4★", "50–&lt;70</td><td>3★", "30–&lt;50</td><td>2★",
                 "&lt;30</td><td>1★"):
        assert band in page
    assert "central council" in page and "provincial council" in page and "revoke" in page


def test_an_unknown_policy_is_not_found(client):
    assert client.get("/policies/cookies").status_code == 404


# What pages tell search engines and social networks


@pytest.mark.parametrize("path", [
    "/", "/products", "/products?group=food", "/search?q=mam", "/products/nuoc-mam-cua-khe",
    "/trace/QN-TEST-01", "/outlets", "/outlets/QN-TP-01", "/policies/ocop",
])
def test_every_public_page_has_a_description_canonical_link_and_share_card(client, in_english, product, path):
    page = client.get(path).text
    description = meta(page, "description")
    assert description and len(description) <= 200
    assert meta(page, "og:description") == meta(page, "twitter:description") == description
    title = re.search(r"<title>(.*?) · OCOP Market</title>", page).group(1)
    assert meta(page, "og:title") == unescape(title)
    assert canonical(page) == meta(page, "og:url") and canonical(page).startswith(PUBLIC + "/")
    assert meta(page, "og:image").startswith(PUBLIC + "/") and meta(page, "twitter:card") == "summary_large_image"


def test_descriptions_say_what_the_page_shows(client, in_english, product):
    assert "1 OCOP product matching “mam”" in meta(client.get("/search?q=mam").text, "description")
    assert "Lot QN-TEST-01 of Nước mắm Cửa Khe" in meta(client.get("/trace/QN-TEST-01").text, "description")
    product.description_en = "Fish sauce from the first pressing of anchovies, aged a year in wooden barrels."
    from storefront.extensions import db
    db.session.commit()
    assert meta(client.get("/products/nuoc-mam-cua-khe").text, "description") == product.description_en


def test_the_canonical_link_keeps_the_content_not_the_sorting_nor_a_forged_host(client, product):
    page = client.get("/search?q=mam&sort=price_asc&stars=4", headers={"Host": "evil.example"}).text
    assert canonical(page) == PUBLIC + "/search?q=mam"
    assert "evil.example" not in page


def test_a_product_without_photos_shares_the_shop_picture(client, product):
    image = meta(client.get("/products/nuoc-mam-cua-khe").text, "og:image")
    assert image.startswith(PUBLIC + "/static/img/share.png?v=")  # fingerprinted, cached a year
    with Image.open(Path(__file__).parent.parent / "static/img/share.png") as picture:
        assert picture.size == (1200, 630)


def test_a_product_shares_its_first_photo_as_a_1200_by_630_jpeg(client, staff_user, product):
    upload(client, product, ("tall.png", image_bytes("PNG", size=(600, 900), color="blue", mode="RGBA")),
           ("second.jpg", image_bytes(color="red")))
    image = meta(client.get("/products/nuoc-mam-cua-khe").text, "og:image")
    assert re.fullmatch(re.escape(PUBLIC) + rf"/media/photos/{product.id}/[0-9a-f]{{32}}-share\.jpg", image)
    with client.get(image.removeprefix(PUBLIC)) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        data = served.data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG" and picture.size == (1200, 630)
        assert picture.getpixel((600, 315))[2] > 200  # the first photo, blue, not the red one


def test_photos_stored_before_the_share_picture_existed_get_one_on_first_request(client, staff_user, product, app):
    upload(client, product, ("photo.jpg", image_bytes(color="green")))
    path = meta(client.get("/products/nuoc-mam-cua-khe").text, "og:image").removeprefix(PUBLIC)
    stored = Path(app.config["PHOTO_DIR"]) / str(product.id) / path.rsplit("/", 1)[1]
    stored.unlink()  # as a photo uploaded before this change has no such file
    with client.get(path) as served:
        assert served.status_code == 200 and stored.exists()
        data = served.data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (1200, 630)


def test_deleting_a_photo_removes_its_share_picture(client, staff_user, product, app):
    upload(client, product, ("photo.jpg", image_bytes(color="green")))
    from storefront.catalog.models import ProductPhoto
    from storefront.extensions import db
    photo = db.session.scalars(db.select(ProductPhoto)).one()
    share = Path(app.config["PHOTO_DIR"]) / str(product.id) / f"{photo.digest}-share.jpg"
    assert share.exists()
    from storefront.catalog.photos import delete_photo
    delete_photo(actor=None, photo=photo)
    assert not share.exists()


# Share links


def test_a_product_page_offers_facebook_zalo_and_a_link_to_copy(client, in_english, product):
    page = client.get("/products/nuoc-mam-cua-khe").text
    address = PUBLIC + "/products/nuoc-mam-cua-khe"
    assert f'href="https://www.facebook.com/sharer/sharer.php?u={quote(address, safe="")}"' in page
    assert f'href="https://button-share.zalo.me/share_external?url={quote(address, safe="")}"' in page
    assert f'<a href="{address}" data-copy-link' in page and "Copy link" in page



def test_the_share_links_say_share_in_vietnamese_not_the_growth_reports_share_of_a_total(client, product):
    page = client.get("/products/nuoc-mam-cua-khe").text
    assert "<span>Chia sẻ:</span>" in page and "Tỷ lệ" not in page


# Add to cart in place


def test_add_to_cart_answers_the_page_script_with_the_new_count(client, in_english, product):
    json = {"Accept": "application/json"}
    first = client.post(f"/cart/add/{product.id}", data={"qty": 2}, headers=json)
    assert first.status_code == 200
    assert first.json == {"message": "Added 2 × Nước mắm Cửa Khe to your cart.", "count": 2, "count_label": "2 items"}
    assert client.post(f"/cart/add/{product.id}", data={"qty": 1}, headers=json).json["count"] == 3
    refused = client.post(f"/cart/add/{product.id}", data={"qty": 50}, headers=json)
    assert refused.status_code == 422 and "error" in refused.json
    assert client.post(f"/cart/add/{product.id}", data={"qty": "x"}, headers=json).status_code == 422
    assert "Added" not in client.get("/cart").text  # nothing flashed for a later page


def test_add_to_cart_without_the_script_still_opens_the_cart(client, in_english, product):
    added = client.post(f"/cart/add/{product.id}", data={"qty": 1})
    assert added.status_code == 302 and added.location.endswith("/cart")
    assert "Added 1 × Nước mắm Cửa Khe to your cart." in client.get("/cart").text
