"""People (admins only): finding accounts, roles, outlets, disabling, reset links — each audited."""
import re

import pytest

from storefront.accounts.models import User
from storefront.accounts.services import AccountError, change_role, create_user, disable_user
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.conftest import PASSWORD
from tests.factories import make_outlet, make_user


pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English

@pytest.fixture
def admin(login_as):
    return login_as("admin", email="boss@example.vn")


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def entries(action: str | None = None) -> list[AuditEntry]:
    statement = db.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        statement = statement.where(AuditEntry.action == action)
    return list(db.session.scalars(statement))


def listed_emails(page: str) -> list[str]:
    return re.findall(r'<small class="code">([^<]+@[^<]+)</small>', page)


# Finding people


def test_the_list_finds_people_by_name_with_or_without_diacritics_and_by_email(client, admin):
    create_user(email="an@example.vn", password=PASSWORD, name="Nguyễn Văn An")
    create_user(email="dao@example.vn", password=PASSWORD, name="Trần Thị Đào")

    assert listed_emails(client.get("/admin/users?q=nguyen van an").text) == ["an@example.vn"]
    assert listed_emails(client.get("/admin/users?q=Nguyễn").text) == ["an@example.vn"]
    assert listed_emails(client.get("/admin/users?q=dao").text) == ["dao@example.vn"]
    assert listed_emails(client.get("/admin/users?q=dao@example").text) == ["dao@example.vn"]
    assert listed_emails(client.get("/admin/users?q=100%25").text) == []


def test_the_list_filters_by_role_and_status_and_pages(client, admin):
    make_user("manager", email="ql@example.vn")
    off = make_user("customer", email="off@example.vn")
    disable_user(user=off, actor=None)
    for number in range(55):
        make_user("customer", email=f"khach{number:02d}@example.vn")

    assert listed_emails(client.get("/admin/users?role=manager").text) == ["ql@example.vn"]
    assert listed_emails(client.get("/admin/users?status=disabled").text) == ["off@example.vn"]
    first, second = client.get("/admin/users?role=customer").text, client.get("/admin/users?role=customer&page=2").text
    assert "56 accounts" in first and "Page 1 of 2" in first
    assert len(listed_emails(first)) == 50 and len(listed_emails(second)) == 6
    assert not set(listed_emails(first)) & set(listed_emails(second))
    assert client.get("/admin/users?role=boss&status=x&page=-3").status_code == 200


def test_an_unknown_person_is_404(client, admin):
    assert client.get("/admin/users/9999").status_code == 404
    assert client.post("/admin/users/9999/role", data={"role": "staff"}).status_code == 404


# Roles


def test_an_admin_changes_a_role_and_the_log_keeps_before_and_after(client, admin):
    lan = make_user("customer", email="lan@example.vn")

    response = client.post(f"/admin/users/{lan.id}/role", data={"role": "staff"}, follow_redirects=True)

    assert "lan@example.vn is now: Programme staff." in response.text
    assert fresh(lan).role == "staff"
    [entry] = entries("change_role")
    assert (entry.user_id, entry.record_type, entry.record_id) == (admin.id, "user", lan.id)
    assert entry.changes == {"role": ["customer", "staff"]}
    assert "customer" in response.text and "staff" in response.text  # the person's history


@pytest.mark.parametrize("role", ["boss", "", "ADMIN"])
def test_an_unknown_role_is_refused_and_nothing_changes(client, admin, role):
    lan = make_user("customer", email="lan@example.vn")

    response = client.post(f"/admin/users/{lan.id}/role", data={"role": role})

    assert response.status_code == 200
    assert "Not a valid choice." in response.text
    assert fresh(lan).role == "customer"
    assert entries() == []


def test_the_last_admin_cannot_stop_being_one(client, admin):
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "staff"})

    assert "boss@example.vn is the last active admin: make someone else an admin first." in response.text
    assert fresh(admin).role == "admin"
    assert entries() == []


def test_an_admin_may_step_down_when_another_remains(client, admin):
    make_user("admin", email="other-boss@example.vn")
    client.post(f"/admin/users/{admin.id}/role", data={"role": "staff"})
    assert fresh(admin).role == "staff"
    # On the very next request: the role change ended their session; they log in again as staff.
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_disabled_admins_do_not_count_as_the_remaining_one(admin):
    other = make_user("admin", email="other-boss@example.vn")
    disable_user(user=other, actor=admin)
    with pytest.raises(AccountError):
        change_role(user=admin, role="staff", actor=None)


def test_a_manager_who_gets_another_role_stops_running_their_outlets(client, admin):
    outlet = make_outlet("QN-TP-01")
    manager = make_user("manager", email="ql@example.vn", outlets=[outlet])

    client.post(f"/admin/users/{manager.id}/role", data={"role": "customer"})

    assert fresh(manager).outlets == []
    actions = [(entry.record_type, entry.action, entry.changes) for entry in entries()]
    assert actions == [
        ("user", "unassign_outlet", {"outlets": [["QN-TP-01"], []]}),
        ("outlet", "unassign_manager", {"managers": [["ql@example.vn"], []]}),
        ("user", "change_role", {"role": ["manager", "customer"]}),
    ]


