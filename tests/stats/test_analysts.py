"""The analysts' role reads the documented views and no stats table, and keeps doing so after migrations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from stats.test_cli import aula
from stats.updates import ingest, message, user

from aula_shared import components, db, migrations
from aula_stats.analysts import VIEWS, create_analyst_role

PASSWORD = "s3cret-analyst"


@pytest.fixture
def fresh_database(pg_url, monkeypatch) -> Iterator[str]:
    """A database of its own, migrated by `aula db upgrade` (these tests move the stats schema back and forth)."""
    base = pg_url.rsplit("/", 1)[0]
    name = f"aula_analysts_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    for variable in ("CATALOG_DATABASE_URL", "MODERATION_DATABASE_URL", "STATS_DATABASE_URL", "AULA_EMBEDDED"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    yield url
    db.dispose_all()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def analyst(fresh_database, capsys) -> Iterator[str]:
    assert aula(capsys, "db", "upgrade")[0] == 0
    ingest(fresh_database, message(-402, user(43, "Ada", username="ada43")))
    name = f"analyst_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(fresh_database, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{name}"')
        admin.execute(f'DROP ROLE IF EXISTS "{name}"')


def as_analyst(url: str, name: str) -> psycopg.Connection:
    return psycopg.connect(psycopg.conninfo.make_conninfo(url, user=name, password=PASSWORD), autocommit=True)


def stats_tables(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'stats\\_%'").fetchall()
    return [row[0] for row in rows]


def assert_views_only(url: str, name: str) -> None:
    with as_analyst(url, name) as connection:
        for view in VIEWS:
            connection.execute(f"SELECT * FROM {view}").fetchall()  # noqa: S608 - each documented view reads
        assert connection.execute("SELECT messages FROM daily_chat_activity").fetchall() == [(1,)]
    tables = stats_tables(url)
    assert "stats_users" in tables and "stats_profile_history" in tables
    for table in tables:
        with as_analyst(url, name) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(f"SELECT * FROM {table} LIMIT 1")  # noqa: S608 - names from pg_tables


def test_the_analyst_reads_each_documented_view_and_no_stats_table(fresh_database, analyst):
    create_analyst_role(fresh_database, analyst, PASSWORD)
    assert_views_only(fresh_database, analyst)


def test_the_grants_hold_after_a_migration_without_a_manual_rerun(fresh_database, analyst, capsys):
    create_analyst_role(fresh_database, analyst, PASSWORD)
    stats = components.by_name("stats")
    # A migration that recreates a view (here: back before daily_moderation_actions existed, then up again).
    migrations.downgrade(stats, fresh_database, "stats_0002")
    assert aula(capsys, "db", "upgrade")[0] == 0
    assert_views_only(fresh_database, analyst)


def test_an_analyst_granted_the_tables_before_loses_them_at_the_next_upgrade(fresh_database, analyst, capsys):
    # What `aula stats create-analyst-role` used to do: SELECT on every stats_ table, read-only sessions.
    with psycopg.connect(fresh_database, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE \"{analyst}\" LOGIN PASSWORD '{PASSWORD}'")
        admin.execute(f'ALTER ROLE "{analyst}" SET default_transaction_read_only = on')
        for table in stats_tables(fresh_database):
            admin.execute(f'GRANT SELECT ON "{table}" TO "{analyst}"')
    assert aula(capsys, "db", "upgrade")[0] == 0
    assert_views_only(fresh_database, analyst)
