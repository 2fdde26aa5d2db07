from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from storefront.catalog.filters import SORTS, ProductFilters
from storefront.catalog import listing
from storefront.catalog.listing import page_of_ids
from storefront.catalog.models import Evaluation, Product, stars_for_score
from storefront.extensions import db as _db
from storefront.catalog import services
from storefront.catalog.services import (
    CatalogError, products_by_id, record_evaluation, revoke_certification, update_product,
)
from tests.factories import make_area, make_lot, make_place, make_producer, make_product


@pytest.mark.parametrize(
    "score, stars",
    [(0, 1), (29.9, 1), (30, 2), (49.9, 2), (50, 3), (69.9, 3), (70, 4), (89.9, 4), (90, 5), (100, 5)],
)
def test_score_bands_follow_decision_148(score, stars):
    assert stars_for_score(score) == stars


def test_certificate_runs_36_months(app):
    assert Evaluation.expiry_for(date(2024, 3, 15)) == date(2027, 3, 15)
    assert Evaluation.expiry_for(date(2024, 2, 29)) == date(2027, 2, 28)


def test_expired_certificate_loses_the_badge(client, app):
    make_product("Bánh tráng Đại Lộc", stars=4, issued_days_ago=37 * 31)
    page = client.get("/products/banh-trang-dai-loc")
    assert page.status_code == 200  # its QR labels are on packages: see test_product_page
    assert "star-badge" not in page.text and "add-to-cart" not in page.text
    assert "Bánh tráng Đại Lộc" not in client.get("/products").text


def test_staff_see_uncertified_and_expired_products(client, login_as):
    make_product("Bánh tráng Đại Lộc", stars=4, issued_days_ago=37 * 31)
    make_product("Mứt gừng Quế Sơn", stars=2)
    login_as("staff")
    expired = client.get("/products/banh-trang-dai-loc")
    assert expired.status_code == 200
    assert "star-badge" not in expired.text
    assert "Certificate expired" in expired.text or "hết hạn" in expired.text
    below = client.get("/products/mut-gung-que-son")
    assert below.status_code == 200 and "star-badge" not in below.text
    listing = client.get("/products?all=1").text
    assert "Mứt gừng Quế Sơn" in listing and "Bánh tráng Đại Lộc" in listing


def test_customer_cannot_open_uncertified_product(client, login_as):
    make_product("Mứt gừng Quế Sơn", stars=2)
    login_as("customer")
    assert client.get("/products/mut-gung-que-son").status_code == 404
    assert "Mứt gừng Quế Sơn" not in client.get("/products?all=1").text


def test_product_page_shows_certificate_producer_and_lots(client):
    product = make_product("Nước mắm Cửa Khe", stars=5, issued_days_ago=10)
    make_lot(product, "QN-NM-2411-01", standards=["HACCP", "VietGAP"])
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200
    assert "★★★★★" in page.text
    assert product.certification.certificate_no in page.text
    assert "150.000" in page.text and "₫" in page.text
    assert "HTX Nông nghiệp Tiên Cảnh" in page.text
    assert "Tiên Cảnh, Tiên Phước, Quảng Nam" in page.text
    assert "/trace/QN-NM-2411-01" in page.text


def test_recertification_restores_the_badge(client, app):
    product = make_product("Tiêu Tiên Phước", stars=3, issued_days_ago=40 * 31)
    assert "star-badge" not in client.get(f"/products/{product.slug}").text
    record_evaluation(product=product, score=75, council_level="province", issued_on=date.today(),
                      certificate_no="CN-NEW")
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200 and "★★★★" in page.text and "CN-NEW" in page.text


def test_revoked_certificate_is_not_shown(client):
    product = make_product("Rượu Hồng Đào", stars=4)
    revoke_certification(evaluation=product.certification, reason="Sai nhãn")
    assert product.certification is None
    assert "star-badge" not in client.get(f"/products/{product.slug}").text
    with pytest.raises(CatalogError):
        revoke_certification(evaluation=product.evaluations[0], reason="  ")


