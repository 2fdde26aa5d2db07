"""Councils' results and revocations from the product's admin page; the whole shop follows."""
from datetime import date, timedelta

import pytest

from storefront.audit.models import AuditEntry
from storefront.audit.services import record_history
from storefront.catalog.models import Evaluation, Product
from storefront.clock import vietnam_today
from storefront.extensions import db
from tests.conftest import count_rows
from tests.factories import make_product


def evaluation_data(**overrides) -> dict:
    data = {"score": "78.5", "council_level": "province", "decision_no": "1234/QĐ-UBND",
            "certificate_no": "QN-OCOP-2025-0042", "issued_on": (vietnam_today() - timedelta(days=10)).isoformat()}
    return {**data, **overrides}


def test_a_four_star_result_certifies_the_product_everywhere_at_once(client, staff_user):
    product = make_product("Trà hoa vàng Ba Chẽ", stars=None)
    card = f'href="/products/{product.slug}"'
    assert card not in client.get("/search", query_string={"q": "tra hoa vang"}).text

    response = client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data())
    assert response.status_code == 302
    evaluation = db.session.scalar(db.select(Evaluation))
    issued = vietnam_today() - timedelta(days=10)
    assert (evaluation.stars, evaluation.issued_on) == (4, issued)
    assert evaluation.expires_on == date(issued.year + 3, issued.month, issued.day)  # 36 months

    assert card in client.get("/search", query_string={"q": "tra hoa vang"}).text
    assert card in client.get("/products", query_string={"stars": 4}).text
    page = client.get(f"/products/{product.slug}").text
    assert "OCOP 4 stars" in page and "QN-OCOP-2025-0042" in page
    assert product.code in client.get("/admin/reports/growth").text
    [entry] = record_history(evaluation)
    assert entry.action == "create" and entry.changes["stars"] == [None, 4]
    assert entry.changes["expires_on"] == [None, evaluation.expires_on.isoformat()]


@pytest.mark.parametrize("score, stars", [("100", 5), ("90", 5), ("89.9", 4), ("70", 4), ("50", 3), ("49.5", 2),
                                          ("30", 2), ("29", 1), ("0", 1)])
def test_stars_follow_the_official_bands(client, staff_user, score, stars):
    product = make_product(stars=None)
    client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data(score=score))
    assert db.session.scalar(db.select(Evaluation.stars)) == stars


@pytest.mark.parametrize("overrides, message", [
    ({"score": ""}, "Enter the council"),
    ({"score": "101"}, "A score is between 0 and 100."),
    ({"score": "-1"}, "A score is between 0 and 100."),
    ({"score": "nan"}, "A score is between 0 and 100."),
    ({"score": "tám mươi"}, "Not a valid float value."),
    ({"council_level": "village"}, "Not a valid choice"),
    ({"issued_on": ""}, "Enter the issue date."),
    ({"issued_on": "31/02/2025"}, "Not a valid date value."),
    ({"issued_on": (vietnam_today() + timedelta(days=1)).isoformat()}, "The issue date must be from 2018 to today."),
    # A typo the import refuses too: it would make 1900 the product's first certified year.
    ({"issued_on": "1900-01-01"}, "The issue date must be from 2018 to today."),
    ({"certificate_no": ""}, "A result of 3 stars or more comes with a certificate number."),
])
def test_a_bad_result_says_why_and_saves_nothing(client, staff_user, overrides, message):
    product = make_product(stars=None)
    response = client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data(**overrides))
    assert response.status_code == 400
    assert message in response.text
    assert count_rows(Evaluation) == 0 and count_rows(AuditEntry) == 0


def test_a_form_sent_twice_records_one_evaluation(client, staff_user):
    product = make_product(stars=None)
    assert client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data()).status_code == 302

    again = client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data())
    assert again.status_code == 400
    assert "This evaluation is already recorded: the product has one by the same council on that day." in again.text
    assert count_rows(Evaluation) == 1


def test_a_certificate_number_belongs_to_one_product(client, staff_user):
    first = make_product(stars=None)
    client.post(f"/admin/products/{first.code}/evaluations", data=evaluation_data(certificate_no="qn-ocop-2025-0042"))
    other = make_product(stars=None)
    response = client.post(f"/admin/products/{other.code}/evaluations", data=evaluation_data())
    assert response.status_code == 400
    assert f"Certificate number QN-OCOP-2025-0042 is already on another product, {first.code}." in response.text
    assert db.session.scalar(db.select(db.func.count()).where(Evaluation.product_id == other.id)) == 0


def test_a_re_evaluation_may_keep_its_certificate_number(client, staff_user):
    product = make_product(stars=None)
    client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data(
        issued_on=(vietnam_today() - timedelta(days=400)).isoformat()))
    response = client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data(score="91"))
    assert response.status_code == 302
    assert count_rows(Evaluation) == 2