# Outlets of a manager


def test_an_admin_gives_a_manager_an_outlet_and_takes_it_back(client, admin):
    outlet = make_outlet("QN-TP-01")
    manager = make_user("manager", email="ql@example.vn")

    added = client.post(f"/admin/users/{manager.id}/outlets", data={"code": " qn-tp-01 "}, follow_redirects=True)
    assert "ql@example.vn now runs" in added.text
    assert [o.code for o in fresh(manager).outlets] == ["QN-TP-01"]

    client.post(f"/admin/users/{manager.id}/outlets/QN-TP-01/remove")
    assert fresh(manager).outlets == []
    assert [(entry.record_type, entry.action) for entry in entries()] == [
        ("user", "assign_outlet"), ("outlet", "assign_manager"), ("user", "unassign_outlet"), ("outlet", "unassign_manager"),
    ]
    assert entries("assign_manager")[0].record_id == outlet.id


@pytest.mark.parametrize("role, code, message", [
    ("manager", "NOPE-1", "No outlet has the code NOPE-1."),
    ("manager", "", "This field is required."),
    ("customer", "QN-TP-01", "is not a manager: change the account&#39;s role to manager first."),
], ids=["unknown outlet", "no code", "not a manager"])
def test_a_bad_outlet_assignment_is_refused(client, admin, role, code, message):
    make_outlet("QN-TP-01")
    user = make_user(role, email="someone@example.vn")

    response = client.post(f"/admin/users/{user.id}/outlets", data={"code": code})

    assert response.status_code == 200
    assert message in response.text
    assert fresh(user).outlets == [] and entries() == []


def test_removing_an_outlet_the_manager_does_not_run_is_404(client, admin):
    make_outlet("QN-TP-01")
    manager = make_user("manager")
    assert client.post(f"/admin/users/{manager.id}/outlets/QN-TP-01/remove").status_code == 404


# Disabling


def test_a_disabled_account_cannot_log_in_and_its_open_session_ends(app, client, admin):
    lan = create_user(email="lan@example.vn", password=PASSWORD, role="staff")
    lan_client = app.test_client()
    lan_client.set_cookie("lang", "en")
    assert lan_client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD}).status_code == 302
    assert lan_client.get("/admin/").status_code == 200

    response = client.post(f"/admin/users/{lan.id}/disable", follow_redirects=True)

    assert "lan@example.vn is disabled" in response.text
    assert not fresh(lan).active
    next_request = lan_client.get("/admin/")
    assert next_request.status_code == 302 and "/login" in next_request.location
    refused = lan_client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})
    assert refused.status_code == 200 and "Wrong email or password." in refused.text
    assert [entry.changes for entry in entries("disable")] == [{"active": [True, False]}]
    assert db.session.get(User, lan.id) is not None  # the account and its history stay


def test_an_enabled_account_logs_in_again(app, client, admin):
    lan = create_user(email="lan@example.vn", password=PASSWORD)
    disable_user(user=lan, actor=admin)

    client.post(f"/admin/users/{lan.id}/enable")

    assert fresh(lan).active
    assert app.test_client().post("/login", data={"email": "lan@example.vn", "password": PASSWORD}).status_code == 302
    assert [entry.changes for entry in entries("enable")] == [{"active": [False, True]}]


def test_an_admin_cannot_disable_themselves(client, admin):
    response = client.post(f"/admin/users/{admin.id}/disable")

    assert "You cannot disable your own account." in response.text
    assert fresh(admin).active and entries() == []
    assert "Disable the account" not in client.get(f"/admin/users/{admin.id}").text


# Reset links


def test_an_admin_sends_a_reset_link(client, admin, caplog):
    caplog.set_level("INFO")
    lan = create_user(email="lan@example.vn", password=PASSWORD)

    response = client.post(f"/admin/users/{lan.id}/reset-link", follow_redirects=True)

    assert "A password-reset link is on its way to lan@example.vn." in response.text
    assert re.search(r"/password/reset/\S+", caplog.text)
    assert "Subject: Đặt lại mật khẩu OCOP Market" in caplog.text  # in the shop's language, Vietnamese
    [entry] = entries("send_reset_link")
    assert (entry.user_id, entry.record_id) == (admin.id, lan.id)


def test_no_reset_link_for_a_disabled_account(client, admin, caplog):
    caplog.set_level("INFO")
    lan = create_user(email="lan@example.vn", password=PASSWORD)
    disable_user(user=lan, actor=admin)

    response = client.post(f"/admin/users/{lan.id}/reset-link")

    assert "lan@example.vn is disabled: enable the account before sending it a link." in response.text
    assert "/password/reset/" not in caplog.text
    assert entries("send_reset_link") == []
