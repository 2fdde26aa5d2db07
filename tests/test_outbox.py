"""The outbox: a message is written in the transaction of the change that causes it and sent by
`flask mail send` (cron), never by SMTP inside a request; on_commit() runs what follows a
commit (the mail sender, the search index) only once the commit is made."""
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.catalog.filters import ProductFilters
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.mail import services as mail
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderEvent
from storefront.outlets.services import OutOfStock
from storefront.search import index as search_index
from storefront.search.queries import search_products
from storefront.transactions import on_commit, transaction
from tests.conftest import FakeSMTP, require
from tests.factories import make_order, make_outlet, make_product, stock

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English


class World:
    def __init__(self):
        self.outlet = make_outlet("QN-A", name="Điểm OCOP Tiên Phước")
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000)
        stock(self.outlet, self.sauce, 10)


@pytest.fixture
def world(db):
    return World()


def refuse(self, message):
    """A mail server that is down."""
    raise OSError("connection refused")


def outbox() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(message.kind, message.status) for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def the_message() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage)).one()


def send(app, *options):
    return app.test_cli_runner().invoke(args=["mail", "send", *options])


def later(patch, **delta) -> None:
    """The clock the sender reads moves on."""
    moment = utcnow() + timedelta(**delta)
    patch.setattr(mail, "utcnow", lambda: moment)


# Written with the change


def test_a_message_is_written_with_the_order_and_nothing_is_sent_meanwhile(world, smtp):
    order = make_order(world.outlet, [(world.sauce, 2)])

    assert outbox() == [("order:reserved", "pending")]
    assert the_message().subject == f"Order {order.number} is reserved for you"
    assert smtp.sent == []


def test_an_order_rolled_back_leaves_no_message(world, smtp):
    with pytest.raises(OutOfStock):
        make_order(world.outlet, [(world.sauce, 11)])

    assert db.session.scalar(select(Order)) is None
    assert outbox() == []


def test_a_step_rolled_back_to_its_savepoint_leaves_no_message(world, smtp):
    order = make_order(world.outlet, [(world.sauce, 2)])
    with transaction():
        savepoint = db.session.begin_nested()
        order.events.append(OrderEvent(status="ready"))
        db.session.flush()
        savepoint.rollback()

    assert outbox() == [("order:reserved", "pending")]


def test_checkout_never_talks_to_the_mail_server(client, world, smtp, monkeypatch):
    connections = []

    def hang(self, host, port, timeout=None):
        connections.append(host)
        time.sleep(timeout)  # a mail server that does not answer

    monkeypatch.setattr(FakeSMTP, "__init__", hang)
    client.post(f"/cart/add/{world.sauce.id}", data={"qty": 2})
    fingerprint = re.search(r'name="cart_fingerprint" type="hidden" value="([0-9a-f]+)"',
                            client.get("/checkout").text).group(1)
    started = time.perf_counter()
    response = client.post("/checkout", data={
        "name": "Nguyễn Thị Lan", "phone": "0905 123 456", "email": "lan@example.vn", "fulfilment": "pickup",
        "outlet": str(world.outlet.id), "payment": "pay_at_pickup", "delivery_address": "",
        "cart_fingerprint": fingerprint,
    })

    assert response.status_code == 302 and response.location.startswith("/orders/")
    assert connections == [] and time.perf_counter() - started < mail.SMTP_TIMEOUT_SECONDS
    assert outbox() == [("order:reserved", "pending")]


def test_without_a_mail_server_the_message_is_logged_right_after_the_commit(world, caplog):
    caplog.set_level("INFO")
    order = make_order(world.outlet, [(world.sauce, 2)])

    assert f"Subject: Order {order.number} is reserved for you" in caplog.text
    assert outbox() == [("order:reserved", "sent")]


# Sent by `flask mail send`


def test_mail_send_sends_each_message_once_and_marks_it_sent(app, world, smtp):
    order = make_order(world.outlet, [(world.sauce, 2)])

    result = send(app)

    assert result.exit_code == 0 and "Sent 1 message;" in result.output
    [(host, _port, _calls, message)] = smtp.sent
    assert host == "smtp.example.vn" and message["Subject"] == f"Order {order.number} is reserved for you"
    sent = the_message()
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None) and sent.sent_at is not None
    assert "Sent 0 messages;" in send(app).output and len(smtp.sent) == 1


