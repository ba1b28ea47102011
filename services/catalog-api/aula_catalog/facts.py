"""Telegram group facts observed by the workers, applied to the catalog's record of the group.

The workers publish `aula.catalog.telegram_group_facts` with one dict:
`{"chat_id": int, "title": str|None, "invite_link": str|None, "member_count": int|None, "photo": str|None,
"observed_at": ISO-8601}`. A None field means "not observed" and keeps what the catalog has.

- An observation older than (or as old as) the stored one is ignored: events may arrive out of order.
- Unknown chat: if a group known only by its invite link (legacy data) has the observed link, that record
  gains the chat id; otherwise a new record is created, attached to nothing, so that staff can pick it in
  the admin when they link a course or degree to it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_catalog.models import TelegramGroup
from aula_shared.timestamps import as_utc, event_time


class Outcome(enum.StrEnum):
    CREATED = "created"
    LINKED = "linked"  # a link-only record gained its chat id
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"


class InvalidFacts(ValueError):
    """The event does not have the documented shape; it is dropped (retrying cannot fix it)."""


@dataclass(frozen=True)
class GroupFacts:
    chat_id: int
    observed_at: datetime
    title: str | None = None
    invite_link: str | None = None
    member_count: int | None = None
    photo: str | None = None

    @classmethod
    def parse(cls, payload: Any) -> GroupFacts:
        if not isinstance(payload, dict):
            raise InvalidFacts("facts must be an object")
        chat_id = payload.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise InvalidFacts(f"chat_id must be a non-zero integer, got {chat_id!r}")
        member_count = payload.get("member_count")
        if member_count is not None and (
            not isinstance(member_count, int) or isinstance(member_count, bool) or member_count < 0
        ):
            raise InvalidFacts(f"member_count must be a non-negative integer, got {member_count!r}")
        return cls(
            chat_id=chat_id,
            observed_at=event_time(payload.get("observed_at"), "observed_at", InvalidFacts),
            title=_optional_text(payload, "title", 512),
            invite_link=_optional_text(payload, "invite_link", 256),
            member_count=member_count,
            photo=_optional_text(payload, "photo", 512),
        )


def apply_group_facts(session: Session, facts: GroupFacts) -> Outcome:
    statement = select(TelegramGroup).where(TelegramGroup.chat_id == facts.chat_id).with_for_update()
    group = session.scalars(statement).first()
    outcome = Outcome.UPDATED
    if group is None and facts.invite_link:
        group = session.scalars(
            select(TelegramGroup)
            .where(TelegramGroup.invite_link == facts.invite_link, TelegramGroup.chat_id.is_(None))
            .order_by(TelegramGroup.id)
            .with_for_update()
        ).first()
        if group is not None:
            group.chat_id = facts.chat_id
            outcome = Outcome.LINKED
    if group is None:
        group = TelegramGroup(chat_id=facts.chat_id)
        session.add(group)
        outcome = Outcome.CREATED
    elif group.facts_observed_at is not None and as_utc(group.facts_observed_at) >= facts.observed_at:
        return Outcome.STALE
    changed = outcome is not Outcome.UPDATED
    for name in ("title", "invite_link", "member_count", "photo"):
        value = getattr(facts, name)
        if value is not None and getattr(group, name) != value:
            setattr(group, name, value)
            changed = True
    group.facts_observed_at = facts.observed_at
    return outcome if changed else Outcome.UNCHANGED


def _optional_text(payload: dict, key: str, limit: int) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFacts(f"{key} must be a string or null, got {type(value).__name__}")
    value = value.strip().replace("\x00", "")
    return value[:limit] or None
