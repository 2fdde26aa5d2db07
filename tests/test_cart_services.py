"""The cart through its services, without HTTP: adding, changing and removing lines, the most
one sales point can supply, the outlets that can supply the whole cart, a guest's cart joining
the account's at login, and a line whose product stopped being sold."""
import pytest
from flask import session
from flask_babel import force_locale
from flask_login import login_user

from storefront.catalog.services import update_product
from storefront.orders.cart import (
    SESSION_KEY,
    CartError,
    add_to_cart,
    cart_count,
    change_quantity,
    empty_cart,
    load_cart,
    remove_from_cart,
    session_quantities,
)
from storefront.orders.models import CartItem
from storefront.outlets.services import adjust_stock
from tests.factories import Shop, make_product, make_user, stock


class World(Shop):
    def __init__(self):
        # 14 sauces in all, but one outlet supplies an order: at most 10 (A), B has 4.
        super().__init__({("a", "sauce"): 10, ("b", "sauce"): 4, ("a", "liquor"): 3})
        self.tour = make_product("Làng gốm Thanh Hà", code="TO-01", group="tourism")
        self.missing = make_product("Mật ong rừng", code="MO-01")  # certified, never stocked
        stock(self.a, self.tour, 5)


@pytest.fixture
def world(app, db):
    """A guest's request: the session holds the cart until someone logs in."""
    with app.test_request_context(), force_locale("en"):
        yield World()


def account_cart(db, user) -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(
        db.select(CartItem.product_id, CartItem.qty).where(CartItem.user_id == user.id)).tuples().all())


def lines(cart) -> dict[str, int]:
    return {row.product.code: row.qty for row in cart.rows}


# --- Adding, changing, removing ------------------------------------------------------------------

def test_a_guest_adds_changes_and_removes_lines_in_the_session(world):
    assert add_to_cart(product=world.sauce, qty=2) == 2
    assert add_to_cart(product=world.sauce, qty=3) == 5  # adding again adds up
    add_to_cart(product=world.liquor, qty=1)
    assert session_quantities() == {world.sauce.id: 5, world.liquor.id: 1}

    change_quantity(product=world.sauce, qty=4)
    cart = load_cart()
    assert lines(cart) == {"NM-01": 4, "RN-01": 1}
    assert (cart.count, cart.subtotal, cart_count()) == (5, 4 * 150_000 + 200_000, 5)

    remove_from_cart(product_id=world.sauce.id)
    assert lines(load_cart()) == {"RN-01": 1}
    empty_cart()
    assert load_cart().rows == [] and cart_count() == 0


def test_a_signed_in_customers_cart_is_kept_in_the_account_not_the_session(db, world):
    user = make_user("customer")
    login_user(user)

    add_to_cart(product=world.sauce, qty=2)
    change_quantity(product=world.sauce, qty=3)
    add_to_cart(product=world.liquor, qty=1)
    assert account_cart(db, user) == {world.sauce.id: 3, world.liquor.id: 1}
    assert session_quantities() == {}

    remove_from_cart(product_id=world.liquor.id)
    assert account_cart(db, user) == {world.sauce.id: 3}
    empty_cart()
    assert account_cart(db, user) == {}


def test_changing_a_product_not_in_the_cart_is_refused(world):
    with pytest.raises(CartError, match="That product is not in your cart."):
        change_quantity(product=world.sauce, qty=1)
    assert session_quantities() == {}


# --- Quantities: the most one sales point can supply ----------------------------------------------

TOO_MANY = "Only 10 of Nước mắm Cửa Khe can be supplied from one sales point; choose 10 or fewer."


def test_a_quantity_is_capped_by_the_best_single_outlet_not_the_sum_of_all(world):
    with pytest.raises(CartError, match=TOO_MANY):
        add_to_cart(product=world.sauce, qty=11)  # 14 in all, but A has 10 and B 4
    assert session_quantities() == {}

    add_to_cart(product=world.sauce, qty=10)
    with pytest.raises(CartError, match="Your cart already holds 10 of Nước mắm Cửa Khe: one sales point cannot"):
        add_to_cart(product=world.sauce, qty=1)  # 11 with what the cart holds
    with pytest.raises(CartError, match=TOO_MANY):
        change_quantity(product=world.sauce, qty=11)
    assert session_quantities() == {world.sauce.id: 10}


def test_an_inactive_outlets_stock_does_not_count(db, world):
    world.a.active = False
    db.session.commit()
    with pytest.raises(CartError, match="Only 4 of Nước mắm Cửa Khe can be supplied"):
        add_to_cart(product=world.sauce, qty=5)


@pytest.mark.parametrize("qty", [0, -1])
def test_a_quantity_below_one_is_refused(world, qty):
    add_to_cart(product=world.sauce, qty=1)
    with pytest.raises(CartError, match="Enter a quantity of 1 or more."):
        add_to_cart(product=world.sauce, qty=qty)
    with pytest.raises(CartError, match="Enter a quantity of 1 or more."):
        change_quantity(product=world.sauce, qty=qty)
    assert session_quantities() == {world.sauce.id: 1}


