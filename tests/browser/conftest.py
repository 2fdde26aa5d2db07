"""Browser journeys: Playwright drives Debian's Chromium against a live server."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from storefront import create_app
from storefront.extensions import db
from tests.conftest import require, reset_database

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
            "Debian's chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone: most visitors shop on one."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "locale": "vi-VN",
    }


def whole_responses(wsgi_app):
    """Each response read whole, and its iterable closed, before werkzeug's test server writes it:
    when the browser drops a connection mid-answer (a navigation cancels a script's download),
    that server never closes the iterable, and the static file left open was garbage-collected
    (a ResourceWarning, so an error) in whichever test ran then. Gunicorn closes it."""
    def app(environ, start_response):
        iterable = wsgi_app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return app


@pytest.fixture
def live_app(tmp_path, monkeypatch):
    """The real app (CSRF on) on a file database, served on a free port in a thread."""
    class BrowserConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            TestConfig.SQLALCHEMY_DATABASE_URI
            if os.environ.get("TEST_DATABASE_URL")
            else f"sqlite:///{tmp_path / 'browser.db'}"
        )
        SEARCH_INDEX_DIR = str(tmp_path / "search-index")
        PHOTO_DIR = str(tmp_path / "photos")
        WTF_CSRF_ENABLED = True
        SERVER_NAME = None

    app = create_app(BrowserConfig)
    with app.app_context():
        reset_database()
    server = make_server("127.0.0.1", 0, whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        with app.app_context():
            yield app
            db.session.remove()
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
