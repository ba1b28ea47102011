"""Building Telegram updates for stats tests, and feeding them to the batch handler as the drain task does."""

from __future__ import annotations

import itertools

import orjson

from aula_shared.envelope import Envelope
from aula_stats.ingest import StatsIngest

BOT_ID = 123456789
DAY = 1763700000  # 2025-11-21 04:40 UTC
_ids = itertools.count(1_000_000)


def user(user_id: int, first_name: str = "", **fields) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}", **fields}


def chat(chat_id: int, title: str = "") -> dict:
    return {"id": chat_id, "type": "supergroup", "title": title or f"Chat {chat_id}"}


def message(chat_id: int, sender: dict, date: int = DAY, **fields) -> dict:
    update_id = next(_ids)
    body = {"message_id": update_id, "from": sender, "chat": chat(chat_id), "date": date, **fields}
    if not any(key in fields for key in ("new_chat_members", "left_chat_member", "migrate_to_chat_id")):
        body.setdefault("text", "ciao")
    return {"update_id": update_id, "message": body}


def joined(chat_id: int, member: dict, date: int = DAY) -> dict:
    return message(chat_id, member, date, new_chat_members=[member])


def left(chat_id: int, member: dict, date: int = DAY) -> dict:
    return message(chat_id, member, date, left_chat_member=member)


def member_update(chat_id: int, member: dict, old: str, new: str, date: int = DAY, kind: str = "chat_member") -> dict:
    return {
        "update_id": next(_ids),
        kind: {
            "chat": chat(chat_id),
            "from": member,
            "date": date,
            "old_chat_member": {"status": old, "user": member},
            "new_chat_member": {"status": new, "user": member},
        },
    }


def ingest(database_url: str, *updates: dict, bot_id: int = BOT_ID) -> None:
    StatsIngest(database_url)([Envelope(bot_id, orjson.dumps(update)) for update in updates])
