"""The audit log keeps what changed, and only what changed, in the change's own transaction."""
from storefront.audit.models import AuditEntry
from storefront.audit.services import record_change, record_history, snapshot
from storefront.accounts.services import create_user
from storefront.extensions import db
from tests.factories import make_product

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
