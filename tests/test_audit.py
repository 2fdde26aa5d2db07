"""The audit log keeps what changed, and only what changed, in the change's own transaction;
what writes entries; and the page staff browse it on."""
import re
from datetime import date, datetime

import pytest
from sqlalchemy import event

from storefront.accounts.services import create_user
from storefront.audit.models import AuditEntry
from storefront.audit.services import AuditFilters, audit_page, record_change, record_history, snapshot
from storefront.extensions import db
from storefront.outlets.services import OutOfStock, adjust_stock, count_stock
from tests.conftest import PASSWORD
from tests.factories import make_outlet, make_product, make_user, stock

FIELDS = ("name_vi", "price", "active")


def test_an_update_keeps_only_the_fields_that_changed(app):
    staff = create_user(email="staff@example.vn", password="long enough pw", role="staff")
    product = make_product("Nước mắm Cửa Khe", price=150_000)
    before = snapshot(product, FIELDS)
    product.price = 165_000
    record_change(actor=staff, record=product, action="update", before=before,
                  after=snapshot(product, FIELDS), label=product.name_vi)
    db.session.commit()

    [entry] = record_history(product)
    assert (entry.record_type, entry.record_id, entry.user_id) == ("product", product.id, staff.id)
    assert entry.changes == {"price": [150_000, 165_000]}
    assert entry.record_label == "Nước mắm Cửa Khe"


def test_an_update_that_changes_nothing_writes_nothing(app):
    product = make_product()
    same = snapshot(product, FIELDS)
    assert record_change(actor=None, record=product, action="update", before=same, after=same) is None
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_an_entry_is_undone_with_its_change(app):
    product = make_product(price=150_000)
    before = snapshot(product, FIELDS)
    product.price = 1
    record_change(actor=None, record=product, action="update", before=before, after=snapshot(product, FIELDS))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0
    assert db.session.get(type(product), product.id).price == 150_000


# --- What writes entries -----------------------------------------------------------------------





def all_entries() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)))


def test_a_managers_adjustment_is_logged_with_the_level_before_and_after(client, login_as):
    manager = login_as("manager")
    outlet = make_outlet("QN-A")
    manager.outlets.append(outlet)
    db.session.commit()
    product = make_product(code="NM-01")
    stock(outlet, product, 10)

    client.post("/manage/QN-A/adjust", data={"product_code": "NM-01", "change": "-3", "reason": "Chai vỡ"})

    [entry] = all_entries()
    assert (entry.record_type, entry.action, entry.user_id) == ("stock_level", "adjust", manager.id)
    assert entry.changes == {"on_hand": [10, 7], "reason": [None, "Chai vỡ"]}
    assert entry.record_label == f"{product.name_vi} · QN-A"


def test_a_refused_adjustment_logs_nothing(app):
    outlet, product = make_outlet("QN-A"), make_product()
    stock(outlet, product, 2)
    with pytest.raises(OutOfStock):
        adjust_stock(outlet=outlet, product=product, change=-5, reason="lost", user=None)
    assert all_entries() == []


def test_a_stock_take_logs_each_level_it_changed(app):
    outlet, counter = make_outlet("QN-A"), make_user("manager")
    same, fewer = make_product("Nước mắm", code="NM-01"), make_product("Rượu", code="RU-01")
    stock(outlet, same, 4)
    stock(outlet, fewer, 9)

    count_stock(outlet=outlet, counts=[(same, 4), (fewer, 6)], user=counter, reference="kiem-ke.csv")

    [entry] = all_entries()
    assert (entry.action, entry.user_id, entry.record_label) == ("count", counter.id, "Rượu · QN-A")
    assert entry.changes == {"on_hand": [9, 6], "reason": [None, "stock-take kiem-ke.csv"]}


def test_users_create_logs_the_account_and_its_outlets(app):
    make_outlet("QN-A")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "ql@example.vn", "--role", "manager", "--outlet", "QN-A"],
        input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output

    actions = [(entry.record_type, entry.action, entry.user_id, entry.changes) for entry in all_entries()]
    assert actions[0][:3] == ("user", "create", None)
    assert actions[0][3]["role"] == [None, "manager"]
    assert actions[1:] == [("user", "assign_outlet", None, {"outlets": [[], ["QN-A"]]}),
                           ("outlet", "assign_manager", None, {"managers": [[], ["ql@example.vn"]]})]


# --- The log page ------------------------------------------------------------------------------


def log(record, *, user=None, action="update", when=None, changes=None, label="") -> AuditEntry:
    entry = AuditEntry(user_id=user.id if user else None, record_type=record.__tablename__, record_id=record.id,
                       record_label=label or getattr(record, "name", "") or getattr(record, "email", ""),
                       action=action, changes=changes or {"field": [1, 2]},
                       created_at=when or datetime(2026, 3, 1, 3, 0))
    db.session.add(entry)
    db.session.commit()
    return entry


def shown_ids(page: str) -> list[str]:
    return re.findall(r'<dt>field</dt><dd><span class="before">(\d+)</span>', page)


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")


