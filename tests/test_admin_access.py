"""Every /admin route, found by walking the URL map so a new one is covered the day it is added:
customers and managers get 403, staff get 403 on the admin-only ones, anonymous visitors go
to the login page, and nothing is changed by a refused request."""
import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from storefront.audit.models import AuditEntry
from storefront.extensions import db

ADMIN_ONLY_PREFIX = "/admin/users"


def admin_requests(app) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every /admin rule, with made-up values for its parts."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif isinstance(converter, IntegerConverter):
                values[name] = 1
            else:
                values[name] = "QN-X"
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return found


def request(client, method: str, url: str):
    return client.open(url, method=method, data={})


def test_the_walk_finds_the_back_office_routes(app):
    endpoints = {endpoint for _method, _url, endpoint in admin_requests(app)}
    assert {"admin.outlets", "admin.outlet_new", "admin.people", "admin.person_role", "admin.imports",
            "admin.import_file", "admin.audit_log", "admin.outlet_coverage"} <= endpoints


def test_every_admin_route_checks_a_back_office_role(app):
    """A route without the role decorator has no `allowed_roles`: it would be open to anyone."""
    for _method, _url, endpoint in admin_requests(app):
        roles = getattr(app.view_functions[endpoint], "allowed_roles", None)
        assert roles in (("staff", "admin"), ("admin",)), f"{endpoint} does not check a back-office role"


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_customers_and_managers_get_403_everywhere_in_admin(app, client, login_as, role):
    login_as(role)
    for method, url, _endpoint in admin_requests(app):
        assert request(client, method, url).status_code == 403, f"{method} {url}"
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_staff_get_403_on_the_admin_only_routes_and_reach_the_rest(app, client, login_as):
    login_as("staff")
    for method, url, endpoint in admin_requests(app):
        admin_only = getattr(app.view_functions[endpoint], "allowed_roles", None) == ("admin",)
        assert admin_only == url.startswith(ADMIN_ONLY_PREFIX), endpoint
        status = request(client, method, url).status_code
        if admin_only:
            assert status == 403, f"{method} {url}"
        else:
            assert status != 403, f"{method} {url}"


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    for method, url, _endpoint in admin_requests(app):
        response = request(client, method, url)
        assert response.status_code == 302 and "/login" in response.location, f"{method} {url}"
