"""The batch handler on real PostgreSQL and Redis: ordinary messages written per batch, marked handled only
once their writes are committed, so a batch that fails half-way is redone without losing or doubling anything."""

from __future__ import annotations

import orjson
import pytest
import redis
from sqlalchemy import select
from support import free_port

from aula_moderation.chats import records as chats
from aula_moderation.network.models import BlockedUser
from aula_moderation.people.models import Membership, TelegramUser
from aula_moderation.pipeline import build_router, context
from aula_moderation.pipeline.batch import BatchDispatcher
from aula_shared.db import session_scope
from aula_shared.dispatch import done_key
from aula_shared.envelope import Envelope
from aula_shared.platform.clients import BotClients
from aula_shared.router import StopRouting
from aula_shared.settings import Settings
from aula_shared.telegram import FloodWait

BOT, CHAT = 7000000001, -1001000000777
OTHER, THIRD = -1001000000778, -1001000000779


def message(update_id: int, user: int, text: str = "ciao", chat: int = CHAT) -> Envelope:
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": user, "is_bot": False, "first_name": f"U{user}", "username": f"user_{user}"},
            "chat": {"id": chat, "title": "Corso", "type": "supergroup"},
            "date": 1763700000,
            "text": text,
        },
    }
    return Envelope(BOT, orjson.dumps(body))


class Outage(redis.ConnectionError):
    """An infrastructure error raised by a handler: the dispatcher must give the batch back whole."""


def dispatcher(
    migrated_pg: str, redis_client, fail_on: str | None = None, error: Exception | None = None
) -> BatchDispatcher:
    settings = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x"})
    services = context.Services(settings, migrated_pg, BotClients(settings), redis_client, None)
    router = build_router()
    if fail_on is not None:

        def outage(_context):
            raise error or Outage("redis went away")

        router.add(outage, lambda u: u.message is not None and u.message.text == fail_on, group=9)
    built = BatchDispatcher(
        "moderation", redis_client, router, lambda e, u: context.Context(e.bot_id, u, services, batch=built.batch),
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


def members(migrated_pg: str) -> dict[tuple[int, int], str]:
    with session_scope(migrated_pg) as session:
        return {(m.chat_id, m.user_id): m.status for m in session.scalars(select(Membership))}


def test_a_flood_wait_in_one_gathered_chat_gives_back_only_that_chat(migrated_pg, redis_client, chat):
    for other in (OTHER, THIRD):
        chats.manage(migrated_pg, other, BOT, "Corso", "it")
    gathered = {
        str(CHAT): [message(41, 51), message(44, 54)],
        str(OTHER): [message(42, 52, chat=OTHER), message(45, 55, "flood", chat=OTHER), message(47, 57, chat=OTHER)],
        str(THIRD): [message(43, 53, chat=THIRD), message(46, 56, chat=THIRD)],
    }
    failed = dispatcher(migrated_pg, redis_client, fail_on="flood", error=FloodWait(7))
    errors = failed.handle_conversations(gathered)

    assert list(errors) == [str(OTHER)] and errors[str(OTHER)].retry_after == 7
    # The other chats are complete; the failing one kept what it handled before the flood wait, marked.
    assert [u for u in range(41, 48) if handled(redis_client, u)] == [41, 42, 43, 44, 46]
    # (55's membership is what the failing update did before the flood wait: like any handler's writes before an
    # error, kept, and harmless to do again when the update is redone.)
    assert set(members(migrated_pg)) == {(CHAT, 51), (CHAT, 54), (OTHER, 52), (OTHER, 55), (THIRD, 53), (THIRD, 56)}

    # The drainer's retry of that chat alone: its remainder, in order; 42 is not handled twice.
    routed: list[int] = []
    retry = dispatcher(migrated_pg, redis_client)
    retry._router.add(lambda c: routed.append(c.update.update_id), lambda u: u.message is not None, group=9)
    assert retry.handle_conversations({str(OTHER): gathered[str(OTHER)]}) == {}
    assert routed == [45, 47]
    assert all(handled(redis_client, u) for u in range(41, 48))
    assert members(migrated_pg) == dict.fromkeys(
        [(CHAT, 51), (CHAT, 54), (OTHER, 52), (OTHER, 55), (OTHER, 57), (THIRD, 53), (THIRD, 56)], "member"
    )


def test_a_gathered_batch_that_cannot_reach_redis_gives_back_every_chat(migrated_pg, chat):
    chats.manage(migrated_pg, OTHER, BOT, "Corso", "it")
    gathered = {str(CHAT): [message(61, 71)], str(OTHER): [message(62, 72, chat=OTHER)]}
    unreachable = redis.Redis(port=free_port(), socket_connect_timeout=1)  # the done flags cannot be read
    errors = dispatcher(migrated_pg, unreachable).handle_conversations(gathered)
    assert sorted(errors) == sorted(gathered) and all(isinstance(e, redis.ConnectionError) for e in errors.values())
    assert members(migrated_pg) == {}


def test_an_update_that_is_not_an_ordinary_message_is_seen_by_the_other_chats_after_it(migrated_pg, redis_client, chat):
    """A network ban written by a command in one chat applies to the sender's next message in another chat of
    the same gathered batch: the reads cached before the command are dropped after it too."""
    chats.manage(migrated_pg, OTHER, BOT, "Corso", "it")
    built = dispatcher(migrated_pg, redis_client)
    looked: list[bool] = []

    def network_ban(_context):
        with session_scope(migrated_pg) as session:
            session.add(BlockedUser(user_id=85, source="admin"))

    def look(context):
        looked.append(context.maybe_blocked(85))
        raise StopRouting  # (the ban on sight itself needs Telegram: here only what the batch's reads say)

    built._router.add(network_ban, lambda u: u.message is not None and u.message.text == "/netban", group=9)
    built._router.add(look, lambda u: u.effective_user is not None and u.effective_user.id == 85, group=1.9)
    gathered = {
        str(CHAT): [message(81, 85), message(82, 82, "/netban")],  # 85's first message fetches the blocklist
        str(OTHER): [message(83, 85, chat=OTHER)],
    }
    assert built.handle_conversations(gathered) == {}
    assert looked == [False, True]