def test_the_log_shows_who_when_what_and_before_after_with_links(client, login_as, english):
    admin = login_as("admin", email="boss@example.vn")
    outlet = make_outlet("QN-A", name="Điểm A")
    log(outlet, user=admin, when=datetime(2026, 1, 1, 17, 30), changes={"phone": ["0235 1", "0235 2"]})
    log(admin, action="change_role", changes={"role": ["staff", "admin"]}, label="boss@example.vn")

    page = client.get("/admin/audit").text

    assert '<a href="/admin/outlets/QN-A">Điểm A</a>' in page
    assert f'<a href="/admin/users/{admin.id}">boss@example.vn</a>' in page
    assert "2 Jan 2026 00:30" in page  # 17:30 UTC on 1 January is 00:30 on the 2nd in Vietnam
    assert '<span class="before">0235 1</span> → <span class="after">0235 2</span>' in page
    assert "system" in page  # the entry without a person


def test_staff_see_people_entries_without_a_link_to_the_admins_page(client, login_as, english):
    staff = login_as("staff", email="staff@example.vn")
    log(staff, action="change_role", label="staff@example.vn")
    page = client.get("/admin/audit").text
    assert "Person: staff@example.vn" in page and "/admin/users/" not in page


def test_the_log_filters_by_person_kind_and_days(client, login_as, english):
    admin = login_as("admin", email="boss@example.vn")
    other = make_user("staff", email="other@example.vn")
    outlet = make_outlet("QN-A")
    march_first, march_second = datetime(2026, 3, 1, 3, 0), datetime(2026, 3, 2, 3, 0)
    log(outlet, user=admin, when=march_first, changes={"field": [1, 0]})
    log(outlet, user=other, when=march_first, changes={"field": [2, 0]})
    log(other, user=admin, when=march_second, changes={"field": [3, 0]})
    # 16:59 UTC on 2 March is 23:59 in Vietnam, still the 2nd; 17:00 UTC is the 3rd.
    log(outlet, user=admin, when=datetime(2026, 3, 2, 16, 59), changes={"field": [4, 0]})
    log(outlet, user=admin, when=datetime(2026, 3, 2, 17, 0), changes={"field": [5, 0]})

    def ids(query: str) -> list[str]:
        return shown_ids(client.get(f"/admin/audit?{query}").text)

    assert ids("") == ["5", "4", "3", "2", "1"]
    assert ids("person=OTHER@example.vn") == ["2"]
    assert ids("kind=outlet") == ["5", "4", "2", "1"]
    assert ids("kind=user&person=boss@example.vn") == ["3"]
    assert ids("from=2026-03-02&to=2026-03-02") == ["4", "3"]
    assert ids("from=2026-03-03") == ["5"]
    assert ids("to=2026-03-01") == ["2", "1"]
    assert ids("from=2027-01-01") == []
    unknown = client.get("/admin/audit?person=who@example.vn&from=yesterday&kind=cheese")
    assert unknown.status_code == 200
    assert "No account has the email who@example.vn." in unknown.text
    assert "“yesterday” is not a date; it was left out." in unknown.text


def test_the_log_pages_by_id_newest_first(client, login_as, english):
    login_as("staff")
    outlet = make_outlet("QN-A")
    for number in range(1, 121):
        log(outlet, changes={"field": [number, 0]})

    first = client.get("/admin/audit").text
    assert shown_ids(first)[:2] == ["120", "119"] and len(shown_ids(first)) == 50
    assert "Newer" not in first
    older = re.search(r'href="([^"]+)">Older', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert shown_ids(second)[0] == "70" and shown_ids(second)[-1] == "21"
    newer = re.search(r'href="([^"]+)">‹ Newer', second).group(1).replace("&amp;", "&")
    assert shown_ids(client.get(newer).text) == shown_ids(first)
    last = client.get(re.search(r'href="([^"]+)">Older', second).group(1).replace("&amp;", "&")).text
    assert shown_ids(last) == [str(number) for number in range(20, 0, -1)]
    assert "Older" not in last


def test_a_page_of_the_log_starts_from_an_id_and_never_counts_the_log(app):
    """Keyset pages: an older page is read from the index below the last id shown, so it costs
    what the first page costs; nothing counts the table."""
    outlet = make_outlet("QN-A")
    written = [log(outlet) for _ in range(5)]
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = audit_page(AuditFilters(first_day=date(2026, 1, 1)), before=written[3].id, per_page=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert [entry.id for entry in page.entries] == [written[2].id, written[1].id]
    assert page.older_than == written[1].id and page.newer_than == written[2].id
    assert any("audit_entry.id < " in statement for statement in statements)
    assert not any("count(" in statement for statement in statements)


def test_the_log_page_lists_nothing_yet(client, login_as, english):
    login_as("staff")
    assert "No change matches." in client.get("/admin/audit").text
    assert client.get("/admin/audit?before=abc&after=-1").status_code == 200
