"""A customer's own account page: name and phone, delivery addresses that prefill the checkout,
and a new password chosen after the current one."""
import pytest

from storefront.accounts.models import DeliveryAddress
from storefront.accounts.services import MAX_ADDRESSES
from tests.conftest import PASSWORD, count_rows
from tests.factories import make_outlet, make_product, stock

pytestmark = pytest.mark.usefixtures("in_english")


def test_the_account_page_needs_a_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_name_phone_and_first_address_prefill_the_checkout(app, client, login_as):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_PUBLISHABLE_KEY="pk_test_x",
                      STRIPE_WEBHOOK_SECRET="whsec_x")  # delivery is offered
    login_as("customer")
    response = client.post("/account", data={"name": "Nguyễn Thị Lan", "phone": "0905 123 456"})
    assert response.status_code == 302
    client.post("/account/addresses", data={"address": "12 Trần Phú, Hội An"})
    client.post("/account/addresses", data={"address": "5 Lê Lợi, Tam Kỳ"})
    page = client.get("/account").text
    assert "12 Trần Phú, Hội An" in page and "5 Lê Lợi, Tam Kỳ" in page and 'value="0905123456"' in page

    product = make_product()
    stock(make_outlet(), product, 5)
    client.post(f"/cart/add/{product.id}", data={"qty": 1})
    checkout = client.get("/checkout").text
    assert 'value="Nguyễn Thị Lan"' in checkout and 'value="0905123456"' in checkout
    assert "12 Trần Phú, Hội An</textarea>" in checkout


@pytest.mark.parametrize("data, message", [
    ({"name": " ", "phone": ""}, "Enter your name."),
    ({"name": "Lan", "phone": "12345"}, "Enter a Vietnamese mobile number"),
])
def test_invalid_details_are_shown_again_with_the_error(client, login_as, data, message):
    login_as("customer")
    response = client.post("/account", data=data)
    assert response.status_code == 400 and message in response.text


def test_addresses_are_kept_once_up_to_a_limit_and_removed(client, login_as):
    user = login_as("customer")
    for n in range(MAX_ADDRESSES):
        client.post("/account/addresses", data={"address": f"{n} Trần Phú, Tam Kỳ"})
    client.post("/account/addresses", data={"address": "0 Trần Phú, Tam Kỳ"})  # already kept
    refused = client.post("/account/addresses", data={"address": "99 Lê Lợi, Tam Kỳ"})
    assert refused.status_code == 400 and "remove one first" in refused.text
    assert count_rows(DeliveryAddress) == MAX_ADDRESSES
    assert client.post("/account/addresses", data={"address": ""}).status_code == 400
    first = user.addresses[0]
    assert client.post(f"/account/addresses/{first.id}/delete").status_code == 302
    assert count_rows(DeliveryAddress) == MAX_ADDRESSES - 1


def test_an_address_the_checkout_would_refuse_is_not_kept(client, login_as):
    """It was kept, then prefilled the checkout, which refused it."""
    login_as("customer")
    refused = client.post("/account/addresses", data={"address": "x"})

    assert refused.status_code == 400
    assert "Enter the full delivery address: house number and street, commune or ward, province." in refused.text
    assert count_rows(DeliveryAddress) == 0


def test_nobody_removes_someone_elses_address(client, login_as, app):
    owner = login_as("customer")
    client.post("/account/addresses", data={"address": "12 Trần Phú"})
    address_id = owner.addresses[0].id
    client.post("/logout")
    login_as("customer", email="other@example.vn")
    assert client.post(f"/account/addresses/{address_id}/delete").status_code == 404
    assert count_rows(DeliveryAddress) == 1


def test_a_new_password_needs_the_current_one_and_keeps_this_session(client, login_as):
    user = login_as("customer")
    new = "mưa phùn trên phố Hội 2026"
    wrong = client.post("/account/password", data={"current": "guess", "password": new, "confirm": new})
    assert wrong.status_code == 400 and "That is not your current password." in wrong.text
    weak = client.post("/account/password", data={"current": PASSWORD, "password": "password123", "confirm": "password123"})
    assert weak.status_code == 400
    done = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert done.status_code == 302 and done.location == "/account"
    assert client.get("/account").status_code == 200  # still logged in here
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": user.email, "password": new}).status_code == 302