def test_products_not_sold_online_or_out_of_stock_everywhere_are_refused(world):
    with pytest.raises(CartError, match="Làng gốm Thanh Hà is not for sale online."):
        add_to_cart(product=world.tour, qty=1)
    with pytest.raises(CartError, match="Mật ong rừng is out of stock at every sales point."):
        add_to_cart(product=world.missing, qty=1)
    assert session_quantities() == {}


# --- The outlets that can supply the whole cart ---------------------------------------------------

def test_the_supplying_outlets_are_those_with_every_line_most_stock_first(world):
    add_to_cart(product=world.sauce, qty=3)
    cart = load_cart()
    assert [supplier.outlet.code for supplier in cart.outlets] == ["QN-A", "QN-B"]
    assert cart.outlets[1].available == {world.sauce.id: 4}
    assert cart.delivery_outlet.outlet.code == "QN-A" and cart.can_check_out

    change_quantity(product=world.sauce, qty=5)  # more than B has
    assert [supplier.outlet.code for supplier in load_cart().outlets] == ["QN-A"]


def test_no_single_outlet_with_everything_means_no_checkout(world):
    stock(world.b, world.missing, 2)
    add_to_cart(product=world.liquor, qty=1)  # only at A
    add_to_cart(product=world.missing, qty=1)  # only at B

    cart = load_cart()
    assert not cart.has_problems
    assert cart.outlets == [] and not cart.can_check_out


# --- A line that can no longer be checked out -----------------------------------------------------

def test_a_product_no_longer_sellable_stays_with_a_message_and_blocks_checkout(world):
    add_to_cart(product=world.sauce, qty=2)
    add_to_cart(product=world.liquor, qty=1)
    update_product(world.liquor, active=False)

    cart = load_cart()
    problems = {row.product.code: row.problem for row in cart.rows}
    assert problems == {"NM-01": None,
                        "RN-01": "Rượu Ngô Cải Vân is no longer for sale online. Remove it to check out."}
    assert not cart.can_check_out and cart.outlets == []

    remove_from_cart(product_id=world.liquor.id)
    assert load_cart().can_check_out


def test_a_line_whose_product_no_longer_exists_drops_out_and_is_not_merged(db, world):
    add_to_cart(product=world.sauce, qty=1)
    session[SESSION_KEY] = {**session[SESSION_KEY], "999999": 2}  # a session older than the catalogue

    cart = load_cart()
    assert lines(cart) == {"NM-01": 1} and cart.can_check_out

    user = make_user("customer")
    login_user(user)
    assert account_cart(db, user) == {world.sauce.id: 1}


def test_a_line_past_what_is_left_after_stock_falls_asks_to_lower_the_quantity(world):
    add_to_cart(product=world.sauce, qty=8)
    adjust_stock(outlet=world.a, product=world.sauce, change=-5, reason="broken", user=None)

    cart = load_cart()
    assert cart.rows[0].problem == (
        "Only 5 of Nước mắm Cửa Khe can be supplied from one sales point. Lower the quantity.")
    assert not cart.can_check_out


def test_the_fingerprint_changes_with_a_quantity_or_a_price(world):
    add_to_cart(product=world.sauce, qty=2)
    first = load_cart().fingerprint
    assert load_cart().fingerprint == first
    change_quantity(product=world.sauce, qty=3)
    second = load_cart().fingerprint
    update_product(world.sauce, price=160_000)
    assert len({first, second, load_cart().fingerprint}) == 3


# --- A guest's cart joins the account's at login ---------------------------------------------------

def test_a_guest_cart_joins_the_account_cart_at_login_and_leaves_the_session(db, world):
    user = make_user("customer")
    db.session.add_all([CartItem(user_id=user.id, product_id=world.sauce.id, qty=2),
                        CartItem(user_id=user.id, product_id=world.liquor.id, qty=1)])
    db.session.commit()
    add_to_cart(product=world.sauce, qty=3)
    add_to_cart(product=world.liquor, qty=2)  # 1 + 2 = 3: all that outlet A has

    login_user(user)  # the user_logged_in signal merges

    assert account_cart(db, user) == {world.sauce.id: 5, world.liquor.id: 3}
    assert session_quantities() == {}  # moved, not copied
    assert cart_count() == 8


def test_merged_quantities_are_capped_at_what_one_outlet_has(db, world):
    user = make_user("customer")
    db.session.add(CartItem(user_id=user.id, product_id=world.sauce.id, qty=6))
    db.session.commit()
    add_to_cart(product=world.sauce, qty=7)

    login_user(user)

    assert account_cart(db, user) == {world.sauce.id: 10}


def test_a_merged_line_whose_stock_ran_out_keeps_one_so_its_warning_shows(db, world):
    user = make_user("customer")
    add_to_cart(product=world.liquor, qty=2)
    adjust_stock(outlet=world.a, product=world.liquor, change=-3, reason="broken", user=None)

    login_user(user)

    assert account_cart(db, user) == {world.liquor.id: 1}
    assert load_cart().rows[0].problem == "Rượu Ngô Cải Vân is out of stock. Remove it to check out."
