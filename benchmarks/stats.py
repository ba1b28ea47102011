"""How many updates one stats-worker process turns into rows, and how many SQL transactions that takes.

20,000 message updates from 2,000 users in 200 chats are queued exactly as the gateway queues them (same
Lua script), then one worker process (one slot) drains them into a fresh PostgreSQL database. Timed from
the first row to the last, so process start-up is not counted.
"""

from __future__ import annotations

import os
import subprocess
import time

import orjson
import psycopg
import redis

from aula_shared.envelope import pack
from aula_shared.mailbox import Enqueuer
from benchmarks.harness import AULA, ROOT, postgres_database, process, redis_database, tree_cpu_seconds

UPDATES, CHATS, USERS = 20_000, 200, 2_000


def _update(update_id: int) -> bytes:
    chat, user = -1001000000000 - update_id % CHATS, 100000 + update_id % USERS
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


def _counter(database_url: str, query: str) -> int:
    global _polls
    _polls += 1
    with psycopg.connect(database_url, autocommit=True) as connection:
        return connection.execute(query).fetchone()[0]


def run() -> list[str]:
    with redis_database() as redis_url, postgres_database() as database_url:
        env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench")
        subprocess.run([AULA, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        enqueuer = Enqueuer(redis.Redis.from_url(redis_url), consumers=["stats"])
        for update_id in range(1, UPDATES + 1):
            enqueuer.enqueue(1, update_id, str(-1001000000000 - update_id % CHATS), pack(1, _update(update_id)))
        stat = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        processed = "SELECT count(*) FROM stats_processed_updates"
        commits_before, polls_before = _counter(database_url, stat), _polls
        command = [AULA, "worker", "stats", "--concurrency", "1", "--without-gossip", "--without-mingle"]
        with process([*command, "--without-heartbeat"], env, "stats") as worker:
            while _counter(database_url, processed) == 0:
                time.sleep(0.01)
            started, cpu_started = time.perf_counter(), tree_cpu_seconds(worker.pid)
            while (done := _counter(database_url, processed)) < UPDATES:
                time.sleep(0.05)
            elapsed, cpu = time.perf_counter() - started, tree_cpu_seconds(worker.pid) - cpu_started
        commits = _counter(database_url, stat) - commits_before - (_polls - polls_before)
        messages = _counter(database_url, "SELECT sum(messages) FROM stats_message_counts")
    return [
        f"{UPDATES:,} message updates, {CHATS} chats, {USERS:,} users; one stats worker process (one slot), PostgreSQL",
        f"throughput: {done / elapsed:,.0f} updates/s  (target ≥ 5,000/s)",
        f"worker CPU: {cpu / done * 1e6:.0f} µs/update",
        f"worker transactions: {commits:,} for {done:,} updates = {commits / done * 1000:.1f} per 1,000 "
        "(each: one multi-row statement per table touched)",
        f"messages counted: {messages:,} (exactly the updates sent: {messages == UPDATES})",
    ]
