"""The connections the public API reads through.

On PostgreSQL the API has its own engine: every answer is one or two SELECTs, so connections run in
autocommit (no BEGIN and ROLLBACK round trips around them) and are not pinged before each use (another round
trip). That halves the database time of an answer. A connection found dead is replaced and the read tried
again once, which is what the ping would have bought. Writes (importers, admin, worker) keep using
aula_shared.db's sessions. On SQLite (embedded mode) the shared engine is used as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError

from aula_shared.db import engine_for, normalise_url

T = TypeVar("T")


@functools.cache
def read_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return engine_for(url)
    return create_engine(
        normalise_url(url),
        isolation_level="AUTOCOMMIT",
        pool_pre_ping=False,
        pool_reset_on_return=None,  # nothing to reset: no transaction is ever open
        pool_size=10,
        max_overflow=10,
        pool_recycle=1800,
    )


def read(engine: Engine, query: Callable[[Connection], T]) -> T:
    """Run `query` on a pooled connection; once more on a fresh one if the first had died."""
    try:
        with engine.connect() as connection:
            return query(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        with engine.connect() as connection:
            return query(connection)
