"""Stats fixtures: the session's migrated PostgreSQL database, emptied of stats rows (and bots) per test."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from aula_shared.db import engine_for


@pytest.fixture
def stats_url(migrated_pg: str) -> str:
    # DELETE, not the shared TRUNCATE fixture: on a few small tables it is ten times faster, and these
    # tests touch no other component's tables but the bot registry.
    with engine_for(migrated_pg).begin() as connection:
        names = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^stats_'")
        ).scalars()
        for name in [*names, "platform_bots"]:
            connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - names from pg_tables
    return migrated_pg


@pytest.fixture
def known_data(stats_url: str) -> str:
    """The stats database holding chart_data's known activity, structure and moderation cases."""
    from stats.chart_data import load_known_data

    load_known_data(stats_url)
    return stats_url
