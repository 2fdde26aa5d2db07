"""Dates as each language's readers write them, never with a two-digit year."""
from datetime import date, datetime

import pytest
from flask_babel import force_locale

from storefront.i18n import local_date, local_datetime
from tests.factories import make_product


@pytest.mark.parametrize("language, day, moment", [
    ("vi", "25/08/2025", "25/08/2025 14:05"),
    ("en", "25 Aug 2025", "25 Aug 2025 14:05"),
])
def test_dates_read_in_the_visitors_language_with_four_digit_years(app, language, day, moment):
    with app.test_request_context(), force_locale(language):
        assert local_date(date(2025, 8, 25)) == day
        assert local_datetime(datetime(2025, 8, 25, 7, 5)) == moment  # UTC 07:05 is 14:05 in Vietnam
        assert local_date(None) == local_datetime(None) == ""


def test_the_product_page_shows_full_dates(client):
    product = make_product(issued_days_ago=0)
    issued = product.certification.issued_on
    assert issued.strftime("%d/%m/%Y") in client.get(f"/products/{product.slug}").text
