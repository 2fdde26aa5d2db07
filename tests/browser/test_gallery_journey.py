"""A shopper on a phone looks through a product's photos and zooms into one."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from storefront.catalog.photos import add_photo
from tests.browser.screens import enhanced, save_screenshot
from tests.factories import make_product

pytestmark = pytest.mark.browser


def jpeg(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), color).save(out, "JPEG")
    return out.getvalue()


def test_thumbnails_switch_the_large_photo_which_opens_to_zoom(live_app, page):
    silk = make_product("Lụa Mã Châu", stars=4, group="handicraft", subgroup="lụa")
    first = add_photo(actor=None, product=silk, data=jpeg("red"))
    second = add_photo(actor=None, product=silk, data=jpeg("blue"))
    base = live_app.config["LIVE_URL"]

    page.goto(base + f"/products/{silk.slug}")
    main = page.locator(".gallery-main img")
    expect(main).to_have_attribute("src", f"/media/photos/{silk.id}/{first.digest}-medium.webp")
    enhanced(page, ".gallery").locator(".photo-strip a").nth(1).click()
    expect(main).to_have_attribute("src", f"/media/photos/{silk.id}/{second.digest}-medium.webp")
    expect(page).to_have_url(base + f"/products/{silk.slug}")  # stayed on the product

    main.click()
    dialog = page.locator("dialog.zoom")
    expect(dialog).to_be_visible()
    zoomed = dialog.locator("img")
    expect(zoomed).to_have_attribute("src", base + f"/media/photos/{silk.id}/{second.digest}-full.webp")
    # The src is set before the full photo has arrived: wait for it rather than read it once.
    page.wait_for_function("img => img.complete && img.naturalWidth === 1200", arg=zoomed.element_handle())
    zoomed.click()
    expect(dialog).to_have_class("zoom zoomed")
    save_screenshot(page, "gallery-zoomed")
    dialog.get_by_role("button", name="Đóng ảnh").click()
    expect(dialog).to_be_hidden()
