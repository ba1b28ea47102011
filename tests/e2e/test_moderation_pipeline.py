"""The whole path with Telegram's side simulated: a user writes in a group → the simulator POSTs the update
to the gateway → Redis → the moderation worker → router → handler → the rate-limited Bot API client →
the simulator. Also how the Bot API's refusals (403), flood waits (429) and `aula bots add` behave there.
"""

from __future__ import annotations

import subprocess

import pytest
from e2e.conftest import worker_process
from support import AULA, Process, free_port, running, wait_http, wait_until

from aula_shared.dispatch import dead_letter_key
from aula_tgsim.testing import start_simulator

TOKEN = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 7000000001
STUDENT = 42


@pytest.fixture
def world(platform_env, clean_tables, tmp_path):
    """Simulator, gateway and one moderation worker, with the bot registered through the operator CLI."""
    with start_simulator() as sim:
        tg = sim.client
        tg.add_bot(TOKEN, username="aula_test_bot")
        tg.add_user(STUDENT, "Ada", username="ada", language_code="en")
        env = dict(platform_env, TELEGRAM_API_URL=sim.url, GATEWAY_PORT=str(free_port()))
        gateway = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
        with running(Process(["serve", "gateway"], env, tmp_path / "gateway.log")):
            wait_http(f"{gateway}/healthz")
            added = subprocess.run(
                [AULA, "bots", "add", "--token", TOKEN, "--webhook-url", f"{gateway}/webhook"],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert added.returncode == 0, added.stderr
            with running(worker_process("moderation", env, tmp_path / "moderation.log")) as worker:
                yield sim, tg, worker


def group(tg, chat_id: int, title: str = "Analisi I") -> None:
    tg.add_chat(
        chat_id,
        "supergroup",
        title=title,
        members=[
            {"user_id": BOT_ID, "status": "administrator"},
            {"user_id": STUDENT, "status": "member"},
        ],
    )


def notices(tg, chat_id: int) -> list[dict]:
    return [c for c in tg.calls(method="sendMessage", chat_id=chat_id) if c["status"] == 200]


def test_bots_add_registers_the_webhook_with_a_secret_and_chat_member_updates(world, settings):
    _sim, tg, _ = world
    [call] = tg.calls(method="setWebhook")
    assert call["params"]["url"].endswith(f"/webhook/{BOT_ID}")
    assert "chat_member" in call["params"]["allowed_updates"]
    assert 1 <= len(call["params"]["secret_token"]) <= 256
    listing = subprocess.run(
        [AULA, "bots", "list"],
        env=dict(
            __import__("os").environ,
            **{"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, "SECRET_KEY": "x"},
        ),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert f"{BOT_ID}\t@aula_test_bot\t7000000001:AA…aw" in listing.stdout
    assert TOKEN not in listing.stdout


def test_an_unmanaged_group_is_told_its_id_once(world, redis_client):
    _, tg, _worker = world
    group(tg, -1001)
    tg.send_text(-1001, STUDENT, "ciao a tutti")
    wait_until(lambda: notices(tg, -1001), timeout=20, what="the notice")
    tg.send_text(-1001, STUDENT, "c'è nessuno?")
    tg.send_text(-1001, STUDENT, "/ban")
    tg.wait_delivered(BOT_ID)
    [notice] = notices(tg, -1001)
    assert "-1001" in notice["params"]["text"]
    assert "not managed" in notice["params"]["text"]  # the writer's language, English
    assert redis_client.llen(dead_letter_key("moderation")) == 0


def test_a_403_is_an_outcome_not_a_crash(world, redis_client):
    _, tg, worker = world
    group(tg, -1002)
    group(tg, -1003)
    tg.inject_fault("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat", chat_id=-1002)
    tg.send_text(-1002, STUDENT, "ciao")
    tg.send_text(-1003, STUDENT, "ciao")
    wait_until(lambda: notices(tg, -1003), timeout=20, what="the next chat's notice")
    refused = tg.calls(method="sendMessage", chat_id=-1002)
    assert [c["status"] for c in refused] == [403]
    assert redis_client.llen(dead_letter_key("moderation")) == 0
    assert "unmanaged-chat notice refused" in worker.output()
    assert TOKEN.split(":")[1] not in worker.output()


def test_a_429_is_waited_out_and_the_message_still_sent(world):
    _, tg, _ = world
    group(tg, -1004)
    tg.inject_fault("sendMessage", 429, retry_after=2, chat_id=-1004)
    tg.send_text(-1004, STUDENT, "ciao")
    wait_until(lambda: notices(tg, -1004), timeout=30, what="the notice after the flood wait")
    attempts = tg.calls(method="sendMessage", chat_id=-1004)
    assert [c["status"] for c in attempts] == [429, 200]
    assert attempts[1]["time"] - attempts[0]["time"] >= 2


def test_every_fixture_is_routed_without_crashing_the_worker(world, redis_client):
    """The real payloads, replayed by the simulator to the gateway: each handled once, none dead-lettered.

    Their chats are unknown to the simulator, so the notices the worker tries to send are refused with
    Telegram's 400 — outcomes, logged, not crashes.
    """
    import json

    from conftest import fixture_updates

    from aula_shared.dispatch import done_key

    _, tg, worker = world
    delivered = []
    for path in fixture_updates():
        answer = tg.raw_update(BOT_ID, json.loads(path.read_text()))
        delivered += [u["update_id"] for u in answer["updates"]]
    assert tg.wait_delivered(BOT_ID, timeout=60)

    def all_handled() -> bool:
        pipe = redis_client.pipeline()
        for update_id in delivered:
            pipe.getbit(*done_key("moderation", BOT_ID, update_id))
        return all(pipe.execute())

    wait_until(all_handled, timeout=60, what="every fixture handled")
    assert redis_client.llen(dead_letter_key("moderation")) == 0
    assert "Traceback" not in worker.output()
