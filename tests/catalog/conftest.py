"""Catalog fixtures: migrated PostgreSQL databases (one shared, loaded with the legacy data; fresh ones for
tests that write), SQLite files for the embedded default, and Flask apps over them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from catalog.catalog_data import load_standard_catalog
from flask import Flask

from aula_catalog.app import create_app
from aula_catalog.config import CatalogConfig
from aula_shared import components, db, migrations
from aula_shared.settings import Settings


def migrate(url: str) -> str:
    migrations.upgrade(components.by_name("catalog"), url)
    return url


def catalog_settings(url: str, **overrides) -> Settings:
    return Settings(database_url=url, embedded=True, secret_key="test-secret-key-" + "x" * 32, **overrides)


def make_app(url: str, **config) -> Flask:
    config.setdefault("revision_ttl", 0.0)  # tests see every change at once
    config.setdefault("secure_cookies", False)
    return create_app(catalog_settings(url), CatalogConfig(**config))


@pytest.fixture(scope="session")
def catalog_url(pg_url: str) -> str:
    """The session's PostgreSQL database, migrated and loaded with the standard legacy data. Read only!"""
    migrate(pg_url)
    load_standard_catalog(pg_url)
    return pg_url


@pytest.fixture(scope="session")
def app(catalog_url: str) -> Flask:
    return make_app(catalog_url)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture(scope="session")
def uncached_app(catalog_url: str) -> Flask:
    """Without the answer cache: every request runs its queries (for counting them)."""
    return make_app(catalog_url, answer_cache_mb=0)


@pytest.fixture
def uncached_client(uncached_app: Flask):
    return uncached_app.test_client()


class DatabaseFactory:
    """Empty, migrated PostgreSQL databases on the session's server, dropped by `drop_all`."""

    def __init__(self, pg_url: str) -> None:
        self.base = pg_url.rsplit("/", 1)[0]
        self.created: list[str] = []

    def __call__(self) -> str:
        name = f"aula_catalog_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return migrate(f"{self.base}/{name}")

    def drop_all(self) -> None:
        db.dispose_all()
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as admin:
            for name in self.created:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def new_database(pg_url: str) -> Iterator[Callable[[], str]]:
    """Factory of empty, migrated PostgreSQL databases, dropped after the test."""
    factory = DatabaseFactory(pg_url)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="module")
def module_database(pg_url: str) -> Iterator[Callable[[], str]]:
    """As new_database, for databases a whole test module shares."""
    factory = DatabaseFactory(pg_url)
    yield factory
    factory.drop_all()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A migrated SQLite file: the embedded default."""
    return migrate(f"sqlite:///{tmp_path / 'aula.db'}")
