"""Fixtures every test may use: a fresh PostgreSQL database and a private Redis database, both real.

Each test session creates its own PostgreSQL database (dropped at the end) and picks a Redis database index
that no other running session holds, so suites may run side by side and never see an earlier run's state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

PG_ADMIN_URL = os.environ.get("AULA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_SERVER = os.environ.get("AULA_TEST_REDIS", "redis://127.0.0.1:6379")
ROOT = Path(__file__).resolve().parent.parent
SHELF = ROOT.parent / "shared"  # the team's read-only shelf: fixtures, legacy data
FIXTURES = SHELF / "telegram-fixtures"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of an empty PostgreSQL database that lives as long as the test session."""
    name = f"aula_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    from aula_shared import db

    db.dispose_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _claim_redis_db() -> tuple[int, redis.Redis]:
    for index in range(1, 16):
        connection = redis.Redis.from_url(f"{REDIS_SERVER}/{index}")
        # A claim key with a TTL, refreshed by nobody: a crashed session frees its index within the hour.
        if connection.set("aula:test:claimed", str(os.getpid()), nx=True, ex=3600):
            return index, connection
    raise RuntimeError("no free Redis database index (1-15) for this test session")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a Redis database index private to this test session; emptied before and after."""
    index, connection = _claim_redis_db()
    connection.flushdb()
    connection.set("aula:test:claimed", str(os.getpid()), ex=3600)
    yield f"{REDIS_SERVER}/{index}"
    connection.flushdb()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client on the session's Redis database, emptied (but for the claim) before each test."""
    connection = redis.Redis.from_url(redis_url)
    empty_redis(connection)
    yield connection
    connection.close()


def empty_redis(connection: redis.Redis) -> None:
    """Delete every key of the session's Redis database but its claim (also for module-scoped worlds)."""
    for key in connection.scan_iter(count=1000):
        if key != b"aula:test:claimed":
            connection.delete(key)


def fixture_updates() -> list[Path]:
    paths = sorted((FIXTURES / "updates").glob("*.json"))
    if not paths:  # an empty parametrisation would be skipped silently: fail instead
        raise RuntimeError(f"no Telegram fixtures under {FIXTURES}; the team's shelf must sit beside the project")
    return paths


def fixture_response(name: str) -> bytes:
    return (FIXTURES / "responses" / f"{name}.json").read_bytes()


@pytest.fixture(scope="session")
def migrated_pg(pg_url: str) -> str:
    """The session's PostgreSQL database with every component's migrations applied."""
    from aula_shared import components, migrations

    for component in components.discover():
        if component.migrations:
            migrations.upgrade(component, pg_url)
    return pg_url


@pytest.fixture
def platform_env(migrated_pg: str, redis_url: str, redis_client, tmp_path: Path) -> dict[str, str]:
    """Environment for Aula processes and Settings: real PostgreSQL and Redis, production mode."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env.update(
        DATABASE_URL=migrated_pg,
        REDIS_URL=redis_url,
        SECRET_KEY="test-secret-key",
        AULA_HTTP_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("AULA_EMBEDDED", None)
    return env


@pytest.fixture
def settings(platform_env: dict[str, str]):
    from aula_shared.settings import Settings

    return Settings.from_env(platform_env)


@pytest.fixture
def clean_tables(migrated_pg: str) -> None:
    """Empty the Telegram side's tables (platform, moderation, stats) before a test; the catalog keeps its own."""
    truncate_tables(migrated_pg, ("platform", "moderation", "stats"))


def truncate_tables(database_url: str, prefixes: tuple[str, ...]) -> None:
    """TRUNCATE every table whose name starts with one of the components' prefixes (e.g. "moderation")."""
    from sqlalchemy import text

    from aula_shared.db import engine_for

    pattern = f"^({'|'.join(prefixes)})_"
    with engine_for(database_url).begin() as connection:
        names = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename ~ :pattern"),
            {"pattern": pattern},
        ).scalars()
        tables = ", ".join(f'"{name}"' for name in names)
        if tables:
            connection.execute(text(f"TRUNCATE {tables}"))


def free_port_url() -> str:
    """A redis:// URL where nothing listens: a Redis that is down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"
