"""Onboarding: a join storm — 200 users join one managed group within a few seconds, CAPTCHA on (button).

Whole path: simulator (enforcing Telegram's limits: ~20 bot messages a minute in a group) → gateway → one
moderation worker process (two slots) on PostgreSQL and Redis. Half the newcomers press the button, half never
do and are kicked when their (30 s) CAPTCHA expires. Figures:

- time until every newcomer was restricted and had a CAPTCHA message to answer, against the limit-bound
  minimum of one message per newcomer (200 messages at 20 a minute = 600 s) — newcomers of a storm share one
  message (aula_moderation.onboarding.captcha), so the bound that applies is far lower;
- time until every CAPTCHA was resolved, nobody left muted, 429s answered by the simulator (each waited out
  by the client) and updates dead-lettered (must be 0).
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import psycopg

from benchmarks.harness import AULA, ROOT, free_port, postgres_database, process, redis_database, wait_http

TOKEN = "7000000003:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000003
CHAT = -1001000009999
NEWCOMERS = 200
TIMEOUT = 30
PER_GROUP_PER_MINUTE = 20
FIRST_USER = 300_000


def storm() -> dict:
    import redis

    from aula_tgsim.testing import start_simulator

    users = [FIRST_USER + i for i in range(NEWCOMERS)]
    with redis_database() as redis_url, postgres_database() as database_url, start_simulator() as sim:
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_storm_bot")
        tg.scenario(
            {
                "users": [{"id": u, "first_name": f"Matricola {u}", "language_code": "it"} for u in users],
                "chats": [
                    {
                        "id": CHAT, "type": "supergroup", "title": "Analisi I",
                        "members": [{"user_id": BOT_ID, "status": "administrator", "rights": {
                            "can_manage_chat": True, "can_delete_messages": True, "can_restrict_members": True,
                            "can_invite_users": True,
                        }}],
                    }
                ],
            }
        )  # fmt: skip
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
        env.update(
            DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY="bench", TELEGRAM_API_URL=sim.url,
            GATEWAY_PORT=str(port), AULA_HTTP_WORKERS="1",
        )  # fmt: skip
        subprocess.run([AULA, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
        config = {"captcha": "button", "captcha_timeout": TIMEOUT, "captcha_action": "kick"}
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute(
                "INSERT INTO moderation_chats (id, bot_id, title, language, settings, managed, created_at, updated_at)"
                " VALUES (%s, %s, 'Analisi I', 'it', '{}', true, now(), now())",
                (CHAT, BOT_ID),
            )
            db.execute(
                "INSERT INTO moderation_onboarding_settings (chat_id, config, updated_at) VALUES (%s, %s, now())",
                (CHAT, json.dumps(config)),
            )
        worker_args = [AULA, "worker", "moderation", "--concurrency", "2", "--without-gossip", "--without-mingle"]
        with process([AULA, "serve", "gateway"], env, "gateway"), process(worker_args, env, "moderation"):
            wait_http(f"http://127.0.0.1:{port}/healthz")
            subprocess.run(
                [AULA, "bots", "add", "--token", TOKEN, "--webhook-url", f"http://127.0.0.1:{port}/webhook"],
                env=env, check=True, capture_output=True, cwd=ROOT,
            )  # fmt: skip
            time.sleep(2)  # the worker is up and idle
            started = time.perf_counter()
            for user in users:
                tg.join(CHAT, user)
            joined = time.perf_counter() - started
            asked = "SELECT count(*) FROM moderation_captchas WHERE chat_id = %s AND message_id IS NOT NULL"
            with psycopg.connect(database_url, autocommit=True) as db:
                while db.execute(asked, (CHAT,)).fetchone()[0] < NEWCOMERS:
                    time.sleep(0.1)
                greeted = time.perf_counter() - started
                rows = db.execute(
                    "SELECT user_id, message_id FROM moderation_captchas WHERE chat_id = %s", (CHAT,)
                ).fetchall()
                messages = len({message_id for _user, message_id in rows})
                for user, message_id in rows[::2]:  # half answer, half never do
                    tg.press_button(CHAT, message_id, user)
                pending = "SELECT count(*) FROM moderation_captchas WHERE chat_id = %s AND status = 'pending'"
                while db.execute(pending, (CHAT,)).fetchone()[0] > 0 and time.perf_counter() - started < 1200:
                    time.sleep(0.2)
                resolved = time.perf_counter() - started
                statuses = dict(
                    db.execute(
                        "SELECT status, count(*) FROM moderation_captchas WHERE chat_id = %s GROUP BY status", (CHAT,)
                    ).fetchall()
                )
            muted = sum(tg.member(CHAT, u)["status"] == "restricted" for u in users)
            too_many = len([c for c in tg.calls(bot_id=BOT_ID) if c["status"] == 429])
            dead = redis.Redis.from_url(redis_url).llen("aula:dead:moderation")
    return {
        "joined": joined, "greeted": greeted, "resolved": resolved, "messages": messages, "statuses": statuses,
        "muted": muted, "429": too_many, "dead": dead,
    }  # fmt: skip


def run() -> list[str]:
    figures = storm()
    minimum = NEWCOMERS / PER_GROUP_PER_MINUTE * 60
    return [
        f"join storm: {NEWCOMERS} users joined one group in {figures['joined']:.1f} s (simulator enforcing "
        f"Telegram's limits), CAPTCHA button, {TIMEOUT} s timeout, half never answer",
        f"every newcomer restricted and asked in {figures['greeted']:.1f} s with {figures['messages']} CAPTCHA "
        f"messages; one message per newcomer would be bound by {PER_GROUP_PER_MINUTE}/min per group to "
        f"{minimum:.0f} s ({minimum / figures['greeted']:.0f}× slower)",
        f"all resolved in {figures['resolved']:.1f} s: {figures['statuses']}; still muted {figures['muted']}, "
        f"429 answers {figures['429']} (waited out), dead-lettered updates {figures['dead']}",
    ]


if __name__ == "__main__":
    for line in run():
        print(line)
