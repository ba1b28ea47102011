"""The gateway process's own log, scanned for tokens and secrets (CONTRACT.md: "Tokens never appear in logs").

Real `aula serve gateway` processes — one on Redis, one whose Redis is down — sent what Telegram and an
attacker send: valid and invalid tokens and secrets, bodies good and bad, wrong methods, a registry change while
running. Whatever each process wrote to stdout and stderr must not hold a token's secret part or a webhook
secret, whole or in part.
"""

from __future__ import annotations

import httpx
import orjson
import pytest
from conftest import free_port_url
from gateway.test_webhook import message_update
from support import Process, free_port, wait_http, wait_until

from aula_shared.platform import changes
from aula_shared.platform.registry import save_bot

BOT_ID = 7000000005
TOKEN = "7000000005:AAHsecretPartOfTheTokenNeverLogged1"
SECRET = "webhookSecretNeverLogged_0123456789"
WRONG_TOKEN = "7000000005:AAHsecretPartOfTheTokenNeverLogged2"
UNKNOWN_TOKEN = "7000000099:AAHanotherSecretPartNeverLogged999"
WRONG_SECRET = "wrongSecretNeverLogged_9876543210"
ROTATED_SECRET = "rotatedSecretNeverLogged_555555555"
NEVER_LOGGED = [TOKEN.split(":")[1], WRONG_TOKEN.split(":")[1], UNKNOWN_TOKEN.split(":")[1]]
NEVER_LOGGED += [SECRET, WRONG_SECRET, ROTATED_SECRET]


def gateway(env: dict, log_path) -> tuple[Process, str]:
    port = free_port()
    process = Process(["serve", "gateway"], dict(env, GATEWAY_PORT=str(port)), log_path).start()
    return process, f"http://127.0.0.1:{port}"


def send_everything(url: str) -> list[int]:
    body = orjson.dumps(message_update(1))
    statuses = []
    for token in (TOKEN, WRONG_TOKEN, UNKNOWN_TOKEN, f"{TOKEN}%ff", TOKEN + "\u00e9"):
        for payload in (body, b"{not json", b'{"update_id": -1}', b"x" * (1024 * 1024 + 1)):
            statuses.append(httpx.post(f"{url}/webhook", params={"token": token}, content=payload).status_code)
        statuses.append(httpx.get(f"{url}/webhook", params={"token": token}).status_code)
        statuses.append(httpx.post(f"{url}/webhook/{token}", content=body).status_code)
    for secret in (SECRET, WRONG_SECRET, ROTATED_SECRET, ""):
        for bot in (BOT_ID, 7000000099):
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            statuses.append(httpx.post(f"{url}/webhook/{bot}", content=body, headers=headers).status_code)
    return statuses


def assert_clean(output: str) -> None:
    for secret in NEVER_LOGGED:
        for piece in (secret, secret[:12], secret[-12:]):
            assert piece not in output, f"{piece[:4]}… appears in the gateway's log"


@pytest.mark.parametrize("redis_up", [True, False], ids=["redis up", "redis down"])
def test_the_gateway_log_holds_no_token_or_secret(platform_env, clean_tables, tmp_path, redis_up):
    save_bot(platform_env["DATABASE_URL"], BOT_ID, "quiet_bot", TOKEN, SECRET, "https://x/webhook/7000000005")
    env = platform_env if redis_up else dict(platform_env, REDIS_URL=free_port_url())
    process, url = gateway(env, tmp_path / "gateway.log")
    try:
        wait_until(lambda: httpx.get(f"{url}/healthz", timeout=1).status_code in (200, 503), what="gateway")
        statuses = send_everything(url)
        if redis_up:
            wait_http(f"{url}/healthz")
            save_bot(platform_env["DATABASE_URL"], BOT_ID, "quiet_bot", TOKEN, ROTATED_SECRET, "https://x/webhook/1")
            changes.announce(platform_env["REDIS_URL"])
            statuses += send_everything(url)
    finally:
        process.stop()
    assert 200 in statuses if redis_up else 503 in statuses  # the valid requests got through (or were refused)
    assert {403, 400, 413, 405} <= set(statuses)
    output = process.output()
    assert output.strip(), "the gateway wrote nothing: nothing was scanned"
    assert_clean(output)
