"""Moderation: ordinary messages per second through one worker process, and a /superban across 500 chats.

- throughput: 20,000 ordinary message updates from 2,000 users in 200 managed chats, queued exactly as the
  gateway queues them (same Lua script), drained by one moderation worker process (one slot) on PostgreSQL,
  with a blocklist of 5,000 external entries in place; timed from the first update handled to the last
  (start-up not counted). Target ≥ 1,000 messages/s. Handled = marked in moderation's done bitmap.
- quiet case: 2,000 updates in 2,000 chats, one each — hundreds of sparse course groups, whose drains gather
  each other's waiting chats into shared batches (see ARCHITECTURE.md, "Ordering"); printed as messages/s and
  CPU per message.
- superban: a user known in 500 managed chats is /superban'ed through the whole path (simulator → gateway →
  worker); timed from the command to the job's last per-chat result. The limit-bound minimum is 500 ban
  calls at Telegram's ~30 requests/s per bot, the pace network jobs keep (see aula_moderation.network).
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime

import orjson
import psycopg
import redis

from aula_shared.envelope import pack
from aula_shared.mailbox import Enqueuer
from benchmarks.harness import (
    AULA,
    ROOT,
    free_port,
    postgres_database,
    process,
    redis_database,
    tree_cpu_seconds,
    wait_http,
)

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000001
UPDATES, CHATS, USERS, BLOCKED = 20_000, 200, 2_000, 5_000
QUIET_UPDATES = QUIET_CHATS = 2_000
NETWORK_CHATS = 500
PER_BOT_PER_SECOND = 30


def _chat(index: int) -> int:
    return -1001000000000 - index


def _message(update_id: int, chats: int) -> bytes:
    chat, user = _chat(update_id % chats), 100000 + update_id % USERS
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


def _env(database_url: str, redis_url: str, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench", **more)
    return env


def _prepare(env: dict[str, str], chats: list[int], *, register_bot: bool) -> None:
    """Migrated database with the managed chats and the blocklist; the bot registered directly if asked (the
    superban registers it with `aula bots add`, as the gateway only learns the webhook secret that way)."""
    subprocess.run([AULA, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    now = datetime.now(UTC)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        if register_bot:
            db.execute(
                "INSERT INTO platform_bots (id, username, token, active, created_at, updated_at)"
                " VALUES (%s, 'aula_bench_bot', %s, true, now(), now())",
                (BOT_ID, TOKEN),
            )
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO moderation_chats (id, bot_id, title, language, settings, managed, created_at, updated_at)"
                " VALUES (%s, %s, %s, 'it', '{}', true, %s, %s)",
                [(chat, BOT_ID, f"Corso {chat}", now, now) for chat in chats],
            )
            cursor.executemany(
                "INSERT INTO moderation_blocklist (user_id, source, created_at) VALUES (%s, 'external', %s)",
                [(900_000_000 + i, now) for i in range(BLOCKED)],
            )


def _handled(connection: redis.Redis) -> int:
    return sum(connection.bitcount(key) for key in connection.scan_iter("aula:done:moderation:*"))


def _worker(env: dict[str, str]):
    command = [AULA, "worker", "moderation", "--concurrency", "1", "--without-gossip", "--without-mingle"]
    return process([*command, "--without-heartbeat"], env, "moderation")


def throughput(updates: int = UPDATES, chats: int = CHATS) -> dict[str, float]:
    with redis_database() as redis_url, postgres_database() as database_url:
        env = _env(database_url, redis_url, TELEGRAM_API_URL="http://127.0.0.1:9")
        _prepare(env, [_chat(i) for i in range(chats)], register_bot=True)
        connection = redis.Redis.from_url(redis_url)
        enqueuer = Enqueuer(connection, consumers=["moderation"])
        for update_id in range(1, updates + 1):
            message = pack(BOT_ID, _message(update_id, chats))
            enqueuer.enqueue(BOT_ID, update_id, str(_chat(update_id % chats)), message)
        with _worker(env) as worker:
            while _handled(connection) == 0:
                time.sleep(0.01)
            started, cpu_started = time.perf_counter(), tree_cpu_seconds(worker.pid)
            while (done := _handled(connection)) < updates:
                time.sleep(0.05)
            elapsed, cpu = time.perf_counter() - started, tree_cpu_seconds(worker.pid) - cpu_started
        with psycopg.connect(database_url) as db:
            members = db.execute("SELECT count(*) FROM moderation_memberships").fetchone()[0]
            users = db.execute("SELECT count(*) FROM moderation_users").fetchone()[0]
        dead = connection.llen("aula:dead:moderation")
    return {
        "rate": done / elapsed,
        "cpu_us": cpu / done * 1e6,
        "exact": members == chats * max(1, USERS // chats) and users == min(USERS, updates) and dead == 0,
    }


def _drop_pending_updates(tg) -> None:
    """Setting up 500 chats queued their chat_member updates; the superban should not wait behind them."""
    offset = 0
    while True:
        _status, body = tg.bot_api(TOKEN, "getUpdates", offset=offset, limit=100)
        if not body["result"]:
            return
        offset = body["result"][-1]["update_id"] + 1


def superban() -> dict[str, float]:
    from aula_tgsim.testing import start_simulator

    chats = [_chat(i) for i in range(NETWORK_CHATS)]
    admin, target = 501, 601
    with redis_database() as redis_url, postgres_database() as database_url, start_simulator() as sim:
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_bench_bot")
        tg.scenario(
            {
                "users": [
                    {"id": admin, "first_name": "Alice", "username": "alice_admin"},
                    {"id": target, "first_name": "Spam", "username": "spammer"},
                ],
                "chats": [
                    {
                        "id": chat,
                        "type": "supergroup",
                        "title": f"Corso {chat}",
                        "members": [
                            {"user_id": BOT_ID, "status": "administrator"},
                            {"user_id": admin, "status": "member"},
                            {"user_id": target, "status": "member"},
                        ],
                    }
                    for chat in chats
                ],
            }
        )
        port = free_port()
        env = _env(database_url, redis_url, TELEGRAM_API_URL=sim.url, GATEWAY_PORT=str(port), AULA_HTTP_WORKERS="1")
        _prepare(env, chats, register_bot=False)
        now = datetime.now(UTC)
        with psycopg.connect(database_url, autocommit=True) as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO moderation_memberships (chat_id, user_id, status, last_seen, updated_at)"
                " VALUES (%s, %s, 'member', %s, %s)",
                [(chat, target, now, now) for chat in chats],
            )
            db.execute(
                "INSERT INTO moderation_roles (user_id, role, all_groups, extra_groups, degrees, departments, chats,"
                " command_overrides, right_overrides, created_at, updated_at)"
                " VALUES (%s, 'superadmin', true, true, '[]', '[]', '[]', '{}', '{}', %s, %s)",
                (admin, now, now),
            )
        _drop_pending_updates(tg)
        with process([AULA, "serve", "gateway"], env, "gateway"), _worker(env):
            wait_http(f"http://127.0.0.1:{port}/healthz")
            subprocess.run(
                [AULA, "bots", "add", "--token", TOKEN, "--webhook-url", f"http://127.0.0.1:{port}/webhook"],
                env=env,
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            time.sleep(2)  # the worker process is up and idle
            started = time.perf_counter()
            tg.send_text(chats[0], admin, f"/superban {target} spam")
            finished = "SELECT count(*) FROM moderation_jobs WHERE status = 'done'"
            with psycopg.connect(database_url, autocommit=True) as db:
                while db.execute(finished).fetchone()[0] == 0:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                results = dict(
                    db.execute("SELECT result, count(*) FROM moderation_job_results GROUP BY result").fetchall()
                )
            banned = sum(tg.member(chat, target)["status"] == "kicked" for chat in chats)
            too_many = len(tg.calls(method="banChatMember")) - NETWORK_CHATS
    minimum = NETWORK_CHATS / PER_BOT_PER_SECOND
    return {"elapsed": elapsed, "minimum": minimum, "results": results, "banned": banned, "retries": too_many}


def run() -> list[str]:
    lines = []
    figures = throughput()
    lines.append(
        f"ordinary messages, one worker process (one slot), PostgreSQL, {UPDATES:,} updates in {CHATS} chats: "
        f"{figures['rate']:,.0f} messages/s (target ≥ 1,000: {figures['rate'] / 1000:.2f}×), "
        f"{figures['cpu_us']:.0f} µs CPU/message; users and memberships exact: {figures['exact']}"
    )
    quiet = throughput(QUIET_UPDATES, QUIET_CHATS)
    lines.append(
        f"quiet case, one update per chat ({QUIET_UPDATES:,} chats): {quiet['rate']:,.0f} messages/s, "
        f"{quiet['cpu_us']:.0f} µs CPU/message ({quiet['cpu_us'] / figures['cpu_us']:.1f}× the busy case); "
        f"exact: {quiet['exact']}"
    )
    ban = superban()
    lines.append(
        f"/superban across {NETWORK_CHATS} managed chats (simulator enforcing Telegram's limits): "
        f"{ban['elapsed']:.1f} s vs limit-bound minimum {ban['minimum']:.1f} s "
        f"({NETWORK_CHATS} calls at {PER_BOT_PER_SECOND}/s per bot) = {ban['elapsed'] / ban['minimum']:.2f}×; "
        f"results {ban['results']}, banned in the simulator {ban['banned']}/{NETWORK_CHATS}, "
        f"extra ban calls {ban['retries']}"
    )
    return lines
