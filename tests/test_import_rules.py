"""A bulk import obeys the back-office forms' rules (catalog.services): numbers and codes in
capitals, folded names kept for search, no product on a deactivated producer, a certificate
number for 3★ and more, the revocation rules, the maximum price. A line breaking one is named
with its column and why, and the whole file is refused."""
from datetime import date, timedelta

import pytest

from storefront.admin.catalog.services import ProducerFilters, producers_page
from storefront.catalog.imports import import_evaluations, import_producers, import_products
from storefront.catalog.models import Evaluation, Producer, Product
from storefront.catalog.services import set_producer_active
from storefront.extensions import db
from tests.test_imports import (
    communes,  # noqa: F401 (fixture)
    count,
    evaluation_file,
    problems,
    producer_file,
    producers,  # noqa: F401 (fixture)
    product_file,
    products,  # noqa: F401 (fixture)
    run,
)

pytestmark = pytest.mark.usefixtures("in_english")


def producer(registration_no: str) -> Producer:
    return db.session.scalar(db.select(Producer).where(Producer.registration_no == registration_no))


# Producers


def test_registration_numbers_are_kept_in_capitals_and_match_in_any_case(app, communes):
    lower = producer_file()
    lower[1][0] = "htx-001"
    run(import_producers, lower)

    assert producer("HTX-001") is not None
    assert run(import_producers, producer_file()).unchanged == 2  # "HTX-001" is the same producer


def test_a_renamed_producer_is_found_by_its_new_name_without_diacritics(app, communes):
    run(import_producers, producer_file())
    renamed = producer_file()
    renamed[1][1] = "HTX Chè Đặc Sản Tiên Kỳ"

    run(import_producers, renamed)

    db.session.expire_all()
    assert producer("HTX-001").name_folded == "htx-che-dac-san-tien-ky"
    page, _counts = producers_page(ProducerFilters(q="che dac san"))
    assert [found.registration_no for found in page.items] == ["HTX-001"]


# Products


def test_product_codes_are_kept_in_capitals_and_find_their_producer_in_any_case(app, producers):
    rows = product_file()
    rows[1][0], rows[1][3] = "tk-tra-01", "htx-001"

    run(import_products, rows)

    tea = db.session.scalar(db.select(Product).where(Product.code == "TK-TRA-01"))
    assert tea.producer.registration_no == "HTX-001"
    assert run(import_products, product_file()).unchanged == 2


def test_no_new_product_goes_to_a_deactivated_producer(app, producers):
    set_producer_active(actor=None, producer=producer("HTX-001"), active=False)

    found = problems(import_products, product_file())

    assert found == ["Line 2, column producer_registration_no: HTX Nông nghiệp Tiên Kỳ is deactivated: "
                     "reactivate it first."]
    assert count(Product) == 0


def test_a_withdrawn_product_of_a_deactivated_producer_can_still_be_corrected(app, producers):
    run(import_products, product_file())
    set_producer_active(actor=None, producer=producer("HTX-001"), active=False)
    corrected = product_file()
    corrected[1][5] = "125000"

    assert run(import_products, corrected).updated == 1


def test_a_product_cannot_move_to_a_deactivated_producer(app, producers):
    run(import_products, product_file())
    set_producer_active(actor=None, producer=producer("HKD-002"), active=False)
    moved = product_file()
    moved[1][3] = "HKD-002"

    [problem] = problems(import_products, moved)
    assert problem.startswith("Line 2, column producer_registration_no: Cơ sở bánh tráng Bà Lan is deactivated")


def test_a_price_above_the_forms_maximum_is_refused(app, producers):
    rows = product_file()
    rows[2][5] = "1000000000001"
    assert problems(import_products, rows) == [
        "Line 3, column price: 1,000,000,000,001 is not between 0 and 2,000,000,000 đồng."]


# Evaluations


def test_certificate_and_decision_numbers_are_kept_in_capitals(app, products):
    rows = evaluation_file()
    rows[1][4] = "gcn-49-001"
    run(import_evaluations, rows)
    assert db.session.scalar(db.select(Evaluation.certificate_no).where(Evaluation.stars == 4)) == "GCN-49-001"
    assert run(import_evaluations, evaluation_file()).unchanged == 2


def test_three_stars_or_more_need_a_certificate_number(app, products):
    rows = evaluation_file()
    rows[1][4] = ""
    assert problems(import_evaluations, rows) == [
        "Line 2, column Số giấy chứng nhận: A result of 3 stars or more comes with a certificate number."]
    assert count(Evaluation) == 0


def test_a_new_certificate_without_the_certificate_column_is_refused(app, products):
    rows = [row[:4] for row in evaluation_file()]
    [problem] = problems(import_evaluations, rows)
    assert problem == "Line 2: A result of 3 stars or more comes with a certificate number."


def test_a_saved_certificate_number_counts_when_its_column_is_left_out(app, products):
    run(import_evaluations, evaluation_file())
    assert run(import_evaluations, [row[:4] for row in evaluation_file()]).unchanged == 2


def revocation_file(tea: tuple[str, str], biscuit: tuple[str, str] = ("", "")):
    return [row + list(extra) for row, extra in zip(
        evaluation_file(), [("Ngày thu hồi", "Lý do thu hồi"), tea, biscuit])]


@pytest.mark.parametrize("tea, biscuit, message", [
    ((date.today().isoformat(), ""), ("", ""), "Line 2, column Lý do thu hồi: A revocation needs a reason."),
    (("", "Nhãn giả"), ("", ""), "Line 2, column Ngày thu hồi: A revocation needs its date."),
    (((date.today() - timedelta(days=60)).isoformat(), "Nhãn giả"), ("", ""),
     "Line 2, column Ngày thu hồi: A certificate cannot be revoked before the day it was issued."),
    (("", ""), (date.today().isoformat(), "Nhãn giả"),
     "Line 3, column Ngày thu hồi: Only a certificate (3 stars or more) can be revoked."),
], ids=["no reason", "no date", "before issued", "below 3 stars"])
def test_a_revocation_follows_the_forms_rules(app, products, tea, biscuit, message):
    assert problems(import_evaluations, revocation_file(tea, biscuit)) == [message]
    assert count(Evaluation) == 0


def test_a_file_with_one_broken_rule_saves_nothing(app, products):
    rows = evaluation_file()
    rows.append(["BL-BT-01", "95", "trung ương", date.today().isoformat(), ""])
    assert problems(import_evaluations, rows) == [
        "Line 4, column Số giấy chứng nhận: A result of 3 stars or more comes with a certificate number."]
    assert count(Evaluation) == 0
    assert db.session.scalar(db.select(Product.certified_stars).where(Product.code == "TK-TRA-01")) is None



# Search after a large import


def test_a_large_import_answers_before_the_search_index_follows(client, login_as, producers, monkeypatch,
                                                                search_follows_commits):
    from storefront.catalog.filters import ProductFilters
    from storefront.search.index import current_index
    from storefront.search.queries import search_products
    from tests.test_imports import upload

    login_as("staff")
    monkeypatch.setattr(current_index(), "inline_limit", 1)

    response = upload(client, "products", product_file())

    assert "File imported: 2 created, 0 updated." in response.text
    assert "search shows these changes in a few minutes" in response.text
    current_index().wait()
    found = search_products(ProductFilters(q="tra xanh", include_uncertified=True), per_page=10).products
    assert [product.code for product in found] == ["TK-TRA-01"]
