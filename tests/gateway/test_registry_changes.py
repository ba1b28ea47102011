"""A change to the bot registry reaches every gateway process at once (within a second), as the operator makes it.

Telegram starts delivering the moment setWebhook returns, so `aula bots add` must not be followed by 403s from
processes that have not reloaded yet. Real processes: `aula serve gateway` with several HTTP workers, the CLI as
the operator runs it, the Telegram simulator, PostgreSQL and Redis.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest
from gateway.test_webhook import message_update
from shared.test_cli import aula
from support import Process, free_port, wait_http, wait_until

from aula_shared.platform.registry import find_bot
from aula_tgsim.testing import start_simulator

TOKEN = "7000000003:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsbw"
BOT_ID = 7000000003
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WORKERS = 3


@pytest.fixture
def sim():
    with start_simulator() as running:
        running.client.add_bot(TOKEN, username="fresh_bot")
        yield running


@pytest.fixture
def gateway(platform_env, clean_tables, tmp_path):
    """A gateway with several worker processes, each holding its own copy of the (empty) registry."""
    port = free_port()
    env = dict(platform_env, GATEWAY_PORT=str(port), AULA_HTTP_WORKERS=str(WORKERS))
    process = Process(["serve", "gateway"], env, tmp_path / "gateway.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/healthz")
        time.sleep(1)  # every worker process up, its registry loaded (empty)
        yield url
    finally:
        process.stop()


def by_token(url: str, update_id: int, token: str = TOKEN) -> int:
    # A new connection per request: granian hands each to whichever worker process accepts it.
    body = orjson.dumps(message_update(update_id))
    return httpx.post(f"{url}/webhook", params={"token": token}, content=body, timeout=10).status_code


def by_secret(url: str, update_id: int, secret: str) -> int:
    body = orjson.dumps(message_update(update_id))
    headers = {SECRET_HEADER: secret}
    return httpx.post(f"{url}/webhook/{BOT_ID}", content=body, headers=headers, timeout=10).status_code


def statuses_of(send, count: int, first_id: int) -> list[int]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(send, range(first_id, first_id + count)))


def answers_for(send, seconds: float = 1.5, threads: int = 4) -> list[tuple[float, int]]:
    """(seconds from now when sent, status) of requests sent back to back by `threads` threads for `seconds`."""
    started = time.monotonic()
    counter = iter(range(1000, 1_000_000))

    def keep_sending() -> list[tuple[float, int]]:
        answers = []
        while (sent := time.monotonic() - started) < seconds:
            answers.append((sent, send(next(counter))))
        return answers

    with ThreadPoolExecutor(threads) as pool:
        return sorted(answer for answers in pool.map(lambda _: keep_sending(), range(threads)) for answer in answers)


def last_sent_with(answers: list[tuple[float, int]], status: int) -> float:
    return max((sent for sent, answered in answers if answered == status), default=0.0)


def added(env: dict, gateway: str) -> str:
    """`aula bots add --webhook-url`, as the operator runs it; the secret it set."""
    result = aula(env, "bots", "add", "--token", TOKEN, "--webhook-url", f"{gateway}/webhook")
    assert result.returncode == 0, result.stderr
    return find_bot(env["DATABASE_URL"], BOT_ID).webhook_secret


def test_a_bot_just_added_is_accepted_by_every_gateway_process_at_once(platform_env, sim, gateway):
    env = dict(platform_env, TELEGRAM_API_URL=sim.url)
    secret = added(env, gateway)
    statuses = statuses_of(lambda i: by_token(gateway, i), 50, 1)
    statuses += statuses_of(lambda i: by_secret(gateway, i, secret), 50, 101)
    assert statuses == [200] * 100


def test_a_removed_bot_is_refused_within_a_second(platform_env, sim, gateway):
    env = dict(platform_env, TELEGRAM_API_URL=sim.url)
    added(env, gateway)
    assert statuses_of(lambda i: by_token(gateway, i), 20, 1) == [200] * 20

    removed = aula(env, "bots", "remove", str(BOT_ID))
    assert removed.returncode == 0 and removed.stdout.strip() == f"removed bot {BOT_ID}"
    # Every process: a burst of new connections must all be refused, not just the first one.
    answers = answers_for(lambda i: by_token(gateway, i))
    print(f"removed bot: last 200 sent {last_sent_with(answers, 200):.3f} s after `bots remove` returned")
    assert {status for sent, status in answers if sent >= 1.0} == {403}


def test_a_rotated_secret_replaces_the_old_one_within_a_second(platform_env, sim, gateway):
    env = dict(platform_env, TELEGRAM_API_URL=sim.url)
    old = added(env, gateway)
    every_process_knows = lambda: statuses_of(lambda i: by_secret(gateway, i, old), 20, 1) == [200] * 20  # noqa: E731
    wait_until(every_process_knows, timeout=40, what="the old secret accepted everywhere")

    rotated = aula(env, "bots", "rotate-secret", str(BOT_ID))
    assert rotated.returncode == 0, rotated.stderr
    new = find_bot(env["DATABASE_URL"], BOT_ID).webhook_secret
    assert new and new != old
    [call] = sim.client.calls(method="setWebhook")[-1:]
    assert call["params"]["secret_token"] == new
    assert new not in rotated.stdout + rotated.stderr

    new_answers = answers_for(lambda i: by_secret(gateway, i, new), threads=2)
    old_answers = answers_for(lambda i: by_secret(gateway, i, old), threads=2)
    print(f"rotated secret: last refusal of the new one sent {last_sent_with(new_answers, 403):.3f} s after")
    assert {status for sent, status in new_answers if sent >= 1.0} == {200}
    assert {status for sent, status in old_answers} == {403}
