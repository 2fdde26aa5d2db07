"""The order lifecycle through its services, without HTTP: which steps each person may take
(allowed_steps, which the pages show and the services enforce), the outlet's steps, and the one
cancel action that also refunds a card payment."""
import pytest
from flask_babel import force_locale

from storefront.orders.actions import cancel_and_refund
from storefront.orders.models import Order, Status, Step
from storefront.orders.services import (
    OrderError,
    allowed_steps,
    cancel_order,
    confirm_transfer,
    mark_collected,
    mark_delivered,
    mark_paid,
    mark_ready,
    mark_shipped,
    record_refund,
    refund_at_counter,
)
from storefront.outlets.models import StockLevel
from storefront.payments import services as payment_services
from storefront.sales.models import SaleLine
from tests.factories import make_order, make_outlet, make_product, make_user, stock


ADDRESS = "12 Trần Phú, Hội An, Quảng Nam"
ROLES = ("guest", "customer", "manager", "other_manager", "staff")


class World:
    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước", bank_bin="970436",
                                  bank_account_number="0071000888888", bank_account_name="HTX Tiên Cảnh")
        self.other = make_outlet("QN-B", name="Điểm OCOP Hội An")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, unit_cost=90_000)
        stock(self.outlet, self.sauce, 10)
        self.users = {
            "guest": None,
            "customer": make_user("customer"),
            "manager": make_user("manager", outlets=[self.outlet]),
            "other_manager": make_user("manager", outlets=[self.other]),
            "staff": make_user("staff"),
        }
        self.manager = self.users["manager"]

    def order(self, kind: str) -> Order:
        """An order of the customer's at outlet A, brought to one state."""
        manager, customer = self.manager, self.users["customer"]
        payment, fulfilment = {
            "reserved": ("pay_at_pickup", "pickup"), "ready": ("pay_at_pickup", "pickup"),
            "collected": ("pay_at_pickup", "pickup"), "card_paid": ("card", "pickup"),
            "cod_reserved": ("pay_on_delivery", "delivery"), "cod_shipped": ("pay_on_delivery", "delivery"),
            "transfer": ("bank_transfer", "pickup"), "card_delivery_paid": ("card", "delivery"),
        }[kind]
        order = make_order(self.outlet, [(self.sauce, 2)], user=customer, payment_method=payment, fulfilment=fulfilment,
                           delivery_address=ADDRESS if fulfilment == "delivery" else None)
        if kind in ("ready", "collected"):
            mark_ready(order=order, user=manager)
        if kind == "collected":
            mark_collected(order=order, user=manager, payment_kind="cash")
        if kind in ("card_paid", "card_delivery_paid"):
            mark_paid(order=order, payment_intent_id=f"pi_{order.number}")
        if kind == "cod_shipped":
            mark_shipped(order=order, user=manager)
        return order


@pytest.fixture
def world(db):
    with force_locale("en"):  # the refusals read English, whatever ran before
        yield World()


def level(db, world) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(db.select(StockLevel.on_hand, StockLevel.reserved).where(
        StockLevel.outlet_id == world.outlet.id, StockLevel.product_id == world.sauce.id)).one()
    return row.on_hand, row.reserved


