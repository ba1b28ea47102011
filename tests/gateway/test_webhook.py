"""The webhook gateway, as Telegram and an attacker see it (CONTRACT.md, "Webhook gateway").

Real Redis and PostgreSQL; the app is driven through Flask's test client (the HTTP server is exercised
end to end in tests/e2e).
"""

from __future__ import annotations

import json
import logging

import orjson
import pytest
import redis
from conftest import fixture_updates

from aula_gateway.app import create_app
from aula_gateway.bots import BotCache
from aula_shared.envelope import unpack
from aula_shared.mailbox import UPDATE_CONSUMERS, mailbox_key, queue_name
from aula_shared.platform.registry import active_bots, save_bot

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ms"
OTHER_TOKEN = "987654321:AAGzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
SECRET = "s3cret_-Token"


def message_update(update_id: int, chat_id: int = -1001, text: str = "ciao") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": 42, "is_bot": False, "first_name": "Ada"},
            "chat": {"id": chat_id, "type": "supergroup", "title": "Analisi 1"},
            "date": 1732200000,
            "text": text,
        },
    }


@pytest.fixture
def gateway(settings, clean_tables, redis_client):
    save_bot(settings.database_url_for("platform"), 123456789, "aula_test_bot", TOKEN, SECRET, "https://x/webhook/1")
    bots = BotCache(lambda: active_bots(settings.database_url_for("platform")))
    return create_app(settings, bots=bots).test_client()


def post(client, body, token=TOKEN, **kwargs):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post("/webhook", query_string={"token": token} if token else None, data=data, **kwargs)


def mailbox(redis_client, conversation: str, service: str = "stats") -> list:
    return [unpack(item) for item in redis_client.lrange(mailbox_key(service, conversation), 0, -1)]


def test_a_valid_update_is_enqueued_raw_for_every_consumer(gateway, redis_client):
    raw = orjson.dumps(message_update(1))
    response = post(gateway, raw)
    assert response.status_code == 200
    assert response.json == {"ok": True}
    for service in UPDATE_CONSUMERS:
        [envelope] = mailbox(redis_client, "-1001", service)
        assert envelope.bot_id == 123456789
        assert envelope.raw == raw  # byte for byte: the gateway never re-serialises
        assert redis_client.llen(queue_name(service)) == 1  # one wake-up for the conversation


def test_the_same_update_twice_is_enqueued_once(gateway, redis_client):
    assert post(gateway, message_update(7)).status_code == 200
    assert post(gateway, message_update(7)).status_code == 200  # Telegram retried: still 200, no second copy
    assert len(mailbox(redis_client, "-1001")) == 1


def test_the_same_update_id_from_another_bot_is_a_different_update(gateway, settings, redis_client):
    save_bot(settings.database_url_for("platform"), 987654321, "other_bot", OTHER_TOKEN)
    gateway.application  # noqa: B018
    bots = BotCache(lambda: active_bots(settings.database_url_for("platform")))
    client = create_app(settings, bots=bots).test_client()
    assert post(client, message_update(7)).status_code == 200
    assert post(client, message_update(7), token=OTHER_TOKEN).status_code == 200
    assert [e.bot_id for e in mailbox(redis_client, "-1001")] == [123456789, 987654321]


def test_updates_of_a_busy_conversation_wake_one_drain(gateway, redis_client):
    for update_id in range(1, 6):
        post(gateway, message_update(update_id))
    assert len(mailbox(redis_client, "-1001")) == 5
    assert redis_client.llen(queue_name("stats")) == 1  # the drainer of -1001 will take all five, in order


