"""The batch handler on real PostgreSQL and Redis: ordinary messages written per batch, marked handled only
once their writes are committed, so a batch that fails half-way is redone without losing or doubling anything."""

from __future__ import annotations

import orjson
import pytest
import redis
from sqlalchemy import select

from aula_moderation import chats, handlers
from aula_moderation.batch import BatchDispatcher
from aula_moderation.models import Membership, TelegramUser
from aula_shared.db import session_scope
from aula_shared.dispatch import done_key
from aula_shared.envelope import Envelope
from aula_shared.platform.clients import BotClients
from aula_shared.settings import Settings

BOT, CHAT = 7000000001, -1001000000777


def message(update_id: int, user: int, text: str = "ciao") -> Envelope:
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": user, "is_bot": False, "first_name": f"U{user}", "username": f"user_{user}"},
            "chat": {"id": CHAT, "title": "Corso", "type": "supergroup"},
            "date": 1763700000,
            "text": text,
        },
    }
    return Envelope(BOT, orjson.dumps(body))


class Outage(redis.ConnectionError):
    """An infrastructure error raised by a handler: the dispatcher must give the batch back whole."""


def dispatcher(migrated_pg: str, redis_client, fail_on: str | None = None) -> BatchDispatcher:
    settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x"})
    services = handlers.Services(settings, migrated_pg, BotClients(settings), redis_client, None)
    router = handlers.build_router()
    if fail_on is not None:

        def outage(_context):
            raise Outage("redis went away")

        router.add(outage, lambda u: u.message is not None and u.message.text == fail_on, group=9)
    built = BatchDispatcher(
        "moderation", redis_client, router, lambda e, u: handlers.Context(e.bot_id, u, services, batch=built.batch),
        migrated_pg,
    )  # fmt: skip
    return built


def handled(redis_client, update_id: int) -> bool:
    return bool(redis_client.getbit(*done_key("moderation", BOT, update_id)))


@pytest.fixture
def chat(migrated_pg, clean_tables):
    chats.manage(migrated_pg, CHAT, BOT, "Corso", "it")
    return CHAT


def test_a_batch_failing_half_way_leaves_nothing_marked_and_is_redone_whole(migrated_pg, redis_client, chat):
    batch = [message(1, 11), message(2, 12), message(3, 13, "boom"), message(4, 14)]
    with pytest.raises(Outage):
        dispatcher(migrated_pg, redis_client, fail_on="boom")(batch)
    # The two messages before the failure were handled, but their writes were still buffered: not marked.
    assert not any(handled(redis_client, update_id) for update_id in (1, 2, 3, 4))
    with session_scope(migrated_pg) as session:
        assert session.scalars(select(TelegramUser.id)).all() == []
    dispatcher(migrated_pg, redis_client)(batch)  # the drainer's retry
    assert all(handled(redis_client, update_id) for update_id in (1, 2, 3, 4))
    with session_scope(migrated_pg) as session:
        assert sorted(session.scalars(select(TelegramUser.id))) == [11, 12, 13, 14]
        assert {m.user_id: m.status for m in session.scalars(select(Membership))} == dict.fromkeys(
            (11, 12, 13, 14), "member"
        )


def test_a_command_sees_the_messages_before_it_in_the_same_batch(migrated_pg, redis_client, chat):
    # /ban from someone without a role is ignored, but routing it flushes: the earlier writes are committed and
    # marked before it, the later message after it.
    batch = [message(21, 31), message(22, 32, "/ban @user_31"), message(23, 33)]
    seen: list[list[int]] = []
    built = dispatcher(migrated_pg, redis_client)

    def snapshot(_context):
        with session_scope(migrated_pg) as session:
            seen.append(sorted(session.scalars(select(TelegramUser.id))))

    built._router.add(snapshot, lambda u: u.message is not None and u.message.text.startswith("/"), group=9)
    built(batch)
    assert seen == [[31, 32]]  # user 31 (buffered) was flushed before the command; 32 the command's own sender
    with session_scope(migrated_pg) as session:
        assert sorted(session.scalars(select(TelegramUser.id))) == [31, 32, 33]
    assert all(handled(redis_client, update_id) for update_id in (21, 22, 23))
    built(batch)  # redelivered: every update is skipped, nothing changes
    assert seen == [[31, 32]]
