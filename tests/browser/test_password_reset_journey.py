"""A customer who forgot their password asks for a link on a phone, sets a new password from
the mailed link, and logs in with it; the link does not work a second time."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.services import create_user
from tests.browser.screens import save_screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
NEW_PASSWORD = "mưa phùn trên phố Hội 2026"
LINK = re.compile(r"https?://\S+?(/password/reset/\S+)")


def test_forgot_password_link_new_password_and_login(live_app, page, caplog):
    caplog.set_level("INFO")  # without MAIL_SERVER the shop writes its mail to the log
    create_user(email="lan@example.vn", password=PASSWORD, role="customer")
    base = live_app.config["LIVE_URL"]

    page.goto(base + "/lang/en?next=/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill("lan@example.vn")
    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_url(base + "/login")
    expect(page.locator(".flash")).to_contain_text("If an account exists for lan@example.vn")

    reset_path = LINK.search(caplog.text).group(1)
    page.goto(base + reset_path)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()

    page.goto(base + "/login")
    page.get_by_label("Email").fill("lan@example.vn")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base + "/")
    expect(page.locator(".account-menu")).to_be_visible()

    page.goto(base + reset_path)
    expect(page.locator("main")).to_contain_text("not valid, or it was already used")
    save_screenshot(page, "password-reset-link-used")
