"""On a phone the listing's filters start folded, folding them never makes the products jump, and a
long search word wraps in the heading instead of widening the page."""
import time

import pytest
from playwright.sync_api import expect

from tests.browser.screens import fits_the_screen
from tests.factories import make_product

pytestmark = pytest.mark.browser

LAYOUT_SHIFT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const entry of list.getEntries()) total += entry.value; })
    .observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 500);
})"""


def test_filters_are_folded_before_the_products_are_drawn(live_app, page):
    for number in range(6):
        make_product(f"Trà Shan tuyết {number}", stars=4)

    def arrive_late(route):  # a slow phone network: the page's main script comes last
        time.sleep(1.5)
        route.continue_()

    page.route("**/js/app.js*", arrive_late)
    page.goto(live_app.config["LIVE_URL"] + "/products")

    expect(page.locator(".filters details")).not_to_have_attribute("open", "")
    expect(page.locator(".product-card").first).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate(LAYOUT_SHIFT) < 0.1


def test_a_long_search_word_wraps_in_the_heading(live_app, page):
    page.goto(live_app.config["LIVE_URL"] + "/search?q=" + "x" * 200)
    expect(page.locator("h1")).to_contain_text("x" * 200)
    assert fits_the_screen(page)