def test_a_re_evaluation_becomes_the_current_certificate_and_history_stays(client, staff_user):
    product = make_product("Nước mắm Cửa Khe", stars=3, issued_days_ago=1000)
    client.post(f"/admin/products/{product.code}/evaluations", data=evaluation_data(score="92", council_level="central"))
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert (product.certified_stars, product.certification.score) == (5, 92)
    page = client.get(f"/admin/products/{product.code}").text
    assert page.count("<td class=\"stars-") == 2  # both evaluations listed


def test_a_revocation_in_the_past_takes_the_badge_away_everywhere(client, staff_user):
    product = make_product("Rượu ngô Cải Vân", stars=4, issued_days_ago=200)
    cert = product.certification
    card = f'href="/products/{product.slug}"'
    revoked_on = vietnam_today() - timedelta(days=20)
    response = client.post(f"/admin/products/{product.code}/evaluations/{cert.id}/revoke",
                           data={"reason": "Vi phạm nhãn mác", "revoked_on": revoked_on.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    cert = db.session.get(Evaluation, cert.id)
    assert cert.revoked_on == revoked_on and cert.revoked_reason == "Vi phạm nhãn mác"
    assert db.session.get(Product, product.id).certified_stars is None
    assert card not in client.get("/search", query_string={"q": "ruou ngo"}).text
    assert card not in client.get("/products").text
    assert "OCOP 4 stars" not in client.get(f"/products/{product.slug}").text  # staff still see the page
    assert "revoked" in client.get("/admin/evaluations", query_string={"state": "revoked"}).text
    [entry] = [e for e in record_history(cert) if e.action == "revoke"]
    assert entry.changes["revoked_reason"] == [None, "Vi phạm nhãn mác"]


@pytest.mark.parametrize("data, message", [
    ({"reason": "", "revoked_on": "TODAY"}, "A revocation needs a reason."),
    ({"reason": "Sai hồ sơ", "revoked_on": ""}, "Enter the revocation date."),
    ({"reason": "Sai hồ sơ", "revoked_on": "BEFORE"}, "cannot be revoked before the day it was issued"),
    ({"reason": "Sai hồ sơ", "revoked_on": "TOMORROW"}, "The revocation date cannot be in the future."),
])
def test_a_bad_revocation_says_why_and_changes_nothing(client, staff_user, data, message):
    product = make_product(stars=4, issued_days_ago=30)
    cert = product.certification
    days = {"TODAY": vietnam_today(), "BEFORE": cert.issued_on - timedelta(days=1),
            "TOMORROW": vietnam_today() + timedelta(days=1)}
    data = {**data, "revoked_on": days[data["revoked_on"]].isoformat() if data["revoked_on"] else ""}
    response = client.post(f"/admin/products/{product.code}/evaluations/{cert.id}/revoke", data=data)
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    assert db.session.get(Evaluation, cert.id).revoked_at is None
    assert count_rows(AuditEntry) == 0


def test_below_three_stars_has_no_certificate_to_revoke(client, staff_user):
    product = make_product(stars=2)
    evaluation = product.evaluations[0]
    assert client.get(f"/admin/products/{product.code}/evaluations/{evaluation.id}/revoke").status_code == 404
    other = make_product(stars=4)
    assert client.get(f"/admin/products/{other.code}/evaluations/{evaluation.id}/revoke").status_code == 404


def test_the_evaluations_list_searches_and_filters(client, staff_user):
    sauce = make_product("Nước mắm Cửa Khe", stars=4)
    make_product("Trà hoa vàng", stars=2)
    old = make_product("Bánh tráng Đại Lộc", stars=3, issued_days_ago=1200)
    found = client.get("/admin/evaluations", query_string={"q": "nuoc mam"}).text
    assert "Nước mắm Cửa Khe" in found and "Trà hoa vàng" not in found
    by_certificate = client.get("/admin/evaluations", query_string={"q": sauce.certification.certificate_no}).text
    assert "Nước mắm Cửa Khe" in by_certificate and "Trà hoa vàng" not in by_certificate
    below = client.get("/admin/evaluations", query_string={"state": "below"}).text
    assert "Trà hoa vàng" in below and "Cửa Khe" not in below
    expired = client.get("/admin/evaluations", query_string={"state": "expired"}).text
    assert old.name_vi in expired and "Cửa Khe" not in expired
    year = old.evaluations[0].issued_on.year
    assert old.name_vi in client.get("/admin/evaluations", query_string={"year": year}).text
    assert client.get("/admin/evaluations", query_string={"stars": "9", "year": "x"}).status_code == 200
