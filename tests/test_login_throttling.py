"""Login throttling: per address and per account, counted in a store every worker shares, with
Retry-After, and the client's address taken from X-Forwarded-For only behind trusted proxies."""
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from config import BASE_DIR
from tests.conftest import PASSWORD, TestConfig, require

WRONG = {"email": "lan@example.vn", "password": "guessing again"}


class AccountLimitConfig(TestConfig):
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "100 per minute"
    ACCOUNT_RATE_LIMIT = "3 per minute"


class AddressLimitConfig(TestConfig):
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "3 per minute"
    ACCOUNT_RATE_LIMIT = "100 per minute"


class BehindOneProxyConfig(AddressLimitConfig):
    TRUSTED_PROXIES = 1


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_guesses_at_one_account_are_limited_whatever_address_sends_them(client_for):
    client = client_for(AccountLimitConfig)

    statuses = [client.post("/login", data=WRONG, **from_address(f"203.0.113.{n}")).status_code
                for n in range(1, 5)]
    other_account = client.post("/login", data=WRONG | {"email": "binh@example.vn"}, **from_address("203.0.113.9"))

    assert statuses == [200, 200, 200, 429]
    assert other_account.status_code == 200


def test_a_login_that_works_does_not_count_against_the_account(client_for):
    from storefront.accounts.services import create_user

    client = client_for(AccountLimitConfig)
    with client.application.app_context():
        create_user(email="lan@example.vn", password=PASSWORD)

    for _ in range(4):
        assert client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD}).status_code == 302
        client.post("/logout")
    assert client.post("/login", data=WRONG).status_code == 200


def test_one_address_is_limited_across_accounts(client_for):
    client = client_for(AddressLimitConfig)

    statuses = [client.post("/login", data=WRONG | {"email": f"user{n}@example.vn"}).status_code for n in range(4)]
    elsewhere = client.post("/login", data=WRONG, **from_address("198.51.100.7"))

    assert statuses == [200, 200, 200, 429]
    assert elsewhere.status_code == 200


def test_a_refused_attempt_says_when_to_try_again(client_for):
    client = client_for(AddressLimitConfig)

    for _ in range(3):
        client.post("/login", data=WRONG)
    refused = client.post("/login", data=WRONG)

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many attempts. Please wait a moment and try again." in refused.text


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client_for):
    """Otherwise each guess could claim a new address and never be limited."""
    client = client_for(AddressLimitConfig)

    statuses = [client.post("/login", data=WRONG, headers={"X-Forwarded-For": f"192.0.2.{n}"}).status_code
                for n in range(4)]

    assert statuses[-1] == 429


def test_x_forwarded_for_names_the_client_behind_one_trusted_proxy(client_for):
    """Behind the proxy every request comes from its address: the client is the one it forwards."""
    client = client_for(BehindOneProxyConfig)
    proxy = from_address("10.0.0.2")

    first_client = [client.post("/login", data=WRONG, headers={"X-Forwarded-For": "192.0.2.1"}, **proxy).status_code
                    for _ in range(4)]
    second_client = client.post("/login", data=WRONG, headers={"X-Forwarded-For": "192.0.2.2"}, **proxy)
    # A client's own X-Forwarded-For comes before the proxy's entry, and is not believed.
    spoofed = client.post("/login", data=WRONG, headers={"X-Forwarded-For": "192.0.2.99, 192.0.2.1"}, **proxy)

    assert first_client == [200, 200, 200, 429]
    assert second_client.status_code == 200
    assert spoofed.status_code == 429


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return False
    return True


def test_workers_sharing_redis_count_together(client_for):
    """Two apps stand for two gunicorn workers: their attempts add up to one limit."""
    require(redis_answers(), "Redis is not answering on 127.0.0.1:6379")

    class RedisConfig(AddressLimitConfig):
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379/0"
        RATELIMIT_KEY_PREFIX = f"test-{uuid.uuid4().hex}"  # apart from other runs on this server

    workers = [client_for(RedisConfig), client_for(RedisConfig)]

    statuses = [workers[n % 2].post("/login", data=WRONG).status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]


def start_production(tmp_path: Path, argv: list[str], **environment: str) -> subprocess.CompletedProcess:
    """create_app in a fresh interpreter (Config reads the environment on import), as `argv` runs it."""
    script = f"""
import sys
sys.argv = {argv!r}
from config import Config
from storefront import create_app
try:
    create_app(Config)
    print("started")
except RuntimeError as error:
    print(error)
"""
    env = {name: value for name, value in os.environ.items()
           if name not in ("DATABASE_URL", "SEARCH_INDEX_DIR", "FLASK_DEBUG", "WEB_CONCURRENCY",
                           "RATELIMIT_STORAGE_URI", "GUNICORN_CMD_ARGS")}
    env |= {"APP_ENV": "production", "SECRET_KEY": "x" * 64, "INSTANCE_DIR": str(tmp_path)} | environment
    return subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("argv, environment, outcome", [
    (["gunicorn", "--workers", "4", "storefront:create_app()"], {}, "refused"),
    (["gunicorn", "-w", "2", "storefront:create_app()"], {}, "refused"),
    (["gunicorn", "storefront:create_app()"], {"WEB_CONCURRENCY": "4"}, "refused"),
    (["gunicorn", "storefront:create_app()"], {"GUNICORN_CMD_ARGS": "--workers 3"}, "refused"),
    (["gunicorn", "storefront:create_app()"], {}, "started"),
    (["gunicorn", "--workers", "4", "storefront:create_app()"],
     {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, "started"),
], ids=["--workers 4", "-w 2", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "one worker", "redis"])
def test_production_refuses_limits_in_memory_with_several_workers(tmp_path, argv, environment, outcome):
    finished = start_production(tmp_path, argv, **environment)

    assert finished.returncode == 0, finished.stderr
    last_line = finished.stdout.splitlines()[-1]
    if outcome == "started":
        assert last_line == "started"
    else:
        assert last_line.startswith("RATELIMIT_STORAGE_URI must name a shared store")
