"""Catalogue pages cached for visitors who are not logged in: what one visitor sees of their own
(cart, messages, login, CSRF token) never reaches another, and catalogue changes show at once."""
import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import text

from config import TestConfig
from storefront import page_cache
from storefront.accounts.models import User
from storefront.accounts.services import create_user
from storefront.catalog.services import revoke_certification, update_product
from storefront.extensions import db
from storefront.outlets.services import assign_outlets
from tests.conftest import require
from tests.factories import make_outlet, make_product, stock

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def page_cache_and_csrf_on(monkeypatch):
    """Before the app is made (autouse fixtures come first): the cache as in production, and
    CSRF checked, so a token taken from a cached page must really work."""
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", True)
    monkeypatch.setattr(TestConfig, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def visitor(app):
    def new_visitor():
        client = app.test_client()
        client.set_cookie("lang", "en")
        return client
    return new_visitor


@pytest.fixture
def shop(app):
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    stock(make_outlet(), product, 10)
    return product


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)


def rename_behind_the_caches_back(product, name: str) -> None:
    """Raw SQL skips the change hooks: what a visitor then sees comes from the cache."""
    db.session.execute(text("UPDATE product SET name_vi = :name WHERE id = :id"), {"name": name, "id": product.id})
    db.session.commit()


def test_a_second_visit_is_served_from_the_cache_and_a_price_edit_shows_at_once(app, visitor, shop):
    first = visitor().get("/products").text
    assert "Nước mắm Cửa Khe" in first and "150.000" in first
    rename_behind_the_caches_back(shop, "Tên khác")
    assert "Nước mắm Cửa Khe" in visitor().get("/products").text  # stored page
    update_product(db.session.merge(shop), price=175_000)
    page = visitor().get("/products").text
    assert "175.000" in page and "Tên khác" in page


def test_a_revoked_certificate_leaves_cached_pages_at_once(app, visitor, shop):
    assert visitor().get("/products/nuoc-mam-cua-khe").status_code == 200
    assert "Nước mắm Cửa Khe" in visitor().get("/").text + visitor().get("/products").text
    revoke_certification(evaluation=shop.certification, reason="Vi phạm")
    page = visitor().get("/products/nuoc-mam-cua-khe").text  # kept for its QR labels, not for sale
    assert "Certificate revoked" in page and "/cart/add/" not in page
    assert "Nước mắm Cửa Khe" not in visitor().get("/products").text


def test_no_visitor_sees_another_visitors_cart_or_messages(app, visitor, shop):
    buyer, other = visitor(), visitor()
    product_page = buyer.get("/products/nuoc-mam-cua-khe").text  # stored for everybody
    added = buyer.post(f"/cart/add/{shop.id}", data={"qty": 2, "csrf_token": csrf_token(product_page)},
                       follow_redirects=True)
    assert "Added 2 × Nước mắm Cửa Khe to your cart." in added.text
    assert 'class="cart-count"' in buyer.get("/products/nuoc-mam-cua-khe").text
    for path in ("/", "/products", "/products/nuoc-mam-cua-khe"):
        page = other.get(path).text
        assert 'class="cart-count"' not in page and "Added 2" not in page
    assert 'class="cart-count"' in buyer.get("/products").text


def test_a_cart_filled_in_place_shows_on_pages_stored_before_it(app, visitor, shop):
    buyer = visitor()
    for path in ("/", "/products"):
        assert 'class="cart-count"' not in buyer.get(path).text  # stored, without a cart
    product_page = buyer.get("/products/nuoc-mam-cua-khe").text
    added = buyer.post(f"/cart/add/{shop.id}", data={"qty": 2, "csrf_token": csrf_token(product_page)},
                       headers={"Accept": "application/json"})
    assert added.json["count"] == 2
    for path in ("/", "/products", "/products/nuoc-mam-cua-khe"):
        assert re.search(r'class="cart-count"[^>]*>2<', buyer.get(path).text), path
    assert 'class="cart-count"' not in visitor().get("/").text


def test_each_visitor_gets_a_working_csrf_token_of_their_own(app, visitor, shop):
    first, second = visitor(), visitor()
    first_page = first.get("/products/nuoc-mam-cua-khe").text
    second_page = second.get("/products/nuoc-mam-cua-khe").text  # from the cache
    assert csrf_token(first_page) != csrf_token(second_page)
    for client, page in ((first, first_page), (second, second_page)):
        added = client.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": csrf_token(page)})
        assert added.status_code == 302
    assert second.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": csrf_token(first_page)}).status_code == 400


