"""What analysts get: the documented views, a read-only PostgreSQL role, and CSV exports."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from datetime import date
from typing import IO

from sqlalchemy import text

from aula_shared.db import engine_for

# name -> whether it has a `day` column (a date range applies). Definitions: migrations, README.md.
VIEWS = {
    "daily_chat_activity": True,
    "daily_degree_activity": True,
    "daily_department_activity": True,
    "chat_directory": False,
    "daily_moderation_actions": True,
}
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class AnalystError(ValueError):
    """What the operator asked for cannot be done (one line, for the CLI)."""


ANALYSTS_GROUP = "aula_analysts"  # NOLOGIN role holding the grants; every analyst login is a member


def create_analyst_role(database_url: str, name: str, password: str) -> bool:
    """Create (or update) a login role that reads the documented views and nothing else; True if new.

    Read-only twice over: its only rights are SELECT on the views (through the `aula_analysts` group), and its
    sessions default to read-only transactions. The stats tables themselves (names, usernames, profile history)
    stay out of reach: a view runs with its owner's rights. `aula db upgrade` grants the views again after the
    stats migrations (`apply_analyst_grants`), so a view a migration recreates stays readable.
    """
    engine = engine_for(database_url)
    if engine.dialect.name != "postgresql":
        raise AnalystError("analyst roles need PostgreSQL; the embedded SQLite database has no roles")
    if not ROLE_NAME.match(name) or name == ANALYSTS_GROUP:
        raise AnalystError("a role name is lowercase letters, digits and _, starting with a letter or _")
    if not password:
        raise AnalystError("the analyst role needs a non-empty password")
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        role = quote(name)
        literal = "'" + password.replace("'", "''") + "'"
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first()
        if exists:
            connection.execute(text(f"ALTER ROLE {role} WITH LOGIN PASSWORD {literal}"))
        else:
            connection.execute(
                text(f"CREATE ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {literal}")
            )
        connection.execute(text(f"ALTER ROLE {role} SET default_transaction_read_only = on"))
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        connection.execute(text(f"GRANT CONNECT ON DATABASE {quote(database)} TO {role}"))
        _ensure_group(connection)
        connection.execute(text(f"GRANT {quote(ANALYSTS_GROUP)} TO {role}"))
        _grant_views(connection)
    return not exists


def apply_analyst_grants(database_url: str) -> None:
    """After the stats migrations (`aula db upgrade`): the analysts' group may read each documented view and
    no table; a role granted the tables directly (by an older `create-analyst-role`) is moved into the group."""
    engine = engine_for(database_url)
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        legacy = (
            connection.execute(
                text(
                    "SELECT DISTINCT r.rolname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee"
                    " WHERE n.nspname = 'public' AND c.relname LIKE 'stats\\_%' AND a.grantee <> c.relowner"
                    " AND NOT r.rolsuper AND 'default_transaction_read_only=on' = ANY(r.rolconfig)"
                )
            )
            .scalars()
            .all()
        )
        group_exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": ANALYSTS_GROUP}
        ).first()
        if not legacy and not group_exists:
            return  # no analysts here
        _ensure_group(connection)
        for name in legacy:
            for table in _stats_tables(connection):
                connection.execute(text(f"REVOKE ALL ON {quote(table)} FROM {quote(name)}"))
            if name != ANALYSTS_GROUP:
                connection.execute(text(f"GRANT {quote(ANALYSTS_GROUP)} TO {quote(name)}"))
        _grant_views(connection)


def _stats_tables(connection) -> list[str]:
    return (
        connection.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p') AND c.relname LIKE 'stats\\_%'"
            )
        )
        .scalars()
        .all()
    )


def _ensure_group(connection) -> None:
    # Roles are the server's, shared by its databases: two upgrades at once may both try to create it.
    connection.execute(
        text(
            "DO $$ BEGIN"
            f" CREATE ROLE {ANALYSTS_GROUP} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;"
            " EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )
    )


def _grant_views(connection) -> None:
    """SELECT on each documented view that exists, USAGE on the schema; nothing on any table."""
    quote = connection.dialect.identifier_preparer.quote
    group = quote(ANALYSTS_GROUP)
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {group}"))
    for table in _stats_tables(connection):
        connection.execute(text(f"REVOKE ALL ON {quote(table)} FROM {group}"))
    views = connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') AND c.relname = ANY(:views)"
        ),
        {"views": list(VIEWS)},
    ).scalars()
    for view in views:
        connection.execute(text(f"GRANT SELECT ON {quote(view)} TO {group}"))


def export_csv(database_url: str, view: str, out: IO[str], since: date | None = None, until: date | None = None) -> int:
    """Write a view as CSV (header first), days from `since` to `until` inclusive; returns the rows written."""
    if view not in VIEWS:
        raise AnalystError(f"unknown view {view!r}; one of: {', '.join(VIEWS)}")
    if (since or until) and not VIEWS[view]:
        raise AnalystError(f"{view} has no day column: no date range applies")
    if since and until and since > until:
        raise AnalystError("--from is after --to")
    query, params = f"SELECT * FROM {view}", {}  # noqa: S608 - view is one of VIEWS, checked above
    conditions = []
    if since:
        conditions.append("day >= :since")
        params["since"] = since
    if until:
        conditions.append("day <= :until")
        params["until"] = until
    if conditions:
        query += " WHERE " + " AND ".join(conditions)
    order = "day, 2" if VIEWS[view] else "1"
    with engine_for(database_url).connect() as connection:
        result = connection.execute(text(f"{query} ORDER BY {order}"), params)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.keys())
        rows = 0
        for row in result:
            writer.writerow(row)
            rows += 1
    return rows


def export_csv_file(database_url: str, view: str, path: str, since: date | None, until: date | None) -> int:
    """As export_csv, into a file that appears only complete (written aside, then renamed)."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            rows = export_csv(database_url, view, out, since, until)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return rows
