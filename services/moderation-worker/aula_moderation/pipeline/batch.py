"""The moderation worker's batch handler: ordinary messages cost a few SQL statements per batch, not per message.

A batch is up to 50 updates: one busy chat's, or many quiet chats' gathered into one drain (see
ARCHITECTURE.md, "Ordering"), each chat's in order. Per batch, lazily:
- one read transaction fetches what ordinary messages look up: every chat's record and onboarding settings, and
  which of the batch's senders are on the blocklist (`user_id IN (…)`);
- what ordinary messages teach (the sender's profile, that they are a member and were seen now) is buffered and
  written as two multi-row upserts.

Exactly once and in order, as the plain dispatcher: an update is marked handled only after its writes are
committed. Ordinary updates whose writes are still buffered wait for their mark; anything that is not an ordinary
message (a command, a join, a chat_member change…) first flushes the buffer and marks those, and its reads are
dropped before and after it, so it sees everything before it and what follows sees its writes.

Chats are handled apart (`handle_conversations`): an infrastructure error in one chat — a flood wait beyond the
client's patience, a failed call — gives back that chat's remainder only (its mailbox is left for a retry, what it
handled before stays marked), while the other chats of the batch complete.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation import reads
from aula_moderation.chats import settings as group_settings
from aula_moderation.chats.models import ManagedChat
from aula_moderation.network import jobs as network
from aula_moderation.network.models import BlockedUser
from aula_moderation.people import records as people
from aula_shared.db import retrying_transaction, session_scope
from aula_shared.dispatch import DONE_TTL_SECONDS, INFRASTRUCTURE_ERRORS, UpdateDispatcher, done_key
from aula_shared.envelope import Envelope
from aula_shared.mailbox import renew_lease

log = logging.getLogger(__name__)
T = TypeVar("T")


class Batch:
    """The reads shared and the writes buffered while one batch (of one chat or several) is handled."""

    def __init__(self, database_url: str, senders: set[int], chats: Iterable[int] = ()) -> None:
        self.database_url = database_url
        self._senders = senders
        self._chats = set(chats)
        self._chat: dict[int, ManagedChat | None] = {}
        self._blocked: set[int] | None = None  # None: not fetched since the reads were last dropped
        self._users: dict[int, Any] = {}  # id → PTB User, last seen wins
        self._seen: set[tuple[int, int]] = set()  # (chat, user) seen writing
        self._dropped = False
        self.memos: dict[Hashable, Any] = {}

    # -- reads ------------------------------------------------------------------------------------------------

    def chat(self, chat_id: int) -> ManagedChat | None:
        """The chat's record (managed or not), read once per batch."""
        if self._blocked is None:
            self._prefetch()
        if chat_id not in self._chat:  # a chat the batch's updates do not name (a migration's other side)
            with session_scope(self.database_url) as session:
                self._chat[chat_id] = session.get(ManagedChat, chat_id)
        return self._chat[chat_id]

    def maybe_blocked(self, user_id: int) -> bool:
        """False when the user is certainly not network-banned; True means "look closer" (active_block)."""
        if self._blocked is None:
            self._senders = self._senders | {user_id}
            self._prefetch()
        if user_id not in self._senders:  # someone the prefetch did not ask about
            with session_scope(self.database_url) as session:
                return network.active_block(session, user_id) is not None
        return user_id in self._blocked

    def _prefetch(self) -> None:
        """One read transaction for what ordinary messages look up. A pure read, so it can spare the pool's
        pre-ping round trip: on a dead connection it simply runs again (retrying_transaction)."""
        records, self._blocked = retrying_transaction(self.database_url, self._read)
        self._chat.update(records)

    def _read(self, session: Session) -> tuple[dict[int, ManagedChat | None], set[int]]:
        records: dict[int, ManagedChat | None] = dict.fromkeys(self._chats)
        if self._chats:
            records.update(
                (row.id, row) for row in session.scalars(select(ManagedChat).where(ManagedChat.id.in_(self._chats)))
            )
        managed = [chat_id for chat_id, record in records.items() if record is not None and record.managed]
        group_settings.prime(session, self.database_url, managed)
        wanted = select(BlockedUser.user_id).where(BlockedUser.user_id.in_(self._senders))
        return records, set(session.scalars(wanted)) if self._senders else set()

    def forget_reads(self) -> None:
        self._chat.clear()
        self._blocked = None
        self.memos.clear()
        self._dropped = True

    def update_done(self) -> None:
        """After each update: one that dropped the reads (not an ordinary message) drops them again, so the
        updates after it see its own writes (a /superban, a new role) — in its chat and in the batch's others."""
        if self._dropped:
            self.forget_reads()
            self._dropped = False

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
        # Upserts of what was seen: harmless to repeat, so no pre-ping either (see _prefetch).
        retrying_transaction(self.database_url, self._write)
        self._users.clear()
        self._seen.clear()

    def _write(self, session: Session) -> None:
        people.upsert_users(session, list(self._users.values()))
        people.seen_writing_many(session, sorted(self._seen))


