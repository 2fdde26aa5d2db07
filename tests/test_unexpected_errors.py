"""An unexpected error shows the error page with a reference, and the log holds its traceback
under the same reference."""
import logging
import re

import pytest

from config import TestConfig
from storefront import create_app
from storefront.extensions import db


class NoPropagationConfig(TestConfig):
    PROPAGATE_EXCEPTIONS = False  # as in production: the error handler answers


@pytest.fixture
def failing_client(app):
    other = create_app(NoPropagationConfig)

    def broken():
        raise RuntimeError("the disk is full")

    other.add_url_rule("/broken", view_func=broken)
    other.add_url_rule("/api/v1/broken", endpoint="api_broken", view_func=broken)
    with other.app_context():
        db.create_all()
    client = other.test_client()
    client.set_cookie("lang", "en")
    yield client
    with other.app_context():
        db.engine.dispose()


def test_an_unexpected_error_is_logged_with_its_traceback_and_the_page_gives_its_reference(failing_client, caplog):
    with caplog.at_level(logging.ERROR, logger="storefront.errors"):
        response = failing_client.get("/broken?q=1")

    assert response.status_code == 500
    reference = re.search(r"give this reference: ([0-9a-f]{12})\.", response.text).group(1)
    record = next(record for record in caplog.records if reference in record.getMessage())
    assert "GET /broken?q=1" in record.getMessage()
    assert record.exc_info[0] is RuntimeError and "the disk is full" in caplog.text and "Traceback" in caplog.text


def test_the_api_answers_json_with_the_reference(failing_client, caplog):
    response = failing_client.get("/api/v1/broken")

    assert response.status_code == 500
    assert re.fullmatch(r"[0-9a-f]{12}", response.json["error"]["request_id"])
    assert response.json["error"]["request_id"] in caplog.text