def test_a_product_page_left_open_for_a_day_still_adds_to_the_cart(app, visitor, shop, monkeypatch):
    client = visitor()
    token = csrf_token(client.get("/products/nuoc-mam-cua-khe").text)
    now = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda signer: now(signer) + 24 * 3600)
    assert client.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": token}).status_code == 302
    assert "Your cart is empty." not in client.get("/cart").text


def test_a_form_read_before_a_login_is_refused_saying_so_and_changes_nothing(app, visitor, shop):
    client = visitor()
    token = csrf_token(client.get("/products/nuoc-mam-cua-khe").text)
    log_in(client, "customer")
    refused = client.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": token})
    assert refused.status_code == 400
    assert "this page was opened before your session ended or changed. Reload the page" in refused.text
    assert "Your cart is empty." in client.get("/cart").text
    token = csrf_token(client.get("/products/nuoc-mam-cua-khe").text)
    assert client.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": token}).status_code == 302


def test_a_till_line_sent_after_the_cookie_was_lost_leads_back_to_the_till(app, visitor):
    """The refusal's page had only a link to the home page: the manager could not find the way back
    to the till, which asks for the login and then returns there."""
    make_outlet("QN-A")
    manager = visitor()
    log_in(manager, "manager")
    assign_outlets(user=db.session.scalar(db.select(User).where(User.email == "manager@example.vn")), codes=["QN-A"])
    token = csrf_token(manager.get("/manage/QN-A/pos").text)
    manager.delete_cookie("session")

    refused = manager.post("/manage/QN-A/pos/lines", data={"product_code": "NM-01", "qty": "1", "csrf_token": token},
                           headers={"Referer": "http://localhost/manage/QN-A/pos"})

    assert refused.status_code == 400
    assert 'href="/manage/QN-A/pos">Open the page again' in refused.text
    assert manager.get("/manage/QN-A/pos").location == "/login?next=%2Fmanage%2FQN-A%2Fpos"


def test_a_revisit_without_the_session_the_copy_was_made_for_gets_a_token_that_works(app, visitor, shop):
    """The browser kept the page but lost its cookie (or logged in or out since): no 304, as the
    copy's token would be refused."""
    first = visitor()
    page = first.get("/products/nuoc-mam-cua-khe")
    tag = {"If-None-Match": page.headers["ETag"]}
    assert first.get("/products/nuoc-mam-cua-khe", headers=tag).status_code == 304
    cookieless = visitor()
    again = cookieless.get("/products/nuoc-mam-cua-khe", headers=tag)
    assert again.status_code == 200
    added = cookieless.post(f"/cart/add/{shop.id}", data={"qty": 1, "csrf_token": csrf_token(again.text)})
    assert added.status_code == 302


def log_in(client, role: str) -> None:
    user = create_user(email=f"{role}@example.vn", password=PASSWORD, role=role)
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_logged_in_visitors_get_their_own_pages_and_nobody_else_sees_log_out(app, visitor, shop):
    anonymous, customer = visitor(), visitor()
    assert "Log out" not in anonymous.get("/products").text  # stored
    log_in(customer, "customer")
    assert "Log out" in customer.get("/products").text
    log_in(staff := visitor(), "staff")
    assert "Admin" in staff.get("/").text
    for path in ("/", "/products"):
        page = anonymous.get(path).text
        assert "Log out" not in page and "/admin" not in page


def test_languages_are_kept_apart(app, visitor, shop):
    assert '<html lang="en">' in visitor().get("/products").text
    vietnamese = app.test_client()
    assert '<html lang="vi">' in vietnamese.get("/products").text


def test_stock_shows_at_once_on_the_product_page(app, visitor, shop):
    assert "Điểm bán OCOP QN-TP-01" in visitor().get("/products/nuoc-mam-cua-khe").text
    other = make_outlet("QN-TP-02")
    stock(other, db.session.merge(shop), 3)
    assert "Điểm bán OCOP QN-TP-02" in visitor().get("/products/nuoc-mam-cua-khe").text


