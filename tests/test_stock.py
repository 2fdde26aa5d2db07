"""The stock ledger: every operation, every refusal, and random sequences of them."""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.outlets.commands import stock_cli
from storefront.outlets.models import Outlet, StockLevel, StockMove
from storefront.outlets.services import (
    OutOfStock,
    ReceiptLine,
    StockError,
    adjust_stock,
    check_quantity,
    check_stock,
    count_stock,
    move_stock,
    receive_stock,
    return_stock,
    set_low_stock_threshold,
    transfer_stock,
)
from storefront.sales.models import PosSale, SaleLine
from storefront.sales.services import SaleRequestLine, record_sale
from storefront.transactions import transaction
from tests.factories import make_outlet, make_product, make_user, stock


@dataclass
class World:
    """Two sales points, two certified products and the manager who runs the points."""

    outlets: tuple[Outlet, Outlet]
    products: tuple[Product, Product]
    manager: User

    @property
    def a(self) -> Outlet:
        return self.outlets[0]

    @property
    def b(self) -> Outlet:
        return self.outlets[1]

    @property
    def fish_sauce(self) -> Product:
        return self.products[0]

    @property
    def tea(self) -> Product:
        return self.products[1]


@pytest.fixture
def world(app) -> World:
    return World(
        outlets=(make_outlet("QN-TP-01"), make_outlet("QN-HA-01", name="Điểm bán OCOP Hội An")),
        products=(make_product("Nước mắm Cửa Khe"), make_product("Trà sâm dây Ngọc Linh", group="beverage")),
        manager=make_user("manager"),
    )


def level(outlet: Outlet, product: Product) -> tuple[int, int]:
    """(on hand, reserved) as stored; a missing level reads as nothing."""
    row = db.session.execute(
        select(StockLevel.on_hand, StockLevel.reserved).where(
            StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id
        )
    ).one_or_none()
    return (row.on_hand, row.reserved) if row else (0, 0)


def moves_of(outlet: Outlet, product: Product) -> list[StockMove]:
    return list(
        db.session.scalars(
            select(StockMove)
            .where(StockMove.outlet_id == outlet.id, StockMove.product_id == product.id)
            .order_by(StockMove.id)
        )
    )


def ledger_snapshot() -> tuple[list, int]:
    """Every level and the number of moves: what a refused operation must leave as it was."""
    levels = db.session.execute(
        select(
            StockLevel.outlet_id, StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved,
            StockLevel.low_stock_threshold,
        ).order_by(StockLevel.outlet_id, StockLevel.product_id)
    ).all()
    return [tuple(row) for row in levels], db.session.scalar(select(func.count(StockMove.id)))