def test_inactive_product_is_hidden(client):
    product = make_product("Kẹo gương Đại Lộc", stars=3)
    update_product(product, active=False)
    assert "Kẹo gương Đại Lộc" not in client.get("/products").text
    assert "add-to-cart" not in client.get(f"/products/{product.slug}").text


def test_listing_filters_and_facet_counts(client):
    quang_nam = make_place()
    cao_bang = make_place("Cao Bằng", "Hà Quảng", "Cải Viên")
    local = make_producer(quang_nam)
    remote = make_producer(cao_bang, name="HTX Rượu ngô Cải Vân")
    make_product("Sâm Ngọc Linh củ", stars=5, group="herbal", price=5_000_000, producer=local)
    make_product("Trà sâm dây", stars=4, group="herbal", price=120_000, producer=local)
    make_product("Rượu Ngô Cải Vân", stars=4, group="beverage", price=250_000, producer=remote)
    make_product("Bánh tổ", stars=3, group="food", price=60_000, producer=local)
    make_product("Hàng chưa đạt", stars=2, group="food", producer=local)

    everything = client.get("/products").text
    assert "4 products" in everything or "4 sản phẩm" in everything
    assert "Hàng chưa đạt" not in everything

    herbal = client.get("/products?group=herbal").text
    assert "Sâm Ngọc Linh củ" in herbal and "Bánh tổ" not in herbal

    four = client.get("/products?stars=4").text
    assert "Trà sâm dây" in four and "Sâm Ngọc Linh củ" not in four

    area = client.get(f"/products?area={cao_bang.parent.parent.code}").text
    assert "Rượu Ngô Cải Vân" in area and "Bánh tổ" not in area

    cheap = client.get("/products?min_price=100000&max_price=300000").text
    assert "Trà sâm dây" in cheap and "Rượu Ngô Cải Vân" in cheap and "Bánh tổ" not in cheap

    api = client.get("/api/v1/products?group=herbal").json
    stars = {v["key"]: v["count"] for v in api["facets"]["stars"]}
    assert stars == {"5": 1, "4": 1}
    groups = {v["key"]: v["count"] for v in api["facets"]["group"]}
    assert groups == {"herbal": 2, "beverage": 1, "food": 1}  # a facet ignores its own choice
    areas = {v["label"]: v["count"] for v in api["facets"]["area"]}
    assert areas == {"Quảng Nam": 2}


def test_sorting_and_pagination(client, app):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for i, price in enumerate([300_000, 100_000, 200_000]):
        make_product(f"Sản phẩm {i}", price=price)
    first = client.get("/api/v1/products?sort=price_asc&per_page=2").json
    assert [p["price_vnd"] for p in first["items"]] == [100_000, 200_000]
    assert first["pages"] == 2
    second = client.get("/api/v1/products?sort=price_asc&per_page=2&page=2").json
    assert [p["price_vnd"] for p in second["items"]] == [300_000]
    page_two = client.get("/products?sort=price_desc&page=2").text
    assert "Sản phẩm 1" in page_two and "Sản phẩm 0" not in page_two


@pytest.mark.parametrize(
    "query",
    [
        "page=-1", "page=abc", "page=99999999999999999999", "stars=9", "stars=abc", "min_price=abc",
        "max_price=-5", "group=weapons", "area=nowhere", "sort=hack", "q=" + "x" * 5000,
        "q=%22%28%29%3A%2A", "q=AND+OR+NOT",  # a NUL byte is a 400 (tests/test_hostile_input.py)
    ],
)
def test_bad_listing_input_gives_a_page(client, query):
    make_product("Nước mắm Cửa Khe")
    response = client.get(f"/products?{query}")
    assert response.status_code == 200


