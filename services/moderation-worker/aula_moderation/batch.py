"""The moderation worker's batch handler: ordinary messages cost a few SQL statements per batch, not per message.

A batch is up to 50 updates of one conversation (one chat). Per batch, lazily:
- the chat's record is read once;
- the blocklist is asked once about every sender in the batch (`user_id IN (…)`);
- what ordinary messages teach (the sender's profile, that they are a member and were seen now) is buffered and
  written as two multi-row upserts.

Exactly once and in order, as the plain dispatcher: an update is marked handled only after its writes are
committed. Ordinary updates whose writes are still buffered wait for their mark; anything that is not an ordinary
message (a command, a join, a chat_member change…) first flushes the buffer and marks those, and drops the
batch's cached reads, so it sees everything before it and nothing stale.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

import orjson
from sqlalchemy import select

from aula_moderation import network, people
from aula_moderation.models import BlockedUser, ManagedChat
from aula_shared.db import session_scope
from aula_shared.dispatch import DONE_TTL_SECONDS, UpdateDispatcher, done_key
from aula_shared.envelope import Envelope
from aula_shared.mailbox import renew_lease

T = TypeVar("T")
_current: ContextVar[Batch | None] = ContextVar("aula_moderation_batch", default=None)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """compute() once per batch (until the batch's reads are dropped), e.g. a sender's powers in the chat;
    outside a batch, every time. For reads that only a non-ordinary update (which drops them) can change."""
    batch = _current.get()
    if batch is None:
        return compute()
    if key not in batch.memos:
        batch.memos[key] = compute()
    return batch.memos[key]


def senders() -> set[int] | None:
    """The user ids that sent the current batch's updates; None outside a batch."""
    batch = _current.get()
    return None if batch is None else batch.senders


class Batch:
    """The reads shared and the writes buffered while one batch of one chat is handled."""

    def __init__(self, database_url: str, senders: set[int]) -> None:
        self.database_url = database_url
        self._senders = senders
        self._chat: dict[int, ManagedChat | None] = {}
        self._blocked: set[int] | None = None
        self._users: dict[int, Any] = {}  # id → PTB User, last seen wins
        self._seen: set[tuple[int, int]] = set()  # (chat, user) seen writing
        self.memos: dict[Hashable, Any] = {}

    # -- reads ------------------------------------------------------------------------------------------------

    def chat(self, chat_id: int) -> ManagedChat | None:
        """The chat's record (managed or not), read once per batch."""
        if chat_id not in self._chat:
            with session_scope(self.database_url) as session:
                self._chat[chat_id] = session.get(ManagedChat, chat_id)
        return self._chat[chat_id]

    def maybe_blocked(self, user_id: int) -> bool:
        """False when the user is certainly not network-banned; True means "look closer" (active_block)."""
        if self._blocked is None:
            wanted = self._senders | {user_id}
            with session_scope(self.database_url) as session:
                rows = session.scalars(select(BlockedUser.user_id).where(BlockedUser.user_id.in_(wanted)))
                self._blocked = set(rows)
            self._senders = wanted
        if user_id not in self._senders:  # someone the prefetch did not ask about
            with session_scope(self.database_url) as session:
                return network.active_block(session, user_id) is not None
        return user_id in self._blocked

    def forget_reads(self) -> None:
        self._chat.clear()
        self._blocked = None
        self.memos.clear()

    # -- buffered writes --------------------------------------------------------------------------------------

    def seen_writing(self, chat_id: int, user: Any) -> None:
        self._users[user.id] = user
        self._seen.add((chat_id, user.id))

    @property
    def senders(self) -> set[int]:
        return set(self._senders)

    @property
    def pending(self) -> bool:
        return bool(self._users or self._seen)

    def flush(self) -> None:
        if not self.pending:
            return
        with session_scope(self.database_url) as session:
            people.upsert_users(session, list(self._users.values()))
            people.seen_writing_many(session, sorted(self._seen))
        self._users.clear()
        self._seen.clear()


def _sender(payload: dict) -> int | None:
    for kind in ("message", "edited_message", "chat_member", "chat_join_request"):
        body = payload.get(kind)
        if isinstance(body, dict):
            sender = body.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return sender["id"]
    return None


class BatchDispatcher(UpdateDispatcher):
    """UpdateDispatcher with a Batch per call: handlers read `context.batch` and may defer their writes to it."""

    def __init__(self, service, connection, router, make_context, database_url: str) -> None:
        super().__init__(service, connection, router, make_context)
        self._database_url = database_url
        self.batch: Batch | None = None

    def __call__(self, batch: list[Envelope]) -> None:
        payloads = [orjson.loads(envelope.raw) for envelope in batch]
        senders = {sender for payload in payloads if (sender := _sender(payload)) is not None}
        self.batch = state = Batch(self._database_url, senders)
        token = _current.set(state)
        waiting: list[tuple[str, int]] = []  # handled, but their buffered writes are not committed yet
        try:
            for envelope, payload, done in zip(batch, payloads, self._done_flags(batch, payloads), strict=True):
                if done:
                    continue
                self._handle(envelope, payload)
                renew_lease()
                waiting.append(done_key(self.service, envelope.bot_id, payload["update_id"]))
                if not state.pending:  # nothing buffered: everything handled so far is committed
                    self._mark(waiting)
            state.flush()
            self._mark(waiting)
        finally:
            self.batch = None
            _current.reset(token)

    def _mark(self, slots: list[tuple[str, int]]) -> None:
        if not slots:
            return
        pipe = self._redis.pipeline(transaction=False)
        for key, bit in slots:
            pipe.setbit(key, bit, 1)
        for key in {key for key, _ in slots}:
            pipe.expire(key, DONE_TTL_SECONDS)
        pipe.execute()
        slots.clear()