@contextmanager
def refused(error: type[Exception] = StockError, match: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """The block raises `error`, and every level and the number of moves stay as they were.

    In English, so `match` reads the same whatever the translators have done."""
    before = ledger_snapshot()
    with force_locale("en"), pytest.raises(error, match=match) as info:
        yield info
    assert ledger_snapshot() == before


def reserve(outlet: Outlet, product: Product, qty: int) -> StockMove:
    """What placing an order does to stock, through move_stock in the caller's transaction."""
    with transaction():
        return move_stock(outlet=outlet, product=product, kind="reserve", reserved_change=qty)


# Receiving


def test_receiving_several_lines_adds_each_with_its_lot(world):
    moves = receive_stock(
        outlet=world.a,
        lines=[
            ReceiptLine(world.fish_sauce, 12, "QN-LOT-001"),
            ReceiptLine(world.tea, 5),
            ReceiptLine(world.fish_sauce, 3, "QN-LOT-002"),
        ],
        user=world.manager,
        reference="PN-0001",
    )

    assert level(world.a, world.fish_sauce) == (15, 0)
    assert level(world.a, world.tea) == (5, 0)
    assert level(world.b, world.fish_sauce) == (0, 0)
    assert len(moves) == 3
    assert sorted((move.product_id, move.on_hand_change, move.lot_code) for move in moves) == sorted([
        (world.fish_sauce.id, 12, "QN-LOT-001"),
        (world.fish_sauce.id, 3, "QN-LOT-002"),
        (world.tea.id, 5, None),
    ])
    assert {(move.kind, move.reference, move.user_id) for move in moves} == {
        ("receive", "PN-0001", world.manager.id)
    }
    assert check_stock() == []


def test_an_empty_receipt_is_refused(world):
    with refused(match="at least one line"):
        receive_stock(outlet=world.a, lines=[], user=world.manager)


def test_one_bad_line_refuses_the_whole_receipt(world):
    with refused(match="whole number"):
        receive_stock(
            outlet=world.a,
            lines=[ReceiptLine(world.fish_sauce, 4), ReceiptLine(world.tea, 0)],
            user=world.manager,
        )
    assert level(world.a, world.fish_sauce) == (0, 0)


# Adjusting


def test_adjustments_go_down_and_up_and_keep_their_reason(world):
    stock(world.a, world.fish_sauce, 10)

    adjust_stock(outlet=world.a, product=world.fish_sauce, change=-3, reason="Vỡ 3 chai", user=world.manager)
    adjust_stock(outlet=world.a, product=world.fish_sauce, change=1, reason="  Tìm thấy 1 chai  ", user=None)

    assert level(world.a, world.fish_sauce) == (8, 0)
    adjustments = [(m.kind, m.on_hand_change, m.reason) for m in moves_of(world.a, world.fish_sauce)[1:]]
    assert adjustments == [("adjust", -3, "Vỡ 3 chai"), ("adjust", 1, "Tìm thấy 1 chai")]
    assert check_stock() == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused(world, reason):
    stock(world.a, world.fish_sauce, 10)
    with refused(match="needs a reason"):
        adjust_stock(outlet=world.a, product=world.fish_sauce, change=-2, reason=reason, user=world.manager)


def test_an_adjustment_cannot_take_units_reserved_for_orders(world):
    stock(world.a, world.fish_sauce, 10)
    reserve(world.a, world.fish_sauce, 4)

    with refused(OutOfStock, match="Nước mắm Cửa Khe: 4 of the 10 on hand are reserved for orders, "
                                   r"so at most 6 can be taken \(7 asked\)") as info:
        adjust_stock(outlet=world.a, product=world.fish_sauce, change=-7, reason="Hỏng", user=world.manager)

    assert (info.value.available, info.value.wanted) == (6, 7)
    adjust_stock(outlet=world.a, product=world.fish_sauce, change=-6, reason="Hỏng", user=world.manager)
    assert level(world.a, world.fish_sauce) == (4, 4)


# Counting (stock-take)


def test_a_count_sets_on_hand_and_writes_only_the_differences(world):
    stock(world.a, world.fish_sauce, 10)
    stock(world.a, world.tea, 4)
    moves_before = ledger_snapshot()[1]

    moves = count_stock(
        outlet=world.a, counts=[(world.tea, 4), (world.fish_sauce, 7)], user=world.manager, reference="KK-01"
    )

    assert level(world.a, world.fish_sauce) == (7, 0)
    assert level(world.a, world.tea) == (4, 0)
    assert [(m.kind, m.product_id, m.on_hand_change, m.reason, m.reference) for m in moves] == [
        ("count", world.fish_sauce.id, -3, "stock-take", "KK-01")
    ]
    assert ledger_snapshot()[1] == moves_before + 1
    assert check_stock() == []


def test_a_count_finds_goods_never_received_and_can_count_zero(world):
    stock(world.a, world.tea, 3)

    count_stock(outlet=world.a, counts=[(world.fish_sauce, 2), (world.tea, 0)], user=world.manager)

    assert level(world.a, world.fish_sauce) == (2, 0)
    assert level(world.a, world.tea) == (0, 0)
    assert check_stock() == []


def test_counting_below_what_is_reserved_refuses_the_whole_count(world):
    stock(world.a, world.fish_sauce, 10)
    stock(world.a, world.tea, 10)
    reserve(world.a, world.tea, 3)
    lines = [(world.fish_sauce, 8), (world.tea, 2)]

    with refused(match="Trà sâm dây Ngọc Linh: counted 2 but 3 are reserved"):
        count_stock(outlet=world.a, counts=lines, user=world.manager)

    assert level(world.a, world.fish_sauce) == (10, 0)


def test_a_count_naming_a_product_twice_is_refused(world):
    stock(world.a, world.fish_sauce, 10)
    with refused(match="counted twice"):
        count_stock(outlet=world.a, counts=[(world.fish_sauce, 8), (world.fish_sauce, 9)], user=None)


def test_an_empty_count_is_refused(world):
    with refused(match="no lines"):
        count_stock(outlet=world.a, counts=[], user=world.manager)


# Transferring


def test_a_transfer_moves_units_between_outlets_with_two_linked_moves(world):
    stock(world.a, world.fish_sauce, 10)

    out, into = transfer_stock(
        source=world.a, destination=world.b, product=world.fish_sauce, qty=4, user=world.manager, reason="Hội chợ"
    )

    assert level(world.a, world.fish_sauce) == (6, 0)
    assert level(world.b, world.fish_sauce) == (4, 0)
    assert (out.kind, out.outlet_id, out.on_hand_change) == ("transfer_out", world.a.id, -4)
    assert (into.kind, into.outlet_id, into.on_hand_change) == ("transfer_in", world.b.id, 4)
    assert out.reference == into.reference == "TRF-QN-TP-01-QN-HA-01"
    assert out.reason == into.reason == "Hội chợ"
    assert check_stock() == []


def test_a_transfer_to_the_same_outlet_is_refused(world):
    stock(world.a, world.fish_sauce, 10)
    with refused(match="another outlet"):
        transfer_stock(source=world.a, destination=world.a, product=world.fish_sauce, qty=1, user=world.manager)


@pytest.mark.parametrize("direction", ["a_to_b", "b_to_a"])
def test_a_transfer_of_more_than_available_is_refused_at_both_ends(world, direction):
    """Either leg may be written first (legs go in outlet order); the refusal undoes both."""
    source, destination = (world.a, world.b) if direction == "a_to_b" else (world.b, world.a)
    stock(source, world.fish_sauce, 5)
    reserve(source, world.fish_sauce, 2)

    with refused(OutOfStock, match="2 of the 5 on hand are reserved for orders, so at most 3 can be taken"):
        transfer_stock(source=source, destination=destination, product=world.fish_sauce, qty=4, user=None)

    assert level(destination, world.fish_sauce) == (0, 0)


def test_a_transfer_between_outlets_with_long_codes_fits_its_reference(world):
    source, destination = make_outlet("QN-TIENPHUOC-CENTRE1"), make_outlet("QN-NUITHANHMY-SHOP02")
    stock(source, world.tea, 2)

    out, into = transfer_stock(source=source, destination=destination, product=world.tea, qty=2, user=None)

    assert out.reference == into.reference
    assert len(out.reference) <= StockMove.reference.type.length


# Returns


def test_a_return_puts_goods_back_on_hand(world):
    stock(world.a, world.tea, 2)

    move = return_stock(outlet=world.a, product=world.tea, qty=1, reason="Khách đổi ý", reference="DH-0042")

    assert level(world.a, world.tea) == (3, 0)
    assert (move.kind, move.on_hand_change, move.reason, move.reference) == ("return", 1, "Khách đổi ý", "DH-0042")
    assert check_stock() == []


# Reservations and sales, through move_stock as orders and the till use it


def test_reserving_holds_units_out_of_what_is_available(world):
    stock(world.a, world.fish_sauce, 5)

    move = reserve(world.a, world.fish_sauce, 3)

    assert (move.kind, move.on_hand_change, move.reserved_change) == ("reserve", 0, 3)
    assert level(world.a, world.fish_sauce) == (5, 3)
    with refused(OutOfStock, match="Only 2 of Nước mắm Cửa Khe available at Điểm bán OCOP QN-TP-01; 3 asked") as info:
        reserve(world.a, world.fish_sauce, 3)
    assert (info.value.available, info.value.wanted) == (2, 3)


def test_reserving_where_nothing_was_ever_received_is_refused_and_leaves_no_level(world):
    with refused(OutOfStock, match="Only 0"):
        reserve(world.b, world.tea, 1)


def test_releasing_returns_reserved_units_but_never_more_than_were_reserved(world):
    stock(world.a, world.fish_sauce, 5)
    reserve(world.a, world.fish_sauce, 3)

    with transaction():
        move_stock(outlet=world.a, product=world.fish_sauce, kind="release", reserved_change=-2)
    assert level(world.a, world.fish_sauce) == (5, 1)

    with refused(match="Only 1 of Nước mắm Cửa Khe reserved"):
        with transaction():
            move_stock(outlet=world.a, product=world.fish_sauce, kind="release", reserved_change=-2)


def test_handing_over_a_reserved_order_takes_it_off_hand_and_off_reserved(world):
    stock(world.a, world.fish_sauce, 5)
    reserve(world.a, world.fish_sauce, 3)

    with transaction():
        move_stock(
            outlet=world.a, product=world.fish_sauce, kind="sale", on_hand_change=-3, reserved_change=-3,
            reference="DH-0001",
        )

    assert level(world.a, world.fish_sauce) == (2, 0)
    assert check_stock() == []


def test_a_sale_from_the_shelf_cannot_take_reserved_units(world):
    stock(world.a, world.fish_sauce, 5)
    reserve(world.a, world.fish_sauce, 3)

    with refused(OutOfStock, match="Only 2 .* 3 asked"):
        with transaction():
            move_stock(outlet=world.a, product=world.fish_sauce, kind="sale", on_hand_change=-3)
    with transaction():
        move_stock(outlet=world.a, product=world.fish_sauce, kind="sale", on_hand_change=-2)

    assert level(world.a, world.fish_sauce) == (3, 3)


# Low-stock threshold


def test_the_low_stock_threshold_is_per_outlet_and_product_and_writes_no_move(world):
    stock(world.a, world.fish_sauce, 8)
    moves_before = ledger_snapshot()[1]

    def threshold_and_is_low(outlet: Outlet, product: Product) -> tuple[int, bool]:
        db.session.expire_all()
        found = db.session.scalars(
            select(StockLevel).where(StockLevel.outlet_id == outlet.id, StockLevel.product_id == product.id)
        ).one()
        return found.low_stock_threshold, found.is_low

    set_low_stock_threshold(outlet=world.a, product=world.fish_sauce, threshold=10)
    assert threshold_and_is_low(world.a, world.fish_sauce) == (10, True)
    set_low_stock_threshold(outlet=world.a, product=world.fish_sauce, threshold=7)
    assert threshold_and_is_low(world.a, world.fish_sauce) == (7, False)
    # A threshold may be set before anything is received there.
    set_low_stock_threshold(outlet=world.b, product=world.tea, threshold=0)
    assert threshold_and_is_low(world.b, world.tea) == (0, True)

    assert level(world.b, world.tea) == (0, 0)
    assert ledger_snapshot()[1] == moves_before
    assert check_stock() == []


# Quantities


NOT_QUANTITIES = [0, -1, 10**9, "3", True, 2.5]
# An adjustment may take units away, so -1 is a fine one.
NOT_CHANGES = [0, 10**9, -(10**9), "3", "-3", True, 2.5]

QUANTITY_OPERATIONS = {
    "receive": lambda w, qty: receive_stock(outlet=w.a, lines=[ReceiptLine(w.fish_sauce, qty)], user=None),
    "transfer": lambda w, qty: transfer_stock(source=w.a, destination=w.b, product=w.fish_sauce, qty=qty, user=None),
    "return": lambda w, qty: return_stock(outlet=w.a, product=w.fish_sauce, qty=qty, reason="Khách trả"),
    "adjust": lambda w, qty: adjust_stock(outlet=w.a, product=w.fish_sauce, change=qty, reason="Kiểm tra", user=None),
}


@pytest.mark.parametrize("operation", QUANTITY_OPERATIONS)
def test_quantities_are_whole_numbers_within_range(world, subtests, operation):
    stock(world.a, world.fish_sauce, 5)
    for qty in NOT_CHANGES if operation == "adjust" else NOT_QUANTITIES:
        with subtests.test(qty=qty), refused(match="whole number"):
            QUANTITY_OPERATIONS[operation](world, qty)


def test_a_count_or_threshold_is_a_whole_number_from_zero(world, subtests):
    stock(world.a, world.fish_sauce, 5)
    for counted in [-1, 10**9, "3", True, 2.5]:
        with subtests.test(counted=counted):
            with refused(match="whole number"):
                count_stock(outlet=world.a, counts=[(world.fish_sauce, counted)], user=None)
            with refused(match="whole number"):
                set_low_stock_threshold(outlet=world.a, product=world.fish_sauce, threshold=counted)


# Random sequences of operations


OPERATIONS = ("receive", "adjust", "reserve", "release", "collect", "sell", "transfer", "count", "return")

Levels = dict[tuple[int, int], tuple[int, int]]


def expected_levels(levels: Levels, name: str, outlet: int, product: int, qty: int) -> Levels | None:
    """A model of the ledger: the levels after the operation, or None when it must be refused."""
    on_hand, reserved = levels.get((outlet, product), (0, 0))
    available = on_hand - reserved
    new = dict(levels)
    if name == "count":
        if qty < reserved:
            return None
        new[outlet, product] = (qty, reserved)
    elif name == "adjust":
        if qty == 0 or qty < -available:
            return None
        new[outlet, product] = (on_hand + qty, reserved)
    elif qty <= 0:
        return None
    elif name in ("receive", "return"):
        new[outlet, product] = (on_hand + qty, reserved)
    elif name in ("reserve", "sell", "transfer") and qty > available:
        return None
    elif name in ("release", "collect") and qty > reserved:
        return None
    elif name == "reserve":
        new[outlet, product] = (on_hand, reserved + qty)
    elif name == "release":
        new[outlet, product] = (on_hand, reserved - qty)
    elif name == "collect":
        new[outlet, product] = (on_hand - qty, reserved - qty)
    elif name == "sell":
        new[outlet, product] = (on_hand - qty, reserved)
    elif name == "transfer":
        new[outlet, product] = (on_hand - qty, reserved)
        other_on_hand, other_reserved = levels.get((1 - outlet, product), (0, 0))
        new[1 - outlet, product] = (other_on_hand + qty, other_reserved)
    return new


def apply(world: World, name: str, outlet_index: int, product_index: int, qty: int) -> None:
    """Run one operation through the services, as the routes and other domains call them."""
    outlet, other = world.outlets[outlet_index], world.outlets[1 - outlet_index]
    product, user = world.products[product_index], world.manager
    direct_changes = {"reserve": (0, qty), "release": (0, -qty), "collect": (-qty, -qty)}
    if name in direct_changes:
        check_quantity(qty)  # as the order services do before they touch stock
        on_hand_change, reserved_change = direct_changes[name]
        kind = "sale" if name == "collect" else name
        with transaction():
            move_stock(
                outlet=outlet, product=product, kind=kind, on_hand_change=on_hand_change,
                reserved_change=reserved_change, user=user,
            )
    elif name == "receive":
        receive_stock(outlet=outlet, lines=[ReceiptLine(product, qty)], user=user)
    elif name == "adjust":
        adjust_stock(outlet=outlet, product=product, change=qty, reason="property test", user=user)
    elif name == "sell":
        record_sale(outlet=outlet, lines=[SaleRequestLine(product, qty)], payment_kind="card", user=user)
    elif name == "transfer":
        transfer_stock(source=outlet, destination=other, product=product, qty=qty, user=user)
    elif name == "count":
        count_stock(outlet=outlet, counts=[(product, qty)], user=user)
    elif name == "return":
        return_stock(outlet=outlet, product=product, qty=qty, reason="property test", user=user)


def stored_levels(world: World) -> Levels:
    """Levels by (outlet index, product index), leaving out empty ones (same as missing)."""
    outlet_index = {outlet.id: i for i, outlet in enumerate(world.outlets)}
    product_index = {product.id: i for i, product in enumerate(world.products)}
    rows = db.session.execute(
        select(StockLevel.outlet_id, StockLevel.product_id, StockLevel.on_hand, StockLevel.reserved)
    )
    return {
        (outlet_index[row.outlet_id], product_index[row.product_id]): (row.on_hand, row.reserved)
        for row in rows
        if (row.on_hand, row.reserved) != (0, 0)
    }


def forget_all_stock() -> None:
    """The app (and its database) lives for the whole test, not per example."""
    for model in (SaleLine, PosSale, StockMove, StockLevel):
        db.session.execute(delete(model))
    db.session.commit()


step = st.tuples(
    st.sampled_from(OPERATIONS), st.integers(0, 1), st.integers(0, 1), st.integers(min_value=-3, max_value=12)
)


@settings(
    max_examples=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, max_size=30))
