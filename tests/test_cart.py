"""The cart, as a shopper uses it: adding from the product page, changing, removing, and
keeping it across logging in."""
import pytest

from storefront.accounts.services import create_user
from storefront.catalog.services import update_product
from storefront.orders.models import CartItem
from storefront.outlets.services import adjust_stock
from tests.conftest import PASSWORD
from tests.factories import Shop, make_product, stock
from tests.test_product_pictures import image_tags, photos_of


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


class World(Shop):
    def __init__(self):
        # 14 sauces in all, but one outlet supplies an order: at most 10.
        super().__init__({("a", "sauce"): 10, ("b", "sauce"): 4, ("a", "liquor"): 3})
        self.tour = make_product("Làng gốm Thanh Hà", code="TO-01", group="tourism")
        self.uncertified = make_product("Trà thảo mộc", code="TR-01", stars=2)
        self.missing = make_product("Mật ong rừng", code="MO-01")  # certified, never stocked
        stock(self.a, self.tour, 5)
        stock(self.a, self.uncertified, 5)


@pytest.fixture
def world(db):
    return World()


def add(client, product, qty):
    return client.post(f"/cart/add/{product.id}", data={"qty": qty}, follow_redirects=True)


def cart_page(client) -> str:
    return client.get("/cart").text


def account_cart(db, user) -> dict[int, int]:
    db.session.expire_all()
    return {item.product_id: item.qty for item in db.session.scalars(db.select(CartItem).where(CartItem.user_id == user.id))}


def test_the_cart_shows_each_product_once_with_its_first_photo(client, world, staff_user):
    first, _second = photos_of(world.sauce, client, staff_user, "red", "blue")
    add(client, world.sauce, 2)
    add(client, world.liquor, 1)
    page = cart_page(client)
    assert page.count('class="card cart-line') == 2
    pictures = [tag for tag in image_tags(page) if "product-image" in tag]
    assert len(pictures) == 2 and f"{first.digest}-thumbnail.webp" in pictures[0]


def test_add_change_and_remove(client, world):
    page = add(client, world.sauce, 2).text
    assert "Added 2 × Nước mắm Cửa Khe to your cart." in page
    assert "300.000" in page  # subtotal in VND
    assert '">2</span>' in page[page.index('class="cart-count"'):]

    add(client, world.liquor, 1)
    page = client.post(f"/cart/update/{world.sauce.id}", data={"qty": "5"}, follow_redirects=True).text
    assert "950.000" in page  # 5 × 150.000 + 200.000
    assert "Subtotal (6 items)" in page

    page = client.post(f"/cart/remove/{world.sauce.id}", follow_redirects=True).text
    assert "Nước mắm Cửa Khe" not in page
    assert "200.000" in page
    page = client.post(f"/cart/remove/{world.liquor.id}", follow_redirects=True).text
    assert "Your cart is empty." in page


def test_adding_again_adds_up(client, world):
    add(client, world.sauce, 2)
    add(client, world.sauce, 3)
    assert "Subtotal (5 items)" in cart_page(client)


NOT_A_QUANTITY = "Enter a whole number of 1 or more."
TOO_MANY = "Only 10 of Nước mắm Cửa Khe can be supplied from one sales point; choose 10 or fewer."


@pytest.mark.parametrize(
    ("qty", "message"),
    [("0", NOT_A_QUANTITY), ("-1", NOT_A_QUANTITY), (str(10**9), TOO_MANY), ("abc", NOT_A_QUANTITY),
     ("", NOT_A_QUANTITY), ("2.5", NOT_A_QUANTITY)],
)
@pytest.mark.parametrize("action", ["add", "update"])
def test_bad_quantities_are_refused_and_change_nothing(client, world, qty, message, action):
    add(client, world.sauce, 1)
    if action == "add" and message == TOO_MANY:  # on top of the one in the cart
        message = "Your cart already holds 1 of Nước mắm Cửa Khe, and one sales point can supply 10: add 9 or fewer."
    page = client.post(f"/cart/{action}/{world.sauce.id}", data={"qty": qty}, follow_redirects=True).text
    assert message in page
    assert "Subtotal (1 item)" in cart_page(client)


