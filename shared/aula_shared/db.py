"""Database wiring: one engine per URL per process, sessions as a context manager."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        directory = os.path.dirname(database)
        if directory:
            os.makedirs(directory, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Several processes share the embedded database: WAL lets readers run beside one writer,
    # and the busy timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_engines: dict[tuple[str, bool], Engine] = {}
T = TypeVar("T")


def engine_for(url: str, pre_ping: bool = True) -> Engine:
    """The process-wide engine for a URL (created on first use).

    `pre_ping` tests each pooled connection with a round trip before handing it out; without it, the caller
    must cope with a dead connection (see retrying_transaction).
    """
    engine = _engines.get((url, pre_ping))
    if engine is None:
        engine = _engines[(url, pre_ping)] = _create_engine(url, pre_ping)
    return engine


def _create_engine(url: str, pre_ping: bool) -> Engine:
    if url.startswith("sqlite"):
        _prepare_sqlite_path(url)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(normalise_url(url), pool_pre_ping=pre_ping, pool_size=5, max_overflow=10)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@functools.cache
def _session_factory(url: str, pre_ping: bool = True) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url, pre_ping), expire_on_commit=False)


@contextlib.contextmanager
def session_scope(url: str, pre_ping: bool = True) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = _session_factory(url, pre_ping)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def retrying_transaction(url: str, work: Callable[[Session], T]) -> T:
    """`work(session)` in one transaction, on a pool that spares the ping round trip of each checkout.

    A connection found dead (the database restarted, a proxy dropped it) is discarded with the pool's other
    idle connections, and the work runs once more on a new one. Only for work that is harmless to repeat even
    if the lost transaction did commit — a worker's hot path that claims what it handles, like stats ingest.
    """
    try:
        with session_scope(url, pre_ping=False) as session:
            return work(session)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with session_scope(url, pre_ping=False) as session:
        return work(session)


def dispose_all() -> None:
    """Close pooled connections (after fork, or between tests)."""
    for engine in _engines.values():
        engine.dispose()


def insert_for(session: Session, table):
    """INSERT … that supports on_conflict_do_update/nothing on the session's dialect (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