def test_a_revisit_costs_a_304_until_the_catalogue_changes(app, visitor, shop):
    client = visitor()
    first = client.get("/products")
    assert first.headers["ETag"].startswith('W/"')
    again = client.get("/products", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    make_product("Trà Tiên Phước")
    changed = client.get("/products", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Trà Tiên Phước" in changed.text


def test_cached_pages_keep_the_security_headers(app, visitor, shop):
    visitor().get("/products")
    hit = visitor().get("/products")
    assert "script-src 'self'" in hit.headers["Content-Security-Policy"]
    assert hit.headers["X-Frame-Options"] == "DENY"


def test_the_api_is_cached_too_and_follows_changes(app, visitor, shop):
    assert visitor().get("/api/v1/products").json["items"][0]["price_vnd"] == 150_000
    update_product(db.session.merge(shop), price=120_000)
    assert visitor().get("/api/v1/products").json["items"][0]["price_vnd"] == 120_000


def test_a_stored_page_is_sent_with_the_headers_it_was_rendered_with(app, visitor, shop):
    """Stored pages are answered before the app's hooks run: their headers were stored with
    them; only the session cookie (a CSRF secret, on a page with a form) is each visitor's own,
    and on such a page the ETag ends with the second its token was made (storefront.revalidation)."""
    def headers(response):
        kept = {name: value for name, value in response.headers if name not in ("Set-Cookie", "ETag")}
        return kept, response.headers["ETag"].partition(".")[0]

    for path in ("/products", "/products/nuoc-mam-cua-khe", "/api/v1/products"):
        rendered, stored = visitor().get(path), visitor().get(path)
        assert "Cookie" in stored.headers["Vary"], path
        assert headers(stored) == headers(rendered), path
        assert stored.headers.get("Set-Cookie") is None or stored.headers["Set-Cookie"] != rendered.headers["Set-Cookie"]


def test_a_head_gets_the_headers_of_the_stored_page_without_its_body(app, visitor, shop):
    for path in ("/products", "/products/nuoc-mam-cua-khe", "/api/v1/products"):
        visitor().get(path)  # rendered and stored
        accept = {"Accept-Encoding": "br"}
        got, head = visitor().get(path, headers=accept), visitor().head(path, headers=accept)
        assert head.status_code == 200 and head.data == b"", path
        for name in ("Content-Length", "Content-Encoding", "Content-Type", "Cache-Control"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)
        assert head.headers["ETag"].partition(".")[0] == got.headers["ETag"].partition(".")[0], path


def test_a_stored_page_that_cannot_be_read_is_rendered_by_the_app_instead(app, visitor, shop, monkeypatch):
    visitor().get("/products")  # stored
    tried = []

    def database_away():
        tried.append(True)
        raise ConnectionError("the cache or the database did not answer")

    monkeypatch.setattr(page_cache, "stored_page", database_away)
    response = visitor().get("/products")
    assert tried and response.status_code == 200 and "Nước mắm Cửa Khe" in response.text


def test_a_page_not_stored_yet_reads_its_key_once(app, visitor, shop, monkeypatch):
    """Looked for before the app runs, then stored by the app: one key, one version query."""
    versions_read = []
    read_version = page_cache.current_version
    monkeypatch.setattr(page_cache, "current_version",
                        lambda connection: versions_read.append(1) or read_version(connection))
    visitor().get("/products")  # not stored yet: rendered and stored
    assert len(versions_read) == 1
    visitor().get("/products")  # stored
    assert len(versions_read) == 2


def test_a_stored_page_reads_its_key_and_stock_outside_a_transaction(app, visitor, shop, monkeypatch):
    """On PostgreSQL, no BEGIN and ROLLBACK around a hit's two reads (the version, then the
    stock, both on the driver's own cursor of one connection in autocommit): half its round trips."""
    require(db.engine.dialect.name == "postgresql", "needs PostgreSQL (TEST_DATABASE_URL)")
    import psycopg

    visitor().get("/products/nuoc-mam-cua-khe")  # stored
    reads = []
    execute = psycopg.Cursor.execute

    def remember(cursor, query, *args, **kwargs):
        reads.append((str(query), cursor.connection.autocommit))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", remember)
    page = visitor().get("/products/nuoc-mam-cua-khe").text
    monkeypatch.undo()
    assert "10 available" in page
    assert [autocommit for _query, autocommit in reads] == [True, True]
    assert "catalogue_version" in reads[0][0] and "stock_level" in reads[1][0]


def test_a_new_release_renders_its_own_pages_rather_than_those_stored_before_it(app, visitor, shop, monkeypatch):
    """The cache (Redis, a folder) outlives the servers: a release with other code, templates,
    static files or security settings must not answer with its predecessor's pages."""
    visitor().get("/products")  # stored
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://{s}.tiles.example.vn/{z}/{x}/{y}.png")
    assert "tiles.example.vn" not in visitor().get("/products").headers["Content-Security-Policy"]  # the stored page
    monkeypatch.setitem(app.extensions, page_cache.RELEASE, page_cache.release(app))  # as the new servers start
    assert "tiles.example.vn" in visitor().get("/products").headers["Content-Security-Policy"]


def test_the_release_follows_the_content_of_every_file(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("a{}")
    before = page_cache.files_digest(str(tmp_path))
    (tmp_path / "css" / "site.css").write_text("a{color:red}")
    page_cache.files_digest.cache_clear()
    assert page_cache.files_digest(str(tmp_path)) != before