def test_a_message_the_server_refused_is_sent_by_a_later_run(app, world, smtp, monkeypatch):
    order = make_order(world.outlet, [(world.sauce, 2)])
    with monkeypatch.context() as server_down:
        server_down.setattr(FakeSMTP, "send_message", refuse)
        failed = send(app)

    assert failed.exit_code == 1 and "1 failed and wait for a retry" in failed.output
    waiting = the_message()
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "OSError: connection refused")
    assert "Sent 0 messages;" in send(app).output  # not yet due: it waits a minute
    later(monkeypatch, minutes=2)
    assert "Sent 1 message;" in send(app).output
    [(*_server, message)] = smtp.sent
    assert message["Subject"] == f"Order {order.number} is reserved for you"
    assert (the_message().status, the_message().attempts) == ("sent", 2)


def test_a_message_refused_every_time_is_given_up_then_retried_on_request(app, world, smtp, monkeypatch):
    make_order(world.outlet, [(world.sauce, 2)])
    with monkeypatch.context() as server_down:
        server_down.setattr(FakeSMTP, "send_message", refuse)
        for attempt in range(1, mail.MAX_ATTEMPTS + 1):
            later(server_down, hours=5 * attempt)
            result = send(app)
        assert result.exit_code == 1 and "1 given up" in result.output
        assert (the_message().status, the_message().attempts) == ("failed", mail.MAX_ATTEMPTS)
        later(server_down, days=30)
        assert "Sent 0 messages;" in send(app).output  # given up: no more tries

    result = send(app, "--retry-failed")  # once the server is back
    assert "Put 1 message back in the queue." in result.output
    assert result.exit_code == 0 and "Sent 1 message;" in result.output and len(smtp.sent) == 1


@pytest.mark.postgres
def test_two_senders_at_once_send_each_message_once(app, smtp, monkeypatch):
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    with transaction():
        db.session.add_all(OutboxMessage(kind="test", to_name="Lan", to_email=f"lan{i}@example.vn",
                                         subject=f"Message {i}", body="…") for i in range(12))
    slow_send = FakeSMTP.send_message

    def slow(self, message):
        time.sleep(0.02)
        slow_send(self, message)

    monkeypatch.setattr(FakeSMTP, "send_message", slow)

    def sender():
        with app.app_context():
            mail.send_due_messages()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(message["Subject"] for *_server, message in smtp.sent) == sorted(f"Message {i}" for i in range(12))
    assert {status for _kind, status in outbox()} == {"sent"}


# on_commit


def test_on_commit_runs_after_the_commit_and_never_after_a_rollback(app):
    ran = []
    with transaction():
        on_commit(lambda: ran.append("committed"))
        assert ran == []
    on_commit(lambda: ran.append("rolled back"))
    db.session.rollback()
    db.session.commit()
    assert ran == ["committed"]


def test_on_commit_forgets_what_a_rolled_back_savepoint_asked_for(app):
    ran = []
    with transaction():
        on_commit(lambda: ran.append("outer"))
        with pytest.raises(ValueError), db.session.begin_nested():
            on_commit(lambda: ran.append("rolled back"))
            raise ValueError
        with db.session.begin_nested():
            on_commit(lambda: ran.append("released"))
        assert ran == []  # releasing a savepoint commits nothing yet
    assert ran == ["outer", "released"]


def test_a_failing_callback_neither_fails_the_commit_nor_stops_the_others(app, caplog):
    ran = []

    def fail():
        raise RuntimeError("index locked")

    with transaction():
        on_commit(fail)
        on_commit(lambda: ran.append("next"))
    assert ran == ["next"] and "index locked" in caplog.text


@pytest.mark.postgres
def test_a_callback_runs_once_the_connection_is_back_in_the_pool(app):
    """Else every commit that queues a message would hold two connections at once: under
    concurrent checkouts the pool runs dry."""
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    checked_out = []
    with transaction():
        db.session.execute(select(1))
        on_commit(lambda: checked_out.append(db.engine.pool.checkedout()))
    assert checked_out == [0]


def test_the_search_index_learns_of_a_change_only_once_it_is_committed(app, search_follows_commits, monkeypatch):
    written = []
    write_products = search_index.write_products

    def noting(session, index, ids, *args, **kwargs):
        written.append(set(ids))
        write_products(session, index, ids, *args, **kwargs)

    monkeypatch.setattr(search_index, "write_products", noting)
    product = make_product("Miến dong Bình Liêu")
    written.clear()

    product.name_vi = "Miến gạo"
    db.session.flush()
    assert written == []
    db.session.rollback()
    db.session.commit()
    assert written == []  # the rolled-back change never reaches the index

    product.name_vi = "Miến gạo"
    db.session.flush()
    assert written == []
    db.session.commit()
    assert written == [{product.id}]
    assert [p.name_vi for p in search_products(ProductFilters(q="mien gao"), per_page=10).products] == ["Miến gạo"]
