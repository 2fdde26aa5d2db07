"""The cart: guests keep theirs in the session, signed-in customers in CartItem rows, and a
guest's cart joins the account's at login.

An order is fulfilled from one sales point, so a quantity is checked against the most any
single active outlet has available, and checkout offers only outlets that can supply every
line. Both are worked out in SQL, one grouped query each.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import session
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from sqlalchemy import func

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.catalog.services import products_by_id
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.orders.models import CartItem
from storefront.orders.services import CartLine
from storefront.outlets.services import SupplyingOutlet, find_availability, largest_stock
from storefront.transactions import transaction

SESSION_KEY = "cart"
# Each line is a column of the supplying-outlets query; a cart is a basket, not a warehouse.
MAX_CART_LINES = 30


class CartError(ValueError):
    """A cart change that was refused; the message is meant for the user."""


@dataclass
class CartRow:
    product: Product
    qty: int
    largest_stock: int  # the most available at any single active outlet

    @property
    def amount(self) -> int:
        return self.product.price * self.qty

    @property
    def problem(self) -> str | None:
        """Why this line cannot be checked out as it is, or None."""
        name = self.product.name(current_language())
        if not self.product.is_sellable:
            return _("%(name)s is no longer for sale online. Remove it to check out.", name=name)
        if self.largest_stock <= 0:
            return _("%(name)s is out of stock. Remove it to check out.", name=name)
        if self.qty > self.largest_stock:
            return _(
                "Only %(n)d of %(name)s can be supplied from one sales point. Lower the quantity.",
                n=self.largest_stock, name=name,
            )
        return None


@dataclass
class Cart:
    rows: list[CartRow]
    outlets: list[SupplyingOutlet] = field(default_factory=list)  # most stock first

    @property
    def count(self) -> int:
        return sum(row.qty for row in self.rows)

    @property
    def subtotal(self) -> int:
        return sum(row.amount for row in self.rows)

    @property
    def has_problems(self) -> bool:
        return any(row.problem for row in self.rows)

    @property
    def can_check_out(self) -> bool:
        return bool(self.rows) and not self.has_problems and bool(self.outlets)

    @property
    def pickup_outlets(self) -> list[SupplyingOutlet]:
        return [supplier for supplier in self.outlets if supplier.outlet.pickup_enabled]

    @property
    def delivery_outlet(self) -> SupplyingOutlet | None:
        """Deliveries leave from the outlet with the most stock of these products."""
        return self.outlets[0] if self.outlets else None

    @property
    def fingerprint(self) -> str:
        """Changes whenever a product, quantity or price does: checkout compares it with the
        one on the page the customer read before placing the order."""
        content = repr(sorted((row.product.id, row.qty, row.product.price) for row in self.rows))
        return hashlib.sha256(content.encode()).hexdigest()[:20]

    def order_lines(self) -> list[CartLine]:
        return [CartLine(product=row.product, qty=row.qty) for row in self.rows]


# Reading


def signed_in_user() -> User | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def account_quantities(user: User) -> dict[int, int]:
    rows = db.session.execute(
        db.select(CartItem.product_id, CartItem.qty).where(CartItem.user_id == user.id).order_by(CartItem.id)
    )
    return dict(rows.tuples().all())


def session_quantities() -> dict[int, int]:
    stored = session.get(SESSION_KEY) or {}
    return {int(product_id): qty for product_id, qty in stored.items()}


def stored_quantities() -> dict[int, int]:
    user = signed_in_user()
    return account_quantities(user) if user else session_quantities()


def cart_count() -> int:
    """Units in the visitor's cart, for the navigation bar."""
    user = signed_in_user()
    if user is None:
        return sum(session_quantities().values())
    return db.session.scalar(
        db.select(func.coalesce(func.sum(CartItem.qty), 0)).where(CartItem.user_id == user.id)
    )


def load_cart(*, with_photos: bool = False) -> Cart:
    """The visitor's cart with today's products and stock; lines whose product is gone drop out.
    `with_photos` for the cart page, the one that shows them. Three round trips at most:
    checkout reads the cart on every request, placing the order included."""
    quantities = stored_quantities()
    if not quantities:
        return Cart(rows=[])
    products = products_by_id(quantities, with_cards=with_photos)
    availability = find_availability({product_id: qty for product_id, qty in quantities.items() if product_id in products})
    rows = [
        CartRow(products[product_id], qty, availability.largest[product_id])
        for product_id, qty in quantities.items()
        if product_id in products
    ]
    cart = Cart(rows=rows)
    if rows and not cart.has_problems:
        cart.outlets = availability.suppliers
    return cart


