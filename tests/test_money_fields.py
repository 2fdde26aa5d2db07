"""Every form with an amount reads it by one rule (storefront.form_fields.MoneyField): with or
without thousands separators, and never a decimal đồng; every quantity by one rule too."""
import pytest
from flask import request
from werkzeug.datastructures import MultiDict

from storefront.admin.catalog.forms import ProductForm
from storefront.manage.forms import AdjustForm, RefundForm, ThresholdForm
from storefront.orders.forms import QuantityForm
from storefront.reports.forms import BaselineForm
from storefront.till.forms import PosAddForm, PosCheckoutForm, ReturnLineForm

ACCEPTED = [("1.250.000", 1_250_000), ("1,250,000", 1_250_000), ("1250000", 1_250_000),
            ("1 250 000", 1_250_000), ("1.250.000 ₫", 1_250_000), ("500", 500)]
REFUSED = [("1,5", "without decimals"), ("12.50", "without decimals"), ("1,25,000", "whole number of đồng"),
           ("1.250,000", "whole number of đồng"), ("abc", "whole number of đồng"), ("1e6", "whole number of đồng")]

# Each form with an amount, the field, and what else it needs to be posted.
MONEY_FORMS = [
    (PosCheckoutForm, "cash_received", {"payment_kind": "cash"}),
    (RefundForm, "amount", {}),
    (BaselineForm, "revenue", {"profit": "0", "source": "declared"}),
    (ProductForm, "price", {}),
    (ProductForm, "unit_cost", {}),
]


ENGLISH = {"Cookie": "lang=en"}


def posted(app, form_class, data):
    with app.test_request_context("/", method="POST", data=MultiDict(data), headers=ENGLISH):
        app.config["WTF_CSRF_ENABLED"] = False
        form = form_class()
        form.validate()
        return form


@pytest.mark.parametrize("form_class, name, extra", MONEY_FORMS)
def test_every_amount_form_accepts_thousands_separators(app, db, subtests, form_class, name, extra):
    for typed, amount in ACCEPTED:
        with subtests.test(typed=typed):
            field = getattr(posted(app, form_class, {**extra, name: typed}), name)
            assert field.data == amount and field.errors == []


@pytest.mark.parametrize("form_class, name, extra", MONEY_FORMS)
def test_every_amount_form_refuses_decimals_and_bad_grouping_with_a_message(app, db, subtests, form_class, name, extra):
    for typed, message in REFUSED:
        with subtests.test(typed=typed):
            field = getattr(posted(app, form_class, {**extra, name: typed}), name)
            assert field.data is None and any(message in error for error in field.errors)


def test_a_required_amount_left_empty_says_so(app, db):
    assert posted(app, BaselineForm, {"revenue": " ", "profit": "0", "source": "declared"}).revenue.errors == [
        "Enter an amount in đồng."]


def test_a_loss_may_be_negative_and_is_grouped(app, db):
    assert posted(app, BaselineForm, {"revenue": "0", "profit": "-1.500.000", "source": "declared"}).profit.data == -1_500_000


def test_cash_above_what_a_till_takes_is_refused(app, db):
    form = posted(app, PosCheckoutForm, {"payment_kind": "cash", "cash_received": "2.000.000.000"})
    assert form.cash_received.errors == ["That is more cash than a till takes; check the amount."]


def test_an_amount_from_the_database_is_shown_grouped(app, db):
    with app.test_request_context("/", headers=ENGLISH):
        form = RefundForm(formdata=None, amount=1_250_000)
        assert 'value="1.250.000"' in form.amount() and "data-money" in form.amount()


@pytest.mark.parametrize("form_class, name, typed, quantity, problem", [
    (PosAddForm, "qty", "3", 3, None),
    (PosAddForm, "qty", "0", 0, "Enter a whole number of 1 or more."),
    (PosAddForm, "qty", "1.5", None, "Enter a whole number of 1 or more."),
    (QuantityForm, "qty", "", None, "Enter a whole number of 1 or more."),
    (ReturnLineForm, "qty", "", 0, None),
    (ReturnLineForm, "qty", "-1", -1, "Enter a whole number of 0 or more."),
    (ThresholdForm, "threshold", "0", 0, None),
    (ThresholdForm, "threshold", "1000001", 1_000_001, "Enter a whole number from 0 to 1,000,000."),
    (AdjustForm, "change", "-3", -3, None),
    (AdjustForm, "change", "x", None, "Enter the change as a whole number, such as 5 or -3."),
])
def test_quantities_are_read_by_one_rule(app, db, form_class, name, typed, quantity, problem):
    with app.test_request_context("/", method="POST", data={name: typed}, headers=ENGLISH):
        app.config["WTF_CSRF_ENABLED"] = False
        form = form_class(request.form) if form_class is ReturnLineForm else form_class()
        form.validate()
        field = getattr(form, name)
        assert field.data == quantity and field.errors == ([problem] if problem else [])