def test_bad_values_are_explained(client):
    make_product("Nước mắm Cửa Khe")
    text = client.get("/products?stars=9&min_price=abc").text
    assert "9" in text and ("OCOP stars are 3, 4 or 5" in text or "3, 4 hoặc 5" in text)
    assert "Nước mắm Cửa Khe" in text  # ignored filters do not empty the page


def test_script_in_query_comes_back_escaped(client):
    text = client.get("/search?q=<script>alert(1)</script>").text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize("path", ["/products/no-such-product", "/trace/NO-SUCH-LOT", "/nowhere"])
def test_unknown_things_are_404_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<html" in response.text


def test_trace_page_tells_the_lot_story_with_its_qr(client):
    product = make_product("Sâm Ngọc Linh củ", group="herbal", stars=5)
    make_lot(
        product,
        "QN-SNL-2406-01",
        material_area="Vùng sâm Tắk Ngo",
        material_place="Trà Linh, Nam Trà My",
        material_hectares=12.5,
        standards=["VietGAP"],
        events=[
            {"happened_on": date.today() - timedelta(days=5), "kind": "packaging", "description": "Đóng hộp"},
            {"happened_on": date.today() - timedelta(days=15), "kind": "harvest", "description": "Thu hoạch củ"},
        ],
    )
    page = client.get("/trace/qn-snl-2406-01")
    assert page.status_code == 200
    assert "<svg" in page.text.split('<figure class="qr">', 1)[1] and "Vùng sâm Tắk Ngo" in page.text and "12.5" in page.text
    assert page.text.index("Thu hoạch củ") < page.text.index("Đóng hộp")  # story in date order
    qr = client.get("/trace/QN-SNL-2406-01/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_bad_lot_codes_are_refused(app):
    product = make_product("Bánh tổ")
    make_lot(product, "QN-BT-01")
    with pytest.raises(CatalogError):
        make_lot(product, "QN-BT-01")
    with pytest.raises(CatalogError):
        make_lot(product, "bad code!")


def test_language_switch_is_remembered(client):
    make_product("Nước mắm Cửa Khe", name_en="Cua Khe fish sauce")
    vietnamese = client.get("/products/nuoc-mam-cua-khe").text
    assert 'lang="vi"' in vietnamese and "Nước mắm Cửa Khe" in vietnamese
    switched = client.get("/lang/en?next=/products/nuoc-mam-cua-khe")
    assert switched.status_code == 302 and switched.location.endswith("/products/nuoc-mam-cua-khe")
    english = client.get("/products/nuoc-mam-cua-khe").text
    assert 'lang="en"' in english and "Cua Khe fish sauce" in english
    assert "150.000\u00a0₫" in english  # VND reads the Vietnamese way in both languages


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.location == "/"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from config import Config
    from storefront import create_app

    class Production(Config):
        APP_ENV = "production"
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Production)


def test_admin_overview_counts_certificates(client, login_as):
    make_product("Một", stars=5)
    make_product("Hai", stars=3)
    make_product("Ba", stars=4, issued_days_ago=37 * 31)
    make_product("Bốn", stars=2)
    login_as("staff")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "50%" in page.text  # 2 of 4 active registered products hold a valid certificate


@pytest.mark.parametrize("role, status", [("customer", 403), ("manager", 403), ("staff", 200), ("admin", 200)])
def test_admin_is_for_staff(client, login_as, role, status):
    login_as(role)
    assert client.get("/admin/").status_code == status


