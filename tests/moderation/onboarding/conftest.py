"""Onboarding in this process: moderation's real router and batch dispatcher on real PostgreSQL and Redis, the
bot's calls going to the Telegram simulator, and its updates fetched from the simulator with getUpdates (or
built by the test when the simulator cannot produce them, like several members added in one message)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import orjson
import pytest

from aula_moderation.pipeline import build_router, context
from aula_moderation.pipeline.batch import BatchDispatcher
from aula_shared.envelope import Envelope
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import save_bot
from aula_shared.settings import Settings
from aula_tgsim.testing import start_simulator

TOKEN = "7000000031:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT = 7000000031
_update_ids = itertools.count(10**9)  # one sequence per session: handled update ids are remembered in Redis
BOT_RIGHTS = {"can_manage_chat": True, "can_delete_messages": True, "can_invite_users": True,
              "can_restrict_members": True}  # fmt: skip


class InProcess:
    def __init__(self, sim, database_url: str, dispatcher: BatchDispatcher) -> None:
        self.sim, self.tg, self.db, self._dispatcher = sim, sim.client, database_url, dispatcher
        self._offset = 0

    def dispatch(self, *updates: dict) -> None:
        """Updates the test built (without update_id)."""
        self._dispatcher(
            [Envelope(BOT, orjson.dumps({"update_id": next(_update_ids), **update})) for update in updates]
        )

    def pump(self) -> int:
        """Hand what the simulator queued for the bot to the dispatcher, until nothing is left."""
        handled = 0
        while True:
            status, body = self.tg.bot_api(TOKEN, "getUpdates", offset=self._offset, timeout=0)
            assert status == 200, body
            if not body["result"]:
                return handled
            self._offset = body["result"][-1]["update_id"] + 1
            self._dispatcher([Envelope(BOT, orjson.dumps(update)) for update in body["result"]])
            handled += len(body["result"])

    def bot_texts(self, chat_id: int) -> list[str]:
        return [m["message"].get("text") or "" for m in self.tg.messages(chat_id) if m["sender_id"] == BOT]


def managed_group(inprocess: InProcess, chat_id: int, language: str = "it", **config) -> int:
    """A supergroup in the simulator where the bot is an admin, put under management with these settings."""
    from aula_moderation.chats import records as chats
    from aula_moderation.onboarding import settings
    from aula_shared.db import session_scope

    inprocess.tg.add_chat(chat_id, "supergroup", title=f"Corso {chat_id}",
                          members=[{"user_id": BOT, "status": "administrator", "rights": BOT_RIGHTS}])  # fmt: skip
    chats.manage(inprocess.db, chat_id, BOT, f"Corso {chat_id}", language)
    if config:
        with session_scope(inprocess.db) as session:
            settings.save(session, chat_id, **config)
    return chat_id


@pytest.fixture(scope="module")
def inprocess(migrated_pg, redis_url) -> Iterator[InProcess]:
    import redis

    connection = redis.Redis.from_url(redis_url)
    with start_simulator(config={"rate_limits": {"enabled": False}}) as sim:
        sim.client.add_bot(TOKEN, username="aula_onboarding_inproc_bot")
        config = Settings.from_env({"DATABASE_URL": migrated_pg, "SECRET_KEY": "x", "TELEGRAM_API_URL": sim.url})
        save_bot(config.database_url_for("platform"), BOT, "aula_onboarding_inproc_bot", TOKEN)
        services = context.Services(config, migrated_pg, BotClients(config), connection, None)
        dispatcher = BatchDispatcher(
            "moderation", connection, build_router(),
            lambda e, u: context.Context(e.bot_id, u, services, batch=dispatcher.batch), migrated_pg,
        )  # fmt: skip
        yield InProcess(sim, migrated_pg, dispatcher)
    connection.close()
