"""A real localstripe server for the tests, and the app wired to it.

localstripe is a fake but stateful Stripe: our code talks to it with the real
stripe library, its Stripe.js stand-in runs in the browser tests, and it delivers signed
webhooks over HTTP, so the app under test is served on a live port.

tests/conftest.py lists this module in `pytest_plugins`, so its fixtures are everywhere.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import stripe
from flask import Flask
from sqlalchemy import event
from werkzeug.serving import make_server

from config import TestConfig
from storefront import create_app
from storefront.extensions import db
from storefront.payments.services import configure_stripe
from tests.conftest import FreshContextClient, require, reset_database

WEBHOOK_SECRET = "whsec_localstripe_test"
WEBHOOK_NAME = "storefront"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"localstripe did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory) -> Iterator[str]:
    """One localstripe server for the whole run (it starts in about half a second)."""
    require(importlib.util.find_spec("localstripe") is not None,
            "localstripe is not installed (pip install -e '.[test]')")
    port = free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def localstripe_config(localstripe_url: str, path: str, body: dict[str, Any] | None = None, method: str = "POST") -> None:
    request = urllib.request.Request(
        localstripe_url + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5):
        pass


def deliver_webhooks(app: Flask, events: list[str] | None = None) -> None:
    """Have the app's localstripe send its events to the app's live webhook URL (all, or `events`)."""
    body: dict[str, Any] = {"url": app.config["LIVE_URL"] + "/stripe/webhook", "secret": WEBHOOK_SECRET}
    if events is not None:
        body["events"] = events
    localstripe_config(app.config["STRIPE_API_BASE"], f"/_config/webhooks/{WEBHOOK_NAME}", body)


def drop_webhooks(app: Flask) -> None:
    """Lose every webhook from now on, as when our server was unreachable."""
    deliver_webhooks(app, events=["none.none"])


def use_localstripe(app: Flask, localstripe_url: str) -> None:
    """Configure the app's Stripe keys for localstripe (it accepts any test key), start from an
    empty Stripe, and deliver its webhooks to the app's live server."""
    app.config.update(
        STRIPE_SECRET_KEY="sk_test_localstripe",
        STRIPE_PUBLISHABLE_KEY="pk_test_localstripe",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=localstripe_url,
        STRIPE_JS_URL=f"{localstripe_url}/js.stripe.com/v3/",
    )
    localstripe_config(localstripe_url, "/_config/data", method="DELETE")
    deliver_webhooks(app)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve the app on a free port in a thread; sets and yields its LIVE_URL. On the way out it
    waits for requests still being answered (a late webhook): one that returned its database
    connection after the engine was disposed left it to be garbage-collected open, an error in
    whichever test ran then."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    answering: list[threading.Thread] = []
    answer = server.process_request_thread

    def answer_tracked(request, client_address) -> None:
        answering.append(threading.current_thread())
        answer(request, client_address)

    server.process_request_thread = answer_tracked
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app.config["LIVE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=5)
        for request_thread in answering:
            request_thread.join(timeout=10)


@pytest.fixture
def stripe_app(tmp_path, localstripe_url) -> Iterator[Flask]:
    """The app on a file database (the live server's thread shares it), served live, paying
    through localstripe, with an app context open for the test."""
    class LiveConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            TestConfig.SQLALCHEMY_DATABASE_URI
            if os.environ.get("TEST_DATABASE_URL")
            else f"sqlite:///{tmp_path / 'payments.db'}"
        )
        SEARCH_INDEX_DIR = str(tmp_path / "search-index")

    app = create_app(LiveConfig)
    app.test_client_class = FreshContextClient
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", fast_sqlite)
        reset_database()
    with serving(app):
        use_localstripe(app, localstripe_url)
        with app.app_context():
            configure_stripe()  # for the test's own calls to localstripe
            yield app
            db.session.remove()
    with app.app_context():
        db.engine.dispose()  # once the server's last request has given its connection back


def fast_sqlite(connection, _record) -> None:
    """A throwaway test database need not survive a power cut; WAL lets the test read while
    the server thread writes."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")


def wait_until(condition: Callable[[], bool], timeout: float = 10, what: str = "the webhook") -> None:
    """Poll (re-reading the database each time) until `condition` holds; localstripe waits
    a second before each webhook delivery."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # ends the test's read and expires its rows: see what the server committed
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(0.1)


def signed_headers(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Sign a webhook body the way Stripe does: t=<time>,v1=HMAC-SHA256(secret, f"{t}.{body}")."""
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return {"Stripe-Signature": signature, "Content-Type": "application/json"}


def stripe_event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> str:
    """A webhook body for an event localstripe does not send (or not when we need it)."""
    return json.dumps({
        "id": event_id or f"evt_test_{time.monotonic_ns()}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    })
