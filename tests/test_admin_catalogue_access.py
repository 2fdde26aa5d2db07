"""Every back-office catalogue page is for staff and admins: customers and managers get 403,
visitors who are not logged in are sent to the login page."""
import pytest

from tests.factories import make_lot, make_product

ENDPOINTS = (
    "admin.producers", "admin.producer_lookup_json", "admin.producer_new", "admin.producer_edit",
    "admin.producer_page", "admin.producer_active", "admin.products", "admin.product_new", "admin.product_edit",
    "admin.product_page", "admin.product_active", "admin.photos_add", "admin.photo_move", "admin.photo_delete",
    "admin.evaluations", "admin.evaluation_add", "admin.evaluation_revoke", "admin.lot_add", "admin.lot_page",
    "admin.lot_event_add", "admin.lot_event_remove", "admin.lot_labels", "admin.lot_labels_file",
)


def catalogue_routes(app, product, lot) -> list[tuple[str, str]]:
    values = {"producer_id": product.producer_id, "code": product.code, "photo_id": 1,
              "evaluation_id": product.certification_id, "lot_code": lot.lot_code, "event_id": 1,
              "extension": "pdf"}
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ENDPOINTS:
            url = rule.build({name: values[name] for name in rule.arguments})[1]
            routes += [(method, url) for method in sorted(rule.methods & {"GET", "POST"})]
    return routes


def test_every_catalogue_endpoint_is_listed(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/admin/producers", "/admin/products", "/admin/evaluations"))} == set(ENDPOINTS)


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_customers_and_managers_are_refused(app, client, login_as, role):
    product = make_product()
    routes = catalogue_routes(app, product, make_lot(product))
    login_as(role)
    for method, url in routes:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_visitors_are_sent_to_log_in(app, client):
    product = make_product()
    for method, url in catalogue_routes(app, product, make_lot(product)):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.location, (method, url)