def test_admin_needs_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("few", [50, 1])  # a cart's few products, and a list read in batches
def test_products_by_id_finds_the_existing_products_with_their_certification(app, monkeypatch, few):
    monkeypatch.setattr(services, "FEW_IDS", few)
    certified, uncertified = make_product("Mật ong rừng"), make_product("Trà xanh", stars=None)
    found = products_by_id([certified.id, uncertified.id, 999_999], with_cards=True)
    assert set(found) == {certified.id, uncertified.id}
    assert found[certified.id].is_sellable and not found[uncertified.id].is_sellable
    assert found[certified.id].photos == []


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("filtered", [
    {}, {"stars": (4, 5), "group": "food"}, {"min_price": 50_000, "max_price": 90_000},
])
def test_a_listing_page_is_read_from_an_index_alone(app, sort, filtered):
    """Page 2,000 skips 47,976 products: over index entries, not table rows, whatever the order
    and filters (the index holds them all), so a deep page costs a crawler little. The test
    tables are tiny, so PostgreSQL is told to take an index where it can."""
    statement = page_of_ids(ProductFilters(sort=sort, page=2000, **filtered), per_page=24)
    sql = str(statement.compile(_db.engine, compile_kwargs={"literal_binds": True}))
    if _db.engine.dialect.name == "postgresql":
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            _db.session.execute(text(f"SET LOCAL {setting} = off"))
        plan = [line for (line,) in _db.session.execute(text(f"EXPLAIN {sql}"))]
        reads = [line for line in plan if " on product" in line]
        assert reads and all("Index Only Scan" in line for line in reads), plan
    else:
        plan = [row.detail for row in _db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
        assert all("COVERING INDEX" in step for step in plan if "product" in step), plan
    _db.session.rollback()


def test_deep_pages_started_from_bookmarks_are_the_pages_offset_gives(app, monkeypatch):
    """Bookmarks every 3 products, pages of 2: every page of every order and filter holds what
    plain OFFSET gives, ties in price, stars and date included (the id settles them)."""
    for n in range(23):
        make_product(f"Sản phẩm {n}", stars=3 + n % 3, price=(1 + n % 4) * 50_000, group=("food", "herbal")[n % 2])
    _db.session.execute(_db.update(Product).where(Product.id % 3 == 0).values(created_at=datetime(2026, 1, 1)))
    _db.session.commit()

    def every_page(filters: dict, bookmark_rows: int) -> list[list[int]]:
        monkeypatch.setattr(listing, "BOOKMARK_ROWS", bookmark_rows)
        return [_db.session.scalars(page_of_ids(ProductFilters(page=page, **filters), per_page=2)).all()
                for page in range(1, 14)]

    for sort in SORTS:
        for filtered in ({}, {"stars": (4, 5)}, {"group": "herbal", "max_price": 150_000}):
            with_bookmarks = every_page({"sort": sort, **filtered}, bookmark_rows=3)
            with_offset = every_page({"sort": sort, **filtered}, bookmark_rows=10**9)
            assert with_bookmarks == with_offset, (sort, filtered)
            assert len({i for page in with_offset for i in page}) == sum(map(len, with_offset)) >= 6


def test_the_price_filter_reads_prices_as_the_shop_writes_them(client, in_english):
    """A number input took "150.000" for 150 and the server refused it: prices are written so."""
    make_product("Trà sâm dây", price=150_000)
    make_product("Sâm Ngọc Linh củ", price=2_500_000)

    grouped = client.get("/products?min_price=150.000&max_price=300.000+₫").text
    refused = client.get("/products?min_price=1,5").text

    assert "Trà sâm dây" in grouped and "Sâm Ngọc Linh củ" not in grouped and "Ignored" not in grouped
    assert 'name="min_price" value="150000"' in grouped
    assert "Ignored the minimum price" in refused and "Sâm Ngọc Linh củ" in refused
    assert 'type="number"' not in grouped.split('class="price-filter"')[1].split("</form>")[0]


def test_a_page_past_the_last_leads_to_the_last_page(app, client, in_english, monkeypatch):
    """It said "No products match" and "Page 99 of 2", with a link to page 98, empty as well."""
    monkeypatch.setitem(app.config, "PRODUCTS_PER_PAGE", 2)
    for number in range(3):
        make_product(f"Trà thảo mộc {number}")

    page = client.get("/products?sort=price_asc&page=99").text

    assert "This page is past the last one." in page and "No products match" not in page
    assert 'href="/products?sort=price_asc&amp;page=2">Go to the last page' in page
    assert "Page 99 of 2" not in page and "page=98" not in page
