"""The staff login's brake behind a reverse proxy: counts shared through Redis, per account and real address."""

from __future__ import annotations

import pytest
from catalog.catalog_data import load_standard_catalog
from conftest import free_port_url
from staff_support import PASSWORD, form_fields

from aula_catalog.admin.auth import create_staff_user
from aula_catalog.app import create_app
from aula_catalog.config import CatalogConfig
from aula_shared.settings import Settings, SettingsError

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:wtforms.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:flask_admin.*"),
]

TRAEFIK = "10.0.0.2"  # the proxy: every request reaches the catalog from it


@pytest.fixture(scope="module")
def brake_database(module_database) -> str:
    url = module_database()
    load_standard_catalog(url)
    create_staff_user(url, "alice", PASSWORD)
    create_staff_user(url, "bob", PASSWORD)
    return url


def proxied_app(url: str, redis_url: str, hops: int = 1):
    settings = Settings(database_url=url, redis_url=redis_url, secret_key="test-secret-key-" + "x" * 32)
    return create_app(settings, CatalogConfig(revision_ttl=0.0, secure_cookies=False, trusted_proxies=hops))


def attempt(app, username: str, password: str, forwarded_for: str | None = None) -> int:
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    environ = {"REMOTE_ADDR": TRAEFIK}
    page = client.get("/admin/login", headers=headers, environ_base=environ)
    token = form_fields(page.get_data(as_text=True))["csrf_token"]
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/admin/login", data=data, headers=headers, environ_base=environ).status_code


def test_two_app_instances_count_the_same_failures(brake_database, redis_url, redis_client):
    first, second = proxied_app(brake_database, redis_url), proxied_app(brake_database, redis_url)
    for app in (first, second) * 5:
        assert attempt(app, "alice", "guess guess guess", "203.0.113.5") == 401
    assert attempt(second, "alice", PASSWORD, "203.0.113.5") == 429
    assert attempt(first, "alice", PASSWORD, "203.0.113.5") == 429
    assert redis_client.keys("aula:staff-login*")  # the counts live in Redis, not in either process


def test_guessing_through_the_proxy_does_not_lock_out_the_other_staff(brake_database, redis_url, redis_client):
    app = proxied_app(brake_database, redis_url)
    for _ in range(10):
        assert attempt(app, "alice", "guess guess guess", "203.0.113.5") == 401
    assert attempt(app, "alice", PASSWORD, "203.0.113.5") == 429
    assert attempt(app, "bob", PASSWORD, "198.51.100.7") == 302  # another staff member, another address
    assert attempt(app, "alice", PASSWORD, "198.51.100.8") == 302  # alice herself, from her own address


def test_guessing_many_accounts_from_one_address_is_braked_too(brake_database, redis_url, redis_client):
    app = proxied_app(brake_database, redis_url)
    for number in range(30):
        assert attempt(app, f"user{number}", "guess guess guess", "203.0.113.5") == 401
    assert attempt(app, "bob", PASSWORD, "203.0.113.5") == 429
    assert attempt(app, "bob", PASSWORD, "198.51.100.7") == 302


def test_a_forwarded_for_beyond_the_trusted_hops_is_not_believed(brake_database, redis_url, redis_client):
    app = proxied_app(brake_database, redis_url)
    # The client writes its own X-Forwarded-For, a new made-up address each time; Traefik appends the real one.
    for number in range(10):
        assert attempt(app, "alice", "guess guess guess", f"192.0.2.{number}, 203.0.113.5") == 401
    assert attempt(app, "alice", PASSWORD, "192.0.2.99, 203.0.113.5") == 429
    assert attempt(app, "alice", PASSWORD, "203.0.113.6") == 302


def test_without_trusted_proxies_the_header_is_ignored(brake_database, redis_url, redis_client):
    app = proxied_app(brake_database, redis_url, hops=0)
    for number in range(10):
        assert attempt(app, "alice", "guess guess guess", f"192.0.2.{number}") == 401
    assert attempt(app, "alice", PASSWORD, "198.51.100.8") == 429  # one peer (the proxy's address) for all


@pytest.mark.parametrize("value", ["-1", "one", "11"])
def test_a_bad_trusted_proxies_setting_is_named(value):
    with pytest.raises(SettingsError, match="CATALOG_TRUSTED_PROXIES"):
        CatalogConfig.from_env(Settings(embedded=True), {"CATALOG_TRUSTED_PROXIES": value})


def test_with_redis_unreachable_the_brake_counts_in_the_process(brake_database):
    app = proxied_app(brake_database, free_port_url())  # nothing listens there
    assert attempt(app, "bob", PASSWORD, "198.51.100.7") == 302  # the staff are not locked out by an outage
    for _ in range(10):
        assert attempt(app, "alice", "guess guess guess", "203.0.113.5") == 401
    assert attempt(app, "alice", PASSWORD, "203.0.113.5") == 429  # nor is guessing let through
