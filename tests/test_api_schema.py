"""Schemathesis reads /api/v1/openapi.json, derived from the routes' schemas, and sends what it
describes and what it does not expect (out-of-range numbers, odd strings, wrong types): never a
5xx, every answer a status and a body the document gives, and what it describes as invalid refused."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from tests.conftest import PASSWORD
from tests.factories import make_lot, make_outlet, make_plan, make_product, stock

# Every default check but "positive data is accepted": a filter the document types as a string
# but that names nothing here (an unknown area) is a 400, as is the search's blank q.
EXCLUDED = [positive_data_acceptance]
# Logged in, its client keeps the session cookie the answer refreshes, so "the API refuses a request
# without the session" cannot be checked that way: the anonymous test asks without one (a 401).
EXCLUDED_FOR_STAFF = [*EXCLUDED, ignored_auth]
EXAMPLES = 20
STAFF_OPERATIONS = {"/reports/growth", "/plans/{plan_id}/dashboard"}


@pytest.fixture
def seeded(app):
    product = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, issued_days_ago=500)
    make_lot(product, "QN-LOT-01", standards=["VietGAP"])
    stock(make_outlet("QN-A"), product, 5)
    make_product("Trà Shan tuyết", code="TR-01", stars=5, group="beverage", name_en="Shan tuyet tea")
    return {"slug": product.slug, "code": "QN-A", "plan_id": make_plan(None, 2025, certified_share=70).id}


def staff_session(client) -> dict:
    from storefront.accounts.services import create_user

    user = create_user(email="staff@example.vn", password=PASSWORD, role="staff")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return {"session": client.get_cookie("session").value}


def keeps_to_the_document(operation, cookies: dict, excluded: list) -> None:
    """Generated cases for one operation (schemathesis's own pytest plugin does not run under pytest 9)."""
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.cookies = (case.cookies or {}) | cookies
        case.call_and_validate(excluded_checks=excluded, headers=PLAIN)

    check()


def known(operation, seeded: dict, cookies: dict, excluded: list, status: int = 200) -> None:
    """The seeded product, outlet and plan: the 200 answers, which random values seldom reach."""
    parameters = {name: seeded[name] for name in ("slug", "code", "plan_id") if f"{{{name}}}" in operation.path}
    query = {"q": "nuoc mam"} if operation.path == "/search" else {}
    response = operation.Case(path_parameters=parameters, query=query, cookies=cookies).call_and_validate(
        excluded_checks=excluded, headers=PLAIN)
    assert response.status_code == status, (operation.path, response.text)


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# Its WSGI client asks for gzip as requests does but does not decode it.
PLAIN = {"Accept-Encoding": "identity"}


def test_the_api_keeps_to_its_document(api_schema, seeded):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        keeps_to_the_document(operation, {}, EXCLUDED)
        known(operation, seeded, {}, EXCLUDED, 401 if operation.path in STAFF_OPERATIONS else 200)


def test_the_staff_api_keeps_to_its_document_for_staff(api_schema, seeded, client):
    session = staff_session(client)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in (operation for operation in operations if operation.path in STAFF_OPERATIONS):
        known(operation, seeded, session, EXCLUDED_FOR_STAFF)
        keeps_to_the_document(operation, session, EXCLUDED_FOR_STAFF)