_SENDER_KINDS = ("message", "edited_message", "chat_member", "chat_join_request")
_CHAT_KINDS = (*_SENDER_KINDS, "my_chat_member")


def _id_in(payload: dict, kinds: tuple[str, ...], field: str) -> int | None:
    """The id of `field` ("from", "chat") in the first of `kinds` the update carries that has one."""
    for kind in kinds:
        body = payload.get(kind)
        if isinstance(body, dict):
            value = body.get(field)
            if isinstance(value, dict) and isinstance(value.get("id"), int):
                return value["id"]
    return None


def _sender(payload: dict) -> int | None:
    return _id_in(payload, _SENDER_KINDS, "from")


def _chat_id(payload: dict) -> int | None:
    return _id_in(payload, _CHAT_KINDS, "chat")


class BatchDispatcher(UpdateDispatcher):
    """UpdateDispatcher with a Batch per call: handlers read `context.batch` and may defer their writes to it.

    Called with a list, the batch is one conversation's and fails whole; `handle_conversations` is the Drainer's
    ConversationsHandler (register_drain(by_conversation=True)), which fails chat by chat.
    """

    def __init__(self, service, connection, router, make_context, database_url: str) -> None:
        super().__init__(service, connection, router, make_context)
        self._database_url = database_url
        self.batch: Batch | None = None

    def __call__(self, batch: list[Envelope]) -> None:
        self._run({"": batch}, apart=False)

    def handle_conversations(self, batches: dict[str, list[Envelope]]) -> dict[str, Exception]:
        """Handle each conversation's updates in order; the conversations that failed, with their error."""
        try:
            return self._run(batches, apart=True)
        except INFRASTRUCTURE_ERRORS as error:  # what the conversations share failed: the done flags, the flush
            log.warning("batch not handled", extra={"service": self.service, "error": repr(error)[:200]})
            return dict.fromkeys(batches, error)

    def _run(self, batches: dict[str, list[Envelope]], apart: bool) -> dict[str, Exception]:
        payloads = {conversation: [orjson.loads(e.raw) for e in batch] for conversation, batch in batches.items()}
        every = [payload for batch in payloads.values() for payload in batch]
        senders = {sender for payload in every if (sender := _sender(payload)) is not None}
        chats = {chat for payload in every if (chat := _chat_id(payload)) is not None}
        self.batch = state = Batch(self._database_url, senders, chats)
        token = reads.enter(state)
        waiting: list[tuple[str, int]] = []  # handled, but their buffered writes are not committed yet
        failed: dict[str, Exception] = {}
        try:
            flags = iter(self._done_flags([e for batch in batches.values() for e in batch], every))
            for conversation, batch in batches.items():
                done = [next(flags) for _ in batch]
                try:
                    self._handle_in_order(state, batch, payloads[conversation], done, waiting)
                except INFRASTRUCTURE_ERRORS as error:
                    if not apart:
                        raise
                    log.warning(
                        "conversation given back for a retry",
                        extra={"service": self.service, "conversation": conversation, "error": repr(error)[:200]},
                    )
                    failed[conversation] = error
            state.flush()
            self._mark(waiting)
        finally:
            self.batch = None
            reads.leave(token)
        return failed

    def _handle_in_order(
        self, state: Batch, batch: list[Envelope], payloads: list[dict], done: list[bool], waiting: list
    ) -> None:
        for envelope, payload, skip in zip(batch, payloads, done, strict=True):
            if skip:
                continue
            try:
                self._handle(envelope, payload)
            finally:
                state.update_done()
            renew_lease()
            waiting.append(done_key(self.service, envelope.bot_id, payload["update_id"]))
            if not state.pending:  # nothing buffered: everything handled so far is committed
                self._mark(waiting)

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
