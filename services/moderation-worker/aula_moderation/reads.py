"""Reads shared by the updates of one batch: memos that any domain may ask for, kept by the batch being handled.

The pipeline's batch (pipeline/batch.py) enters itself here while it is handled; a domain asks `memo(key, compute)`
without knowing about batches (a sender's powers in a chat, the roles of all the batch's senders). Outside a
batch — a task, a test, the CLI — every call computes afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar, Token
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class SharedReads(Protocol):
    memos: dict[Hashable, Any]

    @property
    def senders(self) -> set[int]: ...


_current: ContextVar[SharedReads | None] = ContextVar("aula_moderation_batch_reads", default=None)


def enter(batch: SharedReads) -> Token:
    return _current.set(batch)


def leave(token: Token) -> None:
    _current.reset(token)


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
