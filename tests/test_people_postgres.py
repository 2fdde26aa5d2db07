"""Two admins demoting each other at the same moment on PostgreSQL: one must stay an admin.

Runs only with TEST_DATABASE_URL pointing at PostgreSQL (SQLite serialises writers).
"""
import threading
from collections import Counter

import pytest

from storefront.accounts.models import User
from storefront.accounts.services import AccountError, change_role, disable_user
from storefront.extensions import db
from tests.conftest import require
from tests.factories import make_user

pytestmark = pytest.mark.postgres
ROUNDS = 10


@pytest.mark.parametrize("take_away", ["demote", "disable"])
def test_racing_admins_never_leave_the_shop_without_one(app, take_away):
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    for _ in range(ROUNDS):
        first, second = make_user("admin"), make_user("admin")
        barrier = threading.Barrier(2)
        outcomes: Counter = Counter()

        def act(actor_id: int, target_id: int) -> None:
            with app.app_context():
                actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
                barrier.wait()
                try:
                    if take_away == "demote":
                        change_role(user=target, role="staff", actor=actor)
                    else:
                        disable_user(user=target, actor=actor)
                    outcomes["done"] += 1
                except AccountError:
                    outcomes["refused"] += 1

        threads = [threading.Thread(target=act, args=pair) for pair in ((first.id, second.id), (second.id, first.id))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert outcomes == Counter(done=1, refused=1)
        db.session.expire_all()
        admins = db.session.scalars(db.select(User).where(User.role == "admin", User.active.is_(True))).all()
        assert len(admins) == 1
        for user in admins:  # back to no admin for the next round
            user.role = "customer"
        db.session.commit()
