"""The catalog tells the workers which chats belong to which degree — as events, never by shared tables.

The legacy catalog is imported, the catalog publishes once (and not again while nothing changes), and real
stats and moderation workers consume the events into their own tables.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from conftest import PG_ADMIN_URL, SHELF
from e2e.conftest import worker_process
from sqlalchemy import select
from support import running, wait_until

from aula_catalog.importers import run_import
from aula_catalog.publish import chat_scopes, publish_if_changed, structure
from aula_moderation.chats.models import ChatScope
from aula_shared import components, migrations
from aula_shared.db import session_scope
from aula_stats.models import ChatDegree, ChatDepartment


@pytest.fixture
def catalog_database():
    name = f"aula_test_structure_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    for component in components.discover():
        if component.migrations:
            migrations.upgrade(component, url)
    run_import(url, "legacy", SHELF / "legacy-data/src/data/Data.json")
    yield url
    from aula_shared import db

    db.dispose_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.timeout(120)
def test_structure_reaches_stats_and_moderation(catalog_database, platform_env, redis_client, tmp_path):
    with session_scope(catalog_database) as session:
        snapshot = structure(session)
        assert publish_if_changed(session, redis_client) is not None
        assert publish_if_changed(session, redis_client) is None  # nothing changed: nothing sent
    assert len(snapshot["groups"]) > 50
    expected_scopes = {
        (scope["chat_id"], kind, slug)
        for scope in chat_scopes(snapshot)
        for kind, slugs in (("degree", scope["degrees"]), ("department", scope["departments"]))
        for slug in slugs
    }

    env = dict(platform_env, DATABASE_URL=catalog_database)
    with (
        running(worker_process("stats", env, tmp_path / "stats.log")),
        running(worker_process("moderation", env, tmp_path / "moderation.log")),
    ):

        def moderation_scopes() -> set:
            with session_scope(catalog_database) as session:
                return {(s.chat_id, s.kind, s.slug) for s in session.scalars(select(ChatScope))}

        def stats_degrees() -> set:
            with session_scope(catalog_database) as session:
                return {(d.chat_id, d.degree_slug) for d in session.scalars(select(ChatDegree))}

        wait_until(lambda: moderation_scopes() == expected_scopes, timeout=60, what="moderation's chat scopes")
        expected_degrees = {(g["chat_id"], slug) for g in snapshot["groups"] for slug in g["degrees"]}
        wait_until(lambda: stats_degrees() == expected_degrees, timeout=60, what="stats' chat degrees")
    with session_scope(catalog_database) as session:
        departments = {(d.chat_id, d.department_slug) for d in session.scalars(select(ChatDepartment))}
    assert {(chat, slug) for chat, kind, slug in expected_scopes if kind == "department"} <= departments
