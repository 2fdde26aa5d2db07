"""Who may see an order: the signed-in customer who placed it, or whoever holds its secret link
(then remembered in the session); to anybody else it does not exist (404). The order pages and
the card payment pages share this one rule."""
import secrets

from flask import abort, session
from flask_login import current_user

from storefront.orders.models import Order
from storefront.orders.services import find_order

VIEWED_ORDERS_KEY = "viewed_orders"
MAX_REMEMBERED_ORDERS = 20


def remember_order(number: str) -> None:
    """Guests find their orders again in this browser without the secret link."""
    viewed = [n for n in session.get(VIEWED_ORDERS_KEY, []) if n != number]
    session[VIEWED_ORDERS_KEY] = [number, *viewed][:MAX_REMEMBERED_ORDERS]


def viewable_order(number: str, key: str | None = None) -> Order:
    """The order, if this visitor may see it; otherwise 404, so nobody learns it exists."""
    order = find_order(number)
    if order is None:
        abort(404)
    if key and secrets.compare_digest(key.encode(), order.access_token.encode()):
        remember_order(order.number)
        return order
    if current_user.is_authenticated and order.user_id == current_user.id:
        return order
    if order.number in session.get(VIEWED_ORDERS_KEY, []):
        return order
    abort(404)