def test_quantity_is_capped_by_the_best_single_outlet(client, world):
    page = add(client, world.sauce, 11).text
    assert "Only 10 of Nước mắm Cửa Khe can be supplied from one sales point; choose 10 or fewer." in page
    assert "Your cart is empty." in cart_page(client)
    add(client, world.sauce, 10)
    page = add(client, world.sauce, 1).text  # 11 in all
    # Not "choose 10 or fewer": the shopper chose 1.
    assert "Your cart already holds 10 of Nước mắm Cửa Khe: one sales point cannot supply more." in page
    assert "Subtotal (10 items)" in cart_page(client)


@pytest.mark.parametrize("name", ["tour", "uncertified"])
def test_products_that_are_not_sold_online_are_refused(client, world, name):
    page = add(client, getattr(world, name), 1).text
    assert "is not for sale online." in page
    assert "Your cart is empty." in cart_page(client)


def test_inactive_and_out_of_stock_products_are_refused(client, world):
    update_product(world.liquor, active=False)
    assert "is not for sale online." in add(client, world.liquor, 1).text
    assert "Mật ong rừng is out of stock at every sales point." in add(client, world.missing, 1).text
    assert "Your cart is empty." in cart_page(client)


def test_unknown_product_is_404(client, world):
    assert client.post("/cart/add/99999", data={"qty": 1}).status_code == 404


def test_a_line_that_became_unsellable_or_short_is_flagged_and_blocks_checkout(client, world, db):
    add(client, world.sauce, 8)
    add(client, world.liquor, 2)
    update_product(world.liquor, active=False)
    page = cart_page(client)
    assert "Rượu Ngô Cải Vân is no longer for sale online. Remove it to check out." in page
    assert 'href="/checkout"' not in page
    response = client.get("/checkout", follow_redirects=True)
    assert "Some lines of your cart need your attention" in response.text

    client.post(f"/cart/remove/{world.liquor.id}")
    adjust_stock(outlet=world.a, product=world.sauce, change=-5, reason="broken", user=None)
    page = cart_page(client)
    assert "Only 5 of Nước mắm Cửa Khe can be supplied from one sales point. Lower the quantity." in page
    assert 'href="/checkout"' not in page


def test_no_single_outlet_with_everything_blocks_checkout(client, world):
    stock(world.b, world.missing, 2)
    add(client, world.liquor, 1)  # only at A
    add(client, world.missing, 1)  # only at B
    page = cart_page(client)
    assert "No single sales point has everything in your cart" in page
    assert 'href="/checkout"' not in page


def test_signed_in_cart_is_kept_in_the_account(client, world, db, login_as):
    user = login_as("customer")
    add(client, world.sauce, 2)
    assert account_cart(db, user) == {world.sauce.id: 2}
    client.post("/logout")
    assert "Your cart is empty." in cart_page(client)  # a guest again: the session cart


def test_guest_cart_joins_the_account_cart_at_login(client, world, db):
    user = create_user(email="lan@example.vn", password=PASSWORD)
    db.session.add_all([CartItem(user_id=user.id, product_id=world.sauce.id, qty=2),
                        CartItem(user_id=user.id, product_id=world.liquor.id, qty=1)])
    db.session.commit()
    add(client, world.sauce, 3)
    add(client, world.liquor, 2)  # 1 + 2 = 3: all that outlet A has

    client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})

    assert account_cart(db, user) == {world.sauce.id: 5, world.liquor.id: 3}
    assert "Subtotal (8 items)" in cart_page(client)
    client.post("/logout")
    assert "Your cart is empty." in cart_page(client)  # the guest cart was moved, not copied


def test_merged_quantities_are_capped_at_what_one_outlet_has(client, world, db):
    user = create_user(email="lan@example.vn", password=PASSWORD)
    db.session.add(CartItem(user_id=user.id, product_id=world.sauce.id, qty=6))
    db.session.commit()
    add(client, world.sauce, 7)
    client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})
    assert account_cart(db, user) == {world.sauce.id: 10}


def test_product_page_offers_add_to_cart_only_for_what_can_be_bought(client, world):
    page = client.get(f"/products/{world.sauce.slug}").text
    assert f'action="/cart/add/{world.sauce.id}"' in page
    assert 'max="10"' in page
    assert "Add to cart" not in client.get(f"/products/{world.tour.slug}").text
    assert "Add to cart" not in client.get(f"/products/{world.missing.slug}").text
