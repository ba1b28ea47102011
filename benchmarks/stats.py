"""How many updates one stats-worker process turns into rows, and how many SQL writes that takes.

Two loads, each queued exactly as the gateway queues them (same Lua script), then drained by one worker process
(one slot) into a fresh PostgreSQL database, timed from the first row to the last (process start-up not counted):

- busy: 20,000 message updates from 2,000 users in 200 chats — a mailbox holds ~100 updates when drained;
- quiet: 2,000 message updates in 2,000 chats — one update per mailbox, the worst case for the
  one-transaction-per-batch design (see ARCHITECTURE.md, "Stats"); queued as a backlog, so drains gather
  waiting chats into shared batches;
- quiet, one at a time: the same load drained mailbox by mailbox in this process (the Drainer and the batch
  handler the worker runs, without Celery), every update a batch and a transaction of its own — what a quiet
  chat costs when nothing else is waiting; it also counts the SQL statements per update.

SQL writes are counted by PostgreSQL (pg_stat_database): transactions committed, and rows written
(inserted + updated + deleted), per 1,000 messages.
"""

from __future__ import annotations

import os
import subprocess
import time

import orjson
import psycopg
import redis
from sqlalchemy import event

from aula_shared import redis as aula_redis
from aula_shared.db import engine_for
from aula_shared.envelope import pack
from aula_shared.mailbox import Drainer, Enqueuer
from benchmarks.harness import AULA, ROOT, postgres_database, process, redis_database, tree_cpu_seconds

UPDATES, CHATS, USERS = 20_000, 200, 2_000
QUIET_UPDATES = 2_000


def _update(update_id: int, chats: int = CHATS) -> bytes:
    chat, user = -1001000000000 - update_id % chats, 100000 + update_id % USERS
    return orjson.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": {"id": user, "is_bot": False, "first_name": f"Studente {user}", "language_code": "it"},
                "chat": {"id": chat, "title": f"Corso {chat}", "type": "supergroup"},
                "date": 1763700000 + update_id // 100,
                "text": "Qualcuno ha gli appunti della lezione di oggi?",
            },
        }
    )


_polls = 0  # our own autocommit SELECTs count as transactions in pg_stat_database too
_STAT = (
    "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database"
    " WHERE datname = current_database()"
)


def _query(database_url: str, query: str) -> tuple:
    global _polls
    _polls += 1
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(query).fetchone()


def _enqueue(redis_url: str, database_url: str, updates: int, chats: int) -> dict[str, str]:
    """Migrate a fresh database and queue the load as the gateway would; the environment of a worker."""
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench")
    subprocess.run([AULA, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    enqueuer = Enqueuer(redis.Redis.from_url(redis_url), consumers=["stats"])
    for update_id in range(1, updates + 1):
        chat = str(-1001000000000 - update_id % chats)
        enqueuer.enqueue(1, update_id, chat, pack(1, _update(update_id, chats)))
    return env


def _drain_one_at_a_time(updates: int) -> dict[str, float]:
    from aula_stats.ingest import StatsIngest
    from aula_stats.worker import BATCH_SIZE

    with redis_database() as redis_url, postgres_database() as database_url:
        _enqueue(redis_url, database_url, updates, updates)
        drainer = Drainer(aula_redis.client(redis_url), "stats", StatsIngest(database_url), batch_size=BATCH_SIZE)
        conversations = [str(-1001000000000 - update_id % updates) for update_id in range(1, updates + 1)]
        warm_up = 50
        for conversation in conversations[:warm_up]:
            drainer.drain(conversation)
        statements = 0

        def count(*_args) -> None:
            nonlocal statements
            statements += 1

        engine = engine_for(database_url, pre_ping=False)  # the pool StatsIngest uses
        event.listen(engine, "before_cursor_execute", count)
        started, cpu_started = time.perf_counter(), time.process_time()
        for conversation in conversations[warm_up:]:
            drainer.drain(conversation)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    done = updates - warm_up
    return {"rate": done / elapsed, "cpu_us": cpu / done * 1e6, "statements": statements / done}


def _drain(updates: int, chats: int) -> dict[str, float]:
    with redis_database() as redis_url, postgres_database() as database_url:
        env = _enqueue(redis_url, database_url, updates, chats)
        processed = "SELECT count(*) FROM stats_processed_updates"
        time.sleep(1)  # let the statistics collector catch up with the migration's writes
        (commits_before, rows_before), polls_before = _query(database_url, _STAT), _polls
        command = [AULA, "worker", "stats", "--concurrency", "1", "--without-gossip", "--without-mingle"]
        with process([*command, "--without-heartbeat"], env, "stats") as worker:
            while _query(database_url, processed)[0] == 0:
                time.sleep(0.01)
            started, cpu_started = time.perf_counter(), tree_cpu_seconds(worker.pid)
            while (done := _query(database_url, processed)[0]) < updates:
                time.sleep(0.05)
            elapsed, cpu = time.perf_counter() - started, tree_cpu_seconds(worker.pid) - cpu_started
        time.sleep(1)  # statistics are reported by each backend when it goes idle
        commits, rows = _query(database_url, _STAT)
        messages = _query(database_url, "SELECT sum(messages) FROM stats_message_counts")[0]
    return {
        "rate": done / elapsed,
        "cpu_us": cpu / done * 1e6,
        "transactions": (commits - commits_before - (_polls - polls_before)) / done * 1000,
        "rows": (rows - rows_before) / done * 1000,
        "exact": messages == updates,
    }


def run() -> list[str]:
    busy = _drain(UPDATES, CHATS)
    quiet = _drain(QUIET_UPDATES, QUIET_UPDATES)
    single = _drain_one_at_a_time(QUIET_UPDATES)
    lines = ["one stats worker process (one slot), PostgreSQL; target ≥ 5,000 updates/s on the busy load"]
    for name, load, figures in (
        ("busy", f"{UPDATES:,} updates, {CHATS} chats", busy),
        ("quiet", f"{QUIET_UPDATES:,} updates, one per chat", quiet),
    ):
        lines.append(
            f"{name} ({load}): {figures['rate']:,.0f} updates/s, {figures['cpu_us']:.0f} µs CPU/update; "
            f"per 1,000 messages: {figures['transactions']:.0f} transactions, {figures['rows']:,.0f} rows written; "
            f"counted exactly: {figures['exact']}"
        )
    lines.append(
        f"quiet, one at a time ({QUIET_UPDATES:,} updates, each drained alone, in-process, no Celery): "
        f"{single['rate']:,.0f} updates/s, {single['cpu_us'] / 1000:.2f} ms CPU/update, "
        f"{single['statements']:.1f} SQL statements/update (+ BEGIN and COMMIT)"
    )
    return lines