def test_random_operations_keep_levels_equal_to_their_moves_and_never_negative(world, steps):
    forget_all_stock()
    expected: Levels = {}
    for name, outlet, product, qty in steps:
        before = ledger_snapshot()
        after = expected_levels(expected, name, outlet, product, qty)
        try:
            apply(world, name, outlet, product, qty)
        except StockError:
            assert after is None, f"{name} {qty} was refused but should not be"
            assert ledger_snapshot() == before, f"refused {name} {qty} changed the ledger"
        else:
            assert after is not None, f"{name} {qty} went through but should be refused"
            expected = {key: value for key, value in after.items() if value != (0, 0)}

        levels = stored_levels(world)
        assert levels == expected
        assert all(on_hand >= 0 and reserved >= 0 and on_hand - reserved >= 0 for on_hand, reserved in levels.values())
        assert check_stock() == []


# `flask stock check`


def run_stock_check(app):
    return app.test_cli_runner().invoke(stock_cli, ["check"])


def test_stock_check_passes_on_a_ledger_that_adds_up(app, world):
    stock(world.a, world.fish_sauce, 10)
    stock(world.b, world.tea, 3)
    reserve(world.a, world.fish_sauce, 2)

    result = run_stock_check(app)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 2 stock level(s) match the ledger."


def test_stock_check_reports_a_level_changed_behind_the_ledgers_back(app, world):
    stock(world.a, world.fish_sauce, 10)
    stock(world.b, world.tea, 3)
    db.session.execute(
        update(StockLevel)
        .where(StockLevel.outlet_id == world.a.id, StockLevel.product_id == world.fish_sauce.id)
        .values(on_hand=15, reserved=1)
    )
    db.session.commit()

    result = run_stock_check(app)

    assert result.exit_code == 1
    assert (
        f"QN-TP-01 {world.fish_sauce.code}: on hand 15 (ledger 10), reserved 1 (ledger 0)" in result.output
    )
    assert world.tea.code not in result.output
    assert "1 stock level(s) differ from the ledger." in result.output


def test_stock_check_reports_a_level_that_disappeared(app, world):
    stock(world.b, world.tea, 3)
    db.session.execute(delete(StockLevel))
    db.session.commit()

    result = run_stock_check(app)

    assert result.exit_code == 1
    assert f"QN-HA-01 {world.tea.code}: on hand 0 (ledger 3), reserved 0 (ledger 0)" in result.output
