"""Does the time a login takes tell whether the email has an account? Median of 15 wrong
passwords against an existing account and 15 against unknown emails, with the production hash
(scrypt), in process; and what the password rule (zxcvbn) costs a sign-up.

    .venv/bin/python bench/login_timing.py
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from config import TestConfig  # noqa: E402
from storefront import create_app  # noqa: E402
from storefront.accounts.services import check_password_rules, create_user  # noqa: E402
from storefront.extensions import db  # noqa: E402

RUNS = 15


class ProductionHashConfig(TestConfig):
    PASSWORD_HASH_METHOD = "scrypt"


def median_ms(action) -> float:
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    app = create_app(ProductionHashConfig)
    with app.app_context():
        db.create_all()
        create_user(email="lan@example.vn", password="correct horse battery")
        client = app.test_client()
        wrong = {"password": "wrong guess here"}
        known = median_ms(lambda: client.post("/login", data=wrong | {"email": "lan@example.vn"}))
        unknown = median_ms(lambda: client.post("/login", data=wrong | {"email": "nobody@example.vn"}))
        rule = median_ms(lambda: check_password_rules("an entirely new secret", email="lan@example.vn"))
    print(f"login, existing account, wrong password: {known:6.0f} ms")
    print(f"login, unknown email:                    {unknown:6.0f} ms")
    print(f"password rule (zxcvbn) for one password: {rule:6.1f} ms")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