# Changing


def check_wanted_quantity(product: Product, qty: int, *, in_cart: int = 0) -> None:
    """`qty` in all, of which `in_cart` the cart holds already (adding to it)."""
    name = product.name(current_language())
    if not product.is_sellable:
        raise CartError(_("%(name)s is not for sale online.", name=name))
    if qty < 1:
        raise CartError(_("Enter a quantity of 1 or more."))
    available = largest_stock([product.id])[product.id]
    if available <= 0:
        raise CartError(_("%(name)s is out of stock at every sales point.", name=name))
    if qty > available and in_cart >= available:
        raise CartError(_("Your cart already holds %(in_cart)d of %(name)s: one sales point cannot supply more.",
                          in_cart=in_cart, name=name))
    if qty > available and in_cart:
        raise CartError(_("Your cart already holds %(in_cart)d of %(name)s, and one sales point can supply "
                          "%(n)d: add %(more)d or fewer.", in_cart=in_cart, name=name, n=available,
                          more=available - in_cart))
    if qty > available:
        raise CartError(
            _("Only %(n)d of %(name)s can be supplied from one sales point; choose %(n)d or fewer.",
              n=available, name=name)
        )


def store_quantity(product_id: int, qty: int) -> None:
    """Set one line (0 removes it) in the account's cart or the session's."""
    user = signed_in_user()
    if user is None:
        stored = {str(key): value for key, value in session_quantities().items()}
        if qty > 0:
            stored[str(product_id)] = qty
        else:
            stored.pop(str(product_id), None)
        session[SESSION_KEY] = stored
        return
    with transaction():
        item = db.session.scalar(
            db.select(CartItem).where(CartItem.user_id == user.id, CartItem.product_id == product_id)
        )
        if qty <= 0:
            if item is not None:
                db.session.delete(item)
        elif item is None:
            db.session.add(CartItem(user_id=user.id, product_id=product_id, qty=qty))
        else:
            item.qty = qty


def add_to_cart(*, product: Product, qty: int) -> int:
    """Add `qty` to what the cart holds of `product`; returns the new quantity."""
    if qty < 1:
        raise CartError(_("Enter a quantity of 1 or more."))
    quantities = stored_quantities()
    if product.id not in quantities and len(quantities) >= MAX_CART_LINES:
        raise CartError(
            _("A cart holds at most %(n)d different products. Place this order first.", n=MAX_CART_LINES)
        )
    in_cart = quantities.get(product.id, 0)
    total = in_cart + qty
    check_wanted_quantity(product, total, in_cart=in_cart)
    store_quantity(product.id, total)
    return total


def change_quantity(*, product: Product, qty: int) -> None:
    if product.id not in stored_quantities():
        raise CartError(_("That product is not in your cart."))
    check_wanted_quantity(product, qty)
    store_quantity(product.id, qty)


def remove_from_cart(*, product_id: int) -> None:
    store_quantity(product_id, 0)


def empty_cart() -> None:
    user = signed_in_user()
    if user is None:
        session.pop(SESSION_KEY, None)
        return
    with transaction():
        db.session.execute(db.delete(CartItem).where(CartItem.user_id == user.id))


def merge_guest_cart(sender, user: User, **extra) -> None:
    """At login, the guest's lines join the account's: quantities add up, capped at what one
    outlet can supply (a line with no stock anywhere keeps 1, so its warning still shows)."""
    guest = session_quantities()
    if not guest:
        return
    items = {
        item.product_id: item
        for item in db.session.scalars(db.select(CartItem).where(CartItem.user_id == user.id))
    }
    known = list(products_by_id(guest))
    stock = largest_stock(known)
    with transaction():
        for product_id in known:
            item = items.get(product_id)
            if item is None and len(items) >= MAX_CART_LINES:
                continue
            total = min((item.qty if item else 0) + guest[product_id], max(stock[product_id], 1))
            if item is None:
                items[product_id] = CartItem(user_id=user.id, product_id=product_id, qty=total)
                db.session.add(items[product_id])
            else:
                item.qty = total
    session.pop(SESSION_KEY, None)


user_logged_in.connect(merge_guest_cart)
