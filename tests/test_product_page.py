"""A product page stays reachable once the product was certified (its QR labels are printed on
packages): it says why it is not for sale and stays out of search engines. Tourism services
read as places to visit, not goods in stock."""
from datetime import date, timedelta

import pytest

from storefront.catalog.services import record_evaluation, revoke_certification, update_product
from storefront.outlets.services import ReceiptLine, receive_stock
from tests.factories import make_lot, make_outlet, make_product

NOINDEX = '<meta name="robots" content="noindex">'


def english(client):
    client.get("/lang/en?next=/")


def test_an_expired_product_page_says_so_shows_its_history_and_lots_and_is_not_indexed(client):
    product = make_product("Bánh tráng Đại Lộc", stars=4, issued_days_ago=37 * 31)
    make_lot(product, "QN-BT-2301-01")
    english(client)
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200
    assert "Not for sale: its OCOP certificate is no longer valid." in page.text
    assert "Certificate expired" in page.text and "Certification history" in page.text
    assert product.certification.certificate_no in page.text
    assert "/trace/QN-BT-2301-01" in page.text
    assert NOINDEX in page.text and "add-to-cart" not in page.text
    assert "/products/banh-trang-dai-loc" in client.get("/trace/QN-BT-2301-01").text


def test_a_revoked_product_page_gives_the_reason(client):
    product = make_product("Rượu Hồng Đào", stars=4)
    revoke_certification(evaluation=product.certification, reason="Sai nhãn")
    english(client)
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200
    assert "Certificate revoked" in page.text and "Sai nhãn" in page.text
    assert NOINDEX in page.text and "add-to-cart" not in page.text


def test_a_revoked_product_lists_no_sales_point_though_they_hold_stock(client):
    product = make_product("Rượu Hồng Đào", stars=4)
    receive_stock(outlet=make_outlet(), lines=[ReceiptLine(product, 5)], user=None)
    revoke_certification(evaluation=product.certification, reason="Sai nhãn")
    page = client.get(f"/products/{product.slug}").text  # in Vietnamese
    assert "Không còn bán: giấy chứng nhận OCOP của sản phẩm đã bị thu hồi." in page
    assert "hết hiệu lực" not in page
    assert "Hiện không bán tại điểm bán nào." in page and "còn 5" not in page
    english(client)
    page = client.get(f"/products/{product.slug}").text
    assert "Not for sale: its OCOP certificate was revoked." in page
    assert "Not for sale at any sales point." in page and "5 available" not in page


def test_a_withdrawn_product_page_says_it_is_no_longer_offered(client):
    product = make_product("Kẹo gương Đại Lộc", stars=3)
    update_product(product, active=False)
    english(client)
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200 and "This product is no longer offered." in page.text
    assert NOINDEX in page.text


def test_a_certified_product_is_indexed_and_a_never_certified_one_stays_hidden(client):
    certified = make_product("Nước mắm Cửa Khe", stars=4)
    assert NOINDEX not in client.get(f"/products/{certified.slug}").text
    below = make_product("Mứt gừng Quế Sơn", stars=2)
    assert client.get(f"/products/{below.slug}").status_code == 404


def test_recertified_product_shows_both_certificates(client):
    product = make_product("Tiêu Tiên Phước", stars=3, issued_days_ago=40 * 31)
    record_evaluation(product=product, score=75, council_level="province", issued_on=date.today() - timedelta(days=1),
                      certificate_no="CN-NEW")
    english(client)
    page = client.get(f"/products/{product.slug}").text
    assert "CN-NEW" in page and product.evaluations[1].certificate_no in page and NOINDEX not in page


@pytest.mark.parametrize("phone, email", [("0905123456", "homestay@example.vn"), ("", "")])
def test_a_tourism_service_shows_how_to_visit_and_book_not_stock(client, phone, email):
    product = make_product("Homestay làng cổ Lộc Yên", stars=4, group="tourism", subgroup="du lịch cộng đồng")
    product.producer.phone, product.producer.email, product.producer.address = phone, email, "Thôn Lộc Yên"
    receive_stock(outlet=make_outlet(), lines=[ReceiptLine(product, 5)], user=None)
    english(client)
    page = client.get(f"/products/{product.slug}").text
    assert "Visit and book" in page and "Thôn Lộc Yên, Tiên Cảnh, Tiên Phước, Quảng Nam" in page
    assert "openstreetmap.org/search?query=" in page
    assert (f'href="tel:{phone}"' in page) == bool(phone) and (f"mailto:{email}" in page) == bool(email)
    assert "Available at" not in page and "Traceability" not in page and "add-to-cart" not in page


def test_the_certificate_score_has_each_languages_decimal_mark(client, db):
    product = make_product("Trà Shan tuyết Tây Giang", stars=4)
    product.certification.score = 75.1
    db.session.commit()
    assert "(75,1/100 điểm)" in client.get(f"/products/{product.slug}").text
    english(client)
    assert "(score 75.1/100)" in client.get(f"/products/{product.slug}").text
