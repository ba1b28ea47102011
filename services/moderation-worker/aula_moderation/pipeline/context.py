"""What a handler gets (Context) and the services it uses (Services), made once per worker process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from aula_moderation import task_names
from aula_moderation.chats import records as chats
from aula_moderation.chats.models import ManagedChat
from aula_moderation.log import flushing
from aula_moderation.pipeline.batch import Batch
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import find_bot
from aula_shared.settings import Settings


@dataclass(frozen=True)
class Services:
    """What handlers use, made once per worker process."""

    settings: Settings
    database_url: str
    bots: BotClients
    redis: Any = None
    # send_task(name, args, countdown): how handlers start background work (jobs, timers, the log flush).
    send_task: Callable[..., Any] | None = None

    def bot_username(self, bot_id: int) -> str | None:
        return _bot_username(self.settings.database_url_for("platform"), bot_id)

    def run_timers_in(self, seconds: float) -> None:
        if self.send_task is not None and seconds < 600:
            self.send_task(task_names.TIMERS, (), seconds + 0.2)

    def flush_log(self) -> None:
        if self.send_task is not None and self.settings.log_chat_id is not None:
            if self.redis is None:
                self.send_task(task_names.FLUSH_LOG, (), None)
            else:
                flushing.request(self.redis, self.send_task)

    def run_job(self, job_id: int) -> None:
        if self.send_task is not None:
            self.send_task(task_names.NETWORK_JOB, (job_id,), None)

    def apply_roles(self, user_id: int) -> None:
        if self.send_task is not None:
            self.send_task(task_names.APPLY_ROLES, (user_id,), None)


@functools.lru_cache(maxsize=64)
def _bot_username(platform_url: str, bot_id: int) -> str | None:
    bot = find_bot(platform_url, bot_id)
    return bot.username if bot else None


@dataclass(frozen=True)
class Context:
    """What a handler gets: the decoded update, which bot received it, and the services."""

    bot_id: int
    update: Update
    services: Services
    cache: dict = field(default_factory=dict)
    # The batch being handled (reads shared, ordinary writes buffered); None outside a drain, e.g. in tests.
    batch: Batch | None = None

    @property
    def database_url(self) -> str:
        return self.services.database_url

    @property
    def client(self):
        return self.services.bots.for_bot(self.bot_id)

    def chat_record(self) -> ManagedChat | None:
        """The chat's record, managed or not (looked up once per batch, or per update outside one)."""
        chat = self.update.effective_chat
        if chat is None:
            return None
        if self.batch is not None:
            return self.batch.chat(chat.id)
        if "chat" not in self.cache:
            self.cache["chat"] = chats.find(self.database_url, chat.id)
        return self.cache["chat"]

    def managed_chat(self) -> ManagedChat | None:
        record = self.chat_record()
        return record if record is not None and record.managed else None

    def commit_batch(self) -> None:
        """The batch's buffered writes committed and its reads dropped (before anything but an ordinary message)."""
        if self.batch is not None:
            self.batch.flush()
            self.batch.forget_reads()

    def maybe_blocked(self, user_id: int) -> bool:
        """False when the user is certainly not network-banned (asked once per batch for all its senders)."""
        if self.batch is not None:
            return self.batch.maybe_blocked(user_id)
        return True


def flush_writes(context: Context) -> None:
    """Before anything but an ordinary message: the batch's buffered writes are committed, its reads dropped."""
    context.commit_batch()
