"""A shopper on a phone adds a product to the cart and stays on it: the page says so, the
header's count follows, and every page after shows that count, cached pages included."""
import pytest
from playwright.sync_api import expect

from config import TestConfig
from tests.browser.screens import enhanced, save_screenshot
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def page_cache_on(monkeypatch):
    """Before live_app is made: pages stored for visitors without a cart, as in production."""
    monkeypatch.setattr(TestConfig, "PAGE_CACHE", True)


@pytest.fixture
def fish_sauce(live_app):
    product = make_product("Nước mắm Cửa Khe", stars=4, price=150_000)
    stock(make_outlet(), product, 10)
    return product


def test_add_to_cart_confirms_in_place_and_the_count_follows(live_app, page, fish_sauce):
    base = live_app.config["LIVE_URL"]
    page.goto(base + "/")  # stored in the page cache without a cart
    page.goto(base + f"/products/{fish_sauce.slug}")
    product_url = page.url
    form = enhanced(page, "form.add-to-cart")
    form.get_by_role("spinbutton").fill("2")
    form.get_by_role("button").click()

    notice = page.get_by_role("status").filter(has_text="Nước mắm Cửa Khe")
    expect(notice).to_have_text("Đã thêm 2 × Nước mắm Cửa Khe vào giỏ hàng.")
    badge = page.locator(".cart-link .cart-count")
    expect(badge).to_have_text("2")
    assert page.url == product_url

    form.get_by_role("spinbutton").fill("1")
    form.get_by_role("button").click()
    expect(badge).to_have_text("3")
    form.get_by_role("spinbutton").fill("8")  # 11 in all: more than the 10 in stock
    form.get_by_role("button").click()
    expect(page.locator(".cart-notice.is-error")).to_be_visible()
    expect(badge).to_have_text("3")
    assert page.url == product_url

    page.go_back()  # the home page as it was first shown, from the browser's back/forward cache or afresh
    expect(page.locator(".cart-link .cart-count")).to_have_text("3")
    page.goto(product_url)
    page.locator("a.brand").click()  # the home page was stored before the cart existed
    expect(page.locator(".cart-link .cart-count")).to_have_text("3")
    page.locator(".cart-link").click()
    expect(page.locator("input[name=qty]")).to_have_value("3")
    save_screenshot(page, "add-to-cart-in-place")


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_without_javascript_the_form_still_posts_to_the_cart(live_app, browser, fish_sauce, encoding):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844},
                                  extra_http_headers={"Accept-Encoding": encoding})
    page = context.new_page()
    base = live_app.config["LIVE_URL"]
    page.goto(base + f"/products/{fish_sauce.slug}")  # rendered, and stored
    # The stored copy: compressed once up to the form's token, which comes at the end as is.
    stored = page.goto(base + f"/products/{fish_sauce.slug}")
    assert stored.headers["content-encoding"] == encoding
    page.locator("form.add-to-cart button").click()
    expect(page).to_have_url(base + "/cart")
    expect(page.locator(".cart-link .cart-count")).to_have_text("1")
    context.close()


def test_copy_link_puts_the_product_address_on_the_clipboard(live_app, page, fish_sauce):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    base = live_app.config["LIVE_URL"]
    page.goto(base + f"/products/{fish_sauce.slug}")
    enhanced(page, "a[data-copy-link]").get_by_text("Sao chép liên kết").click()
    expect(page.locator(".share-notice")).to_have_text("Đã sao chép liên kết.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == live_app.config["PUBLIC_URL"].rstrip("/") + f"/products/{fish_sauce.slug}"


def test_a_page_opened_before_the_session_ended_says_so_in_place(live_app, page, fish_sauce):
    base = live_app.config["LIVE_URL"]
    page.goto(base + f"/products/{fish_sauce.slug}")
    form = enhanced(page, "form.add-to-cart")
    page.context.clear_cookies()  # the session is gone (ended, or the cookie cleared) with the page still open
    form.get_by_role("button").click()

    expect(page.locator(".cart-notice.is-error")).to_have_text(
        "Chưa có gì thay đổi: trang này được mở trước khi phiên làm việc của bạn kết thúc hoặc thay đổi. "
        "Hãy tải lại trang rồi thử lại.")
    assert page.url == base + f"/products/{fish_sauce.slug}"
    page.reload()
    enhanced(page, "form.add-to-cart").get_by_role("button").click()
    expect(page.locator(".cart-link .cart-count")).to_have_text("1")