def fresh(db, order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


# --- Who may take which step --------------------------------------------------------------------

C, R = Step.CANCEL, Step.REFUND
# Per state, the steps of: a guest with the order's link, the customer, the outlet's manager,
# a manager of another outlet, programme staff. Whoever is not the outlet's may only do what
# the customer may (the order pages decide who sees the order at all).
STEPS = {
    "reserved": ({C}, {C}, {Step.READY, C}, {C}, {Step.READY, C}),
    "card_paid": ({C}, {C}, {Step.READY, C}, {C}, {Step.READY, C, R}),
    "ready": (set(), set(), {Step.COLLECTED, C}, set(), {Step.COLLECTED, C}),
    "collected": (set(), set(), {Step.COUNTER_REFUND}, set(), {Step.COUNTER_REFUND}),
    "cod_reserved": ({C}, {C}, {Step.SHIPPED, C}, {C}, {Step.SHIPPED, C}),
    "cod_shipped": (set(), set(), {Step.DELIVERED, C}, set(), {Step.DELIVERED, C}),
    "transfer": ({C}, {C}, {Step.CONFIRM_TRANSFER, C}, {C}, {Step.CONFIRM_TRANSFER, C}),
    "card_delivery_paid": ({C}, {C}, {Step.SHIPPED, C}, {C}, {Step.SHIPPED, C, R}),
}


@pytest.mark.parametrize("kind", STEPS)
def test_each_person_may_take_the_steps_of_their_role(world, kind):
    order = world.order(kind)
    allowed = {role: allowed_steps(order, world.users[role]) for role in ROLES}
    assert allowed == dict(zip(ROLES, STEPS[kind]))


def test_a_declined_card_may_be_tried_again_by_whoever_sees_the_order(world):
    from storefront.orders.services import mark_payment_failed

    order = make_order(world.outlet, [(world.sauce, 1)], payment_method="card")
    mark_payment_failed(order=order, reason="declined")
    assert allowed_steps(order, None) == {Step.RETRY, Step.CANCEL}
    assert Step.RETRY in allowed_steps(order, world.manager)


# --- The outlet's steps, taken and refused ----------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "staff"])
def test_the_outlets_manager_or_staff_take_an_order_from_reservation_to_collection(db, world, role):
    user = world.users[role]
    order = world.order("reserved")

    mark_ready(order=order, user=user)
    assert fresh(db, order).status == Status.READY and level(db, world) == (10, 2)
    mark_collected(order=order, user=user, payment_kind="card")

    assert fresh(db, order).status == Status.COLLECTED and level(db, world) == (8, 0)
    assert [line.amount for line in db.session.scalars(db.select(SaleLine))] == [300_000]


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_the_outlets_manager_or_staff_ship_deliver_and_confirm_transfers(db, world, role):
    user = world.users[role]
    parcel, transfer = world.order("cod_reserved"), world.order("transfer")

    mark_shipped(order=parcel, user=user, note="GHN 123")
    mark_delivered(order=parcel, user=user, payment_kind="cash")
    confirm_transfer(order=transfer, user=user)

    assert fresh(db, parcel).status == Status.DELIVERED and fresh(db, parcel).paid_at is not None
    assert fresh(db, transfer).status == Status.PAID


# Each step, on an order in the state it needs, refused to whoever does not run the outlet with
# the error the service gives for an order in the wrong state.
REFUSALS = [
    ("reserved", lambda order, user: mark_ready(order=order, user=user),
     "Only paid or reserved pickup orders can be made ready."),
    ("ready", lambda order, user: mark_collected(order=order, user=user, payment_kind="cash"),
     "Only orders that are ready can be collected."),
    ("cod_reserved", lambda order, user: mark_shipped(order=order, user=user),
     "Only paid or cash-on-delivery orders can be shipped."),
    ("cod_shipped", lambda order, user: mark_delivered(order=order, user=user, payment_kind="cash"),
     "Only shipped orders can be marked delivered."),
    ("transfer", lambda order, user: confirm_transfer(order=order, user=user),
     "Only orders waiting for a bank transfer can be confirmed as paid."),
    ("ready", lambda order, user: cancel_order(order=order, user=user),
     "This order can no longer be cancelled."),
    ("collected", lambda order, user: refund_at_counter(
        order=order, quantities={order.lines[0].id: 1}, reason="Hỏng nắp", restock=True, user=user,
        refunded_before=0), "Only handed-over orders paid in person or by transfer can be refunded at the counter."),
]


@pytest.mark.parametrize("role", ["customer", "other_manager"])
@pytest.mark.parametrize("kind, take, message", REFUSALS, ids=[f"{kind}-{message[:20]}" for kind, _t, message in REFUSALS])
def test_a_step_not_allowed_is_refused_and_changes_nothing(db, world, role, kind, take, message):
    order = world.order(kind)
    before = (fresh(db, order).status, len(fresh(db, order).events), level(db, world))

    with pytest.raises(OrderError, match=message):
        take(fresh(db, order), world.users[role])

    after = fresh(db, order)
    assert (after.status, len(after.events), level(db, world)) == before


@pytest.mark.parametrize("kind, take, message", REFUSALS[:5])
def test_a_step_taken_twice_is_refused_the_second_time(db, world, kind, take, message):
    order = world.order(kind)
    take(order, world.manager)
    with pytest.raises(OrderError, match=message):
        take(fresh(db, order), world.manager)


# --- The one cancel action ----------------------------------------------------------------------

class FakeStripe:
    """Stands in for payments.refund_order behind the cancel action: records the call, and
    records the refund in the order as Stripe's answer would."""

    def __init__(self):
        self.calls = []
        self.error: Exception | None = None

    def refund_order(self, order, amount=None, restock=False, user=None) -> int:
        if self.error:
            raise self.error
        self.calls.append((order.number, amount, restock, user))
        record_refund(order=order, refunded_total=order.total, restock=restock, user=user)
        return order.total


@pytest.fixture
def stripe(monkeypatch):
    fake = FakeStripe()
    monkeypatch.setattr(payment_services, "refund_order", fake.refund_order)
    return fake


@pytest.mark.parametrize("role", ["guest", "customer", "manager"])
def test_cancelling_an_unpaid_order_releases_its_stock_and_refunds_nothing(db, world, stripe, role):
    order = world.order("reserved")

    cancelled = cancel_and_refund(order=order, user=world.users[role], note="đổi ý")

    assert not cancelled.paid_by_card and stripe.calls == []
    assert fresh(db, order).status == Status.CANCELLED and level(db, world) == (10, 0)


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_cancelling_a_card_order_refunds_it_in_full_through_payments(db, world, stripe, role):
    order = world.order("card_paid")
    assert level(db, world) == (8, 0)  # sold when paid
    user = world.users[role]

    cancelled = cancel_and_refund(order=order, user=user)

    assert (cancelled.paid_by_card, cancelled.refunded, cancelled.refund_error) == (True, 300_000, None)
    assert stripe.calls == [(order.number, None, True, user)]
    assert [event.status for event in fresh(db, order).events][-2:] == [Status.CANCELLED, Status.REFUNDED]
    assert level(db, world) == (10, 0)  # the goods are back on the shelf
    assert sum(line.amount for line in db.session.scalars(db.select(SaleLine))) == 0


def test_a_refund_that_fails_leaves_the_order_cancelled_and_says_why(db, world, stripe):
    stripe.error = payment_services.PaymentError("Stripe did not accept the refund: no connection")
    order = world.order("card_paid")

    cancelled = cancel_and_refund(order=order, user=world.manager)

    assert cancelled.paid_by_card and cancelled.refund_error == "Stripe did not accept the refund: no connection"
    assert fresh(db, order).status == Status.CANCELLED and fresh(db, order).refunded_amount == 0


def test_an_unpaid_order_nobody_came_for_is_cancelled_by_the_outlet_not_the_customer(db, world, stripe):
    order = world.order("ready")
    with pytest.raises(OrderError, match="can no longer be cancelled"):
        cancel_and_refund(order=order, user=world.users["customer"])

    cancel_and_refund(order=fresh(db, order), user=world.manager, note="Khách không đến")

    assert fresh(db, order).status == Status.CANCELLED and level(db, world) == (10, 0)


@pytest.mark.parametrize("role", ["customer", "manager", "staff"])
def test_a_collected_cash_order_is_not_cancelled_but_refunded_at_the_counter(db, world, stripe, role):
    order = world.order("collected")

    with pytest.raises(OrderError, match="This order can no longer be cancelled."):
        cancel_and_refund(order=order, user=world.users[role])
    assert fresh(db, order).status == Status.COLLECTED and stripe.calls == []

    if role != "customer":
        refunded = refund_at_counter(order=fresh(db, order), quantities={order.lines[0].id: 2}, reason="Hỏng nắp",
                                     restock=True, user=world.users[role], refunded_before=0)
        assert refunded == 300_000 and fresh(db, order).status == Status.REFUNDED and level(db, world) == (10, 0)