def test_secret_header_form(gateway, redis_client):
    ok = gateway.post(
        "/webhook/123456789", data=orjson.dumps(message_update(3)), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert ok.status_code == 200
    wrong = gateway.post(
        "/webhook/123456789", data=orjson.dumps(message_update(4)), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
    )
    assert wrong.status_code == 403
    assert wrong.json == {"ok": False, "error": "unknown bot or wrong secret token"}
    missing = gateway.post("/webhook/123456789", data=orjson.dumps(message_update(5)))
    assert missing.status_code == 400
    unknown_bot = gateway.post(
        "/webhook/555", data=orjson.dumps(message_update(6)), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert unknown_bot.status_code == 403
    assert len(mailbox(redis_client, "-1001")) == 1


@pytest.mark.parametrize(
    ("token", "status"),
    [
        (None, 400),
        ("", 400),
        ("123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Mx", 403),  # right bot, wrong secret part
        ("987654321:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-Ms", 403),  # unregistered bot
        ("not a token", 403),
    ],
)
def test_requests_without_a_registered_token_enqueue_nothing(gateway, redis_client, token, status):
    response = post(gateway, message_update(1), token=token)
    assert response.status_code == status
    assert response.json["ok"] is False
    assert response.json["error"]
    assert redis_client.dbsize() == 1  # only the test session's claim key


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "body is not JSON"),
        (b"", "body is not JSON"),
        (b"[1, 2]", "not a Telegram Update: an Update is a JSON object"),
        (b'{"message": {}}', "not a Telegram Update: an Update has a non-negative integer update_id"),
        (
            b'{"update_id": "12", "message": {}}',
            "not a Telegram Update: an Update has a non-negative integer update_id",
        ),
        (b'{"update_id": 12}', "not a Telegram Update: an Update carries one object besides update_id"),
    ],
)
def test_malformed_bodies_are_refused_with_a_clear_error(gateway, redis_client, body, error):
    response = post(gateway, body)
    assert response.status_code == 400
    assert response.json == {"ok": False, "error": error}
    assert redis_client.dbsize() == 1


def test_a_body_over_one_mebibyte_is_refused(gateway, redis_client):
    huge = orjson.dumps(message_update(1, text="x" * (1024 * 1024)))
    response = post(gateway, huge)
    assert response.status_code == 413
    assert response.json["ok"] is False
    assert redis_client.dbsize() == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_only_post_is_allowed(gateway, method):
    response = gateway.open("/webhook", method=method, query_string={"token": TOKEN})
    assert response.status_code == 405
    assert response.json["ok"] is False


def test_redis_unreachable_answers_503_so_telegram_retries(settings, clean_tables):
    save_bot(settings.database_url_for("platform"), 123456789, "aula_test_bot", TOKEN)
    from dataclasses import replace

    from conftest import free_port_url

    broken = replace(settings, redis_url=free_port_url())
    bots = BotCache(lambda: active_bots(broken.database_url_for("platform")))
    client = create_app(broken, bots=bots).test_client()
    response = post(client, message_update(1))
    assert response.status_code == 503
    assert response.json == {"ok": False, "error": "queue unavailable, retry later"}
    assert client.get("/healthz").status_code == 503


def test_tokens_never_reach_the_logs(gateway, caplog, settings):
    from aula_shared.logging import JsonFormatter

    caplog.set_level(logging.DEBUG)
    post(gateway, message_update(1), token=TOKEN[:-1] + "x")
    post(gateway, b"{", token=TOKEN)
    formatted = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert TOKEN.split(":")[1][:20] not in formatted


def test_health_and_metrics(gateway):
    assert gateway.get("/healthz").json == {"ok": True}
    post(gateway, message_update(1))
    post(gateway, message_update(1))
    post(gateway, message_update(2), token=None)
    metrics = gateway.get("/metrics").get_data(as_text=True)
    assert 'aula_gateway_requests_total{outcome="enqueued"}' in metrics
    assert 'aula_gateway_requests_total{outcome="duplicate"}' in metrics
    assert "aula_gateway_enqueue_seconds_bucket" in metrics


@pytest.mark.parametrize("path", fixture_updates(), ids=lambda p: p.stem)
def test_every_real_fixture_is_accepted(gateway, redis_client, path):
    raw = path.read_bytes()
    response = post(gateway, raw)
    assert response.status_code == 200, response.json
    update = json.loads(raw)
    keys = [k.decode() for k in redis_client.scan_iter(match="aula:mbox:stats:*")]
    assert len(keys) == 1
    assert unpack(redis_client.lindex(keys[0], 0)).raw == raw
    assert redis_client.llen(queue_name("moderation")) == 1
    assert update["update_id"] >= 0


def test_redis_errors_are_not_swallowed_as_success(settings, clean_tables, redis_client):
    """A Redis that answers but refuses the write (here: a read-only replica would; we fill the key type)."""
    save_bot(settings.database_url_for("platform"), 123456789, "aula_test_bot", TOKEN)
    bots = BotCache(lambda: active_bots(settings.database_url_for("platform")))
    client = create_app(settings, bots=bots).test_client()
    redis_client.set(mailbox_key("moderation", "-1001"), "not a list")  # RPUSH will fail with WRONGTYPE
    response = post(client, message_update(99))
    assert response.status_code == 503
    assert isinstance(redis_client.get(mailbox_key("moderation", "-1001")), bytes)
    with pytest.raises(redis.ResponseError):
        redis_client.lrange(mailbox_key("moderation", "-1001"), 0, -1)
