"""The layout around every page (header, footer) and the text of templates: looked up and kept
per language for speed (storefront.i18n, storefront.policies.routes), it must still follow each
request's language, the shop's settings and the visitor."""
import re

from flask_babel import force_locale

from storefront.extensions import db
from storefront.mail.models import OutboxMessage
from tests.factories import make_order, make_outlet, make_product, stock


def footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1]


def header(page: str) -> str:
    return page.split('<header class="site-header">', 1)[1].split('<main class="page">', 1)[0]


def test_each_request_gets_its_own_language(client):
    assert "Giỏ hàng" in client.get("/cart").text
    client.set_cookie("lang", "en")
    page = client.get("/cart").text
    assert ">Cart<" in page and "Giỏ hàng" not in page
    assert "Policies" in footer(page) and "Chính sách" not in footer(page)
    client.delete_cookie("lang")
    page = client.get("/cart").text
    assert "Giỏ hàng" in page and "Chính sách" in footer(page)


def test_the_header_speaks_each_requests_language(app, client):
    assert not app.jinja_env.auto_reload  # the header is kept, as in production
    page = header(client.get("/cart").text)
    assert "Điểm bán" in page and "Tìm kiếm sản phẩm OCOP" in page and '<strong aria-current="true">VI</strong>' in page
    client.set_cookie("lang", "en")
    page = header(client.get("/outlets").text)
    assert ">Sales points<" in page and "Search OCOP products" in page and "Điểm bán" not in page
    assert '<strong aria-current="true">EN</strong>' in page and 'hreflang="vi"' in page and 'hreflang="en"' not in page


def test_the_header_carries_each_requests_page_and_search_words(client, in_english):
    page = header(client.get("/products", query_string={"q": '<b> & "cá"'}).text)
    assert 'name="q" value="&lt;b&gt; &amp; &#34;cá&#34;"' in page
    assert 'href="/lang/vi?next=/products?q%3D%253Cb%253E%2B%2526%2B%2522c%25C3%25A1%2522"' in page
    page = header(client.get("/outlets?q=mat").text)  # not a catalogue page: its box stays empty
    assert 'name="q" value=""' in page and 'href="/lang/vi?next=/outlets?q%3Dmat"' in page


def test_a_changed_icon_reaches_the_kept_header_at_once(app, client, tmp_path, monkeypatch):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "logo.svg").write_text("<svg/>")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))  # the app outlives the test
    before = re.search(r'<img src="(/static/img/logo.svg\?v=\w+)"', header(client.get("/cart").text))[1]
    (tmp_path / "img" / "logo.svg").write_text("<svg><circle r='1'/></svg>")
    after = re.search(r'<img src="(/static/img/logo.svg\?v=\w+)"', header(client.get("/cart").text))[1]
    assert before != after


def test_text_filled_into_a_translation_is_escaped(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SHOP_OPERATOR", "HTX <Cửa Khe> & Co")
    page = footer(client.get("/cart").text)
    assert "Đơn vị vận hành: HTX &lt;Cửa Khe&gt; &amp; Co" in page
    assert "<Cửa Khe>" not in page


def test_the_footer_follows_the_shops_settings(app, client, monkeypatch):
    assert not app.jinja_env.auto_reload  # the footer is kept, as in production
    monkeypatch.setitem(app.config, "SHOP_HOTLINE", "0235 111 222")
    assert 'href="tel:0235111222"' in footer(client.get("/cart").text)
    monkeypatch.setitem(app.config, "SHOP_HOTLINE", "0235 333 444")
    page = footer(client.get("/checkout", follow_redirects=True).text)
    assert 'href="tel:0235333444"' in page and "0235 111 222" not in page


def test_an_email_keeps_the_customers_language_inside_an_english_page(app, client):
    """The order e-mail is rendered with the customer's language forced, in a request whose
    page is in another one."""
    outlet, product = make_outlet(), make_product()
    stock(outlet, product, 5)
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        make_order(outlet, [(product, 1)], language="vi")
        with force_locale("en"):
            english = app.jinja_env.from_string("{{ _('Cart') }}").render()
    body = db.session.scalars(db.select(OutboxMessage.body)).one()
    assert "Xin chào" in body and english == "Cart"


def test_the_header_stays_each_visitors_own(app, client, login_as, in_english):
    """The header is kept but for the account menu and cart, rendered per visitor."""
    customer = login_as("customer", "lan@example.vn")
    outlet, product = make_outlet(), make_product()
    stock(outlet, product, 5)
    client.post(f"/cart/add/{product.id}", data={"qty": "2"})
    page = client.get("/cart").text
    assert customer.email in page and "Log out" in page and 'class="cart-count"' in page
    stranger = app.test_client()
    stranger.set_cookie("lang", "en")
    other = stranger.get("/cart").text
    assert customer.email not in other and "Log out" not in other and 'class="cart-count"' not in other
    assert ">Log in<" in other and footer(other) == footer(page)
