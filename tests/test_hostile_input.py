"""The requests an outside probe answered with a 500 now get a 400 or 404 (JSON under /api/),
or the page with the bad value ignored."""
import pytest
from werkzeug.routing import AnyConverter

from storefront.accounts.services import AccountError, create_user
from storefront.extensions import db
from storefront.outlets.services import assign_outlets
from storefront.query_args import IdConverter
from tests.factories import make_outlet, make_product

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.mark.parametrize("url", ["/products?area=%00", "/trace/abc%00def", "/search?q=a%00b", "/outlets?page=%00"])
def test_a_nul_byte_is_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400 and "The request could not be understood." in response.text


def test_a_nul_byte_in_the_api_is_a_json_bad_request(client):
    response = client.get("/api/v1/products?area=%00")
    assert response.status_code == 400 and response.json["error"]["status"] == 400


def test_a_nul_byte_in_a_form_is_a_bad_request(client):
    response = client.post("/login", data={"email": "a\x00@example.vn", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", [
    "/products?min_price=2147483648", "/products?max_price=99999999999999999999999",
    "/products?page=9223372036854775808", "/outlets?page=9223372036854775808",
    "/search?q=mam&page=9223372036854775808",
])
def test_numbers_past_64_bits_are_ignored(client, url):
    make_product("Nước mắm Cửa Khe", code="NM-01")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [
    "/api/v1/outlets/QN-A/stock?page=9223372036854775808", "/api/v1/products?page=9223372036854775808",
    "/api/v1/search?q=mat&page=0", "/api/v1/products?per_page=10000000000000000000000",
])
def test_the_api_refuses_numbers_out_of_its_ranges(client, url):
    make_outlet("QN-A")
    response = client.get(url)
    assert response.status_code == 400 and "must be a whole number from 1 to" in response.json["error"]["message"]


@pytest.mark.parametrize("number", [2**31, 2**64])
def test_an_id_in_a_url_past_what_its_column_holds_is_not_found(app, client, login_as, number):
    """Every route with a number in its path, as an admin (who may reach them all): PostgreSQL
    refuses to compare an INTEGER id with 2**31 and SQLite cannot hold 2**64, which were 500s."""
    login_as("admin")
    routes = [rule for rule in app.url_map.iter_rules()
              if any(isinstance(converter, IdConverter) for converter in rule._converters.values())]
    assert len(routes) > 20
    for rule in routes:
        values = {name: path_value(converter, number) for name, converter in rule._converters.items()}
        with app.test_request_context():
            path = app.url_for(rule.endpoint, **values)
        method = "GET" if "GET" in rule.methods else "POST"
        assert client.open(path, method=method).status_code == 404, (method, path)


def path_value(converter, number: int):
    if isinstance(converter, IdConverter):
        return number
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


@pytest.mark.parametrize("url", ["/admin/users?page=9223372036854775808", "/admin/baselines?page=9223372036854775808",
                                 "/admin/declared?page=99999999999999999999", "/admin/outlets?page=-9223372036854775809"])
def test_staff_lists_ignore_pages_past_64_bits(client, login_as, url):
    login_as("admin")
    assert client.get(url).status_code == 200


def test_posts_missing_a_field_are_not_errors(client, login_as):
    make_product("Nước mắm Cửa Khe", code="NM-01", issued_days_ago=600)
    login_as("staff")
    assert client.post("/admin/declared/NM-01", data={"revenue": "1000", "profit": "10"}).status_code < 500
    assert client.post("/admin/targets", data={"value": "1.5"}).status_code < 500


def test_completing_a_sale_without_its_number_is_not_an_error(client, login_as):
    make_outlet("QN-A")
    assign_outlets(user=login_as("manager"), codes=["QN-A"])
    assert client.post("/manage/QN-A/pos/complete", data={}).status_code < 500


def test_two_sign_ups_racing_for_one_email_give_the_second_a_message(app, monkeypatch):
    """The second sign-up checked before the first committed: the unique email refuses it."""
    create_user(email="lan@example.vn", password="correct horse battery")
    monkeypatch.setattr("storefront.accounts.services.find_user", lambda email: None)  # it looked too early

    with pytest.raises(AccountError, match="lan@example.vn"):
        create_user(email="lan@example.vn", password="correct horse battery")
    assert db.session.scalar(db.select(db.func.count()).select_from(db.Model.metadata.tables["user"])) == 1
