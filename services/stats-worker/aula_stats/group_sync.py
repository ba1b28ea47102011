"""Group sync: what Telegram says about each chat (getChat, getChatAdministrators, getChatMemberCount).

A beat task runs every minute and syncs the chats that are due (never synced, or not for `interval`), a few at
a time, each through a bot that is in it (`stats_chat_bots`), so that hundreds of groups are covered within
the hour without bursts. Telegram refusing is an outcome, not an error:

- 429 (`FloodWait` once the rate limiter gave up waiting): the run stops and that bot is left alone until the
  pause ends; the chats not reached stay due.
- The bot is not in the chat any more (403, "chat not found"): that bot is marked as gone; the chat is synced
  again only when some bot of Aula is in it.
- The group was upgraded to a supergroup (400 with `migrate_to_chat_id`): the old chat remembers the new id,
  the bot is recorded in the new chat, which is synced at once.

Changes of title, invite link, member count or photo are published to the catalog as the Celery task
`aula.catalog.telegram_group_facts` (queue `aula.catalog`), one dict argument — before the transaction that
stores them commits, so a crash in between publishes the same facts again next time, never loses them.

The photo itself (its big size) is downloaded (getFile, then the file URL) only when its unique id differs from
the one stored in `stats_chat_photos`, after the chat's facts are stored, and refused over `photo_max_bytes`.
A refused or failed download keeps the stored photo and is tried again at the chat's next sync.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from aula_shared.db import insert_for, session_scope
from aula_shared.mailbox import celery_message
from aula_shared.platform.clients import BotClients, UnknownBot
from aula_shared.telegram import AulaBot, BotClient
from aula_shared.telegram.outcome import FloodWait, Outcome, TelegramUnavailable
from aula_stats.models import Chat, ChatBot, ChatPhoto, Membership

log = logging.getLogger(__name__)

FACTS_TASK = "aula.catalog.telegram_group_facts"
FACTS_QUEUE = "aula.catalog"
_GONE = ("left", "kicked")
_ADMINS = ("creator", "administrator")
PHOTO_MAX_BYTES = 1024 * 1024  # a chat's big photo is 640×640, ~50–150 KB: anything far bigger is not one
_IMAGE_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def flood_key(bot_id: int) -> str:
    return f"aula:stats:sync:flood:{bot_id}"


@dataclass
class SyncReport:
    synced: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    migrated: dict[int, int] = field(default_factory=dict)
    flood_waits: dict[int, float] = field(default_factory=dict)  # bot -> seconds
    photos: list[int] = field(default_factory=list)  # chats whose photo was downloaded and stored
    photo_failures: dict[int, str] = field(default_factory=dict)


class GroupSync:
    def __init__(
        self,
        database_url: str,
        redis_client: redis.Redis,
        clients: BotClients,
        interval: timedelta = timedelta(hours=1),
        per_run: int = 20,
        photo_max_bytes: int = PHOTO_MAX_BYTES,
    ) -> None:
        self.database_url = database_url
        self.redis = redis_client
        self.clients = clients
        self.interval = interval
        self.per_run = per_run
        self.photo_max_bytes = photo_max_bytes

    def run(self, now: datetime | None = None) -> SyncReport:
        now = now or datetime.now(UTC)
        report = SyncReport()
        for chat_id, bot_id in self.due(now):
            if bot_id in report.flood_waits or self.redis.exists(flood_key(bot_id)):
                continue
            try:
                self.sync_chat(chat_id, bot_id, report, now)
            except FloodWait as wait:
                seconds = max(1.0, wait.retry_after or 1.0)
                report.flood_waits[bot_id] = seconds
                self.redis.set(flood_key(bot_id), 1, px=int(seconds * 1000))
                log.warning("group sync paused by flood control", extra={"bot_id": bot_id, "retry_after": seconds})
        return report

    def due(self, now: datetime) -> list[tuple[int, int]]:
        """(chat, bot) of the chats to sync now: groups with a bot of Aula in them, least recently synced first."""
        stale = now - self.interval
        query = (
            select(Chat.id, ChatBot.bot_id)
            .join(ChatBot, and_(ChatBot.chat_id == Chat.id, ChatBot.status.not_in(_GONE)))
            .where(Chat.type.in_(("group", "supergroup")), Chat.migrated_to.is_(None))
            .where(or_(Chat.synced_at.is_(None), Chat.synced_at < stale))
            .order_by(Chat.synced_at.asc().nulls_first(), Chat.id, ChatBot.last_seen.desc())
        )
        chosen: dict[int, int] = {}
        with session_scope(self.database_url) as session:
            for chat_id, bot_id in session.execute(query):
                chosen.setdefault(chat_id, bot_id)  # the bot that saw the chat most recently
                if len(chosen) >= self.per_run:
                    break
        return list(chosen.items())

    def sync_chat(self, chat_id: int, bot_id: int, report: SyncReport, now: datetime) -> None:
        try:
            client = self.clients.for_bot(bot_id)
        except UnknownBot:
            self._bot_gone(chat_id, bot_id, "bot no longer registered", report)
            return
        chat = client.call("getChat", chat_id=chat_id)
        if not chat:
            self._refused(chat_id, bot_id, chat, report, now)
            return
        admins = client.call("getChatAdministrators", chat_id=chat_id)
        count = client.call("getChatMemberCount", chat_id=chat_id)
        facts = _facts(chat.result, count.result if count else None)
        with session_scope(self.database_url) as session:
            stored = session.get(Chat, chat_id, with_for_update=True)
            if stored is None:
                return
            published = _published_fields(stored) != _published_fields_of(facts)
            if published:
                self._publish(chat_id, facts, now)
                report.published.append(chat_id)
            for name, value in facts.items():
                setattr(stored, name, value)
            stored.synced_at, stored.sync_error = now, None
            if admins:
                _store_admins(session, chat_id, admins.result, now)
            photo_id = facts["photo_unique_id"]
            photo_changed = photo_id is not None and photo_id != session.scalar(
                select(ChatPhoto.file_unique_id).where(ChatPhoto.chat_id == chat_id)
            )
        report.synced.append(chat_id)
        if photo_changed:
            self._fetch_photo(client, chat_id, facts["photo_file_id"], photo_id, report, now)

    def _fetch_photo(
        self, client: BotClient, chat_id: int, file_id: str, unique_id: str, report: SyncReport, now: datetime
    ) -> None:
        """Download the chat's big photo and store it; a failure keeps the stored one (FloodWait pauses the bot)."""
        try:
            outcome = client.run(lambda bot: _download(bot, file_id, self.photo_max_bytes))
        except FloodWait:
            raise
        except TelegramUnavailable as error:  # its text is redacted: no token from the file URL
            outcome = Outcome(ok=False, description=str(error))
        if not outcome:
            report.photo_failures[chat_id] = outcome.description or "refused"
            log.warning("chat photo not downloaded", extra={"chat_id": chat_id, **outcome.log_fields()})
            return
        path, content = outcome.result
        if content is None or len(content) > self.photo_max_bytes:
            report.photo_failures[chat_id] = "too big"
            log.warning("chat photo refused: too big", extra={"chat_id": chat_id, "limit": self.photo_max_bytes})
            return
        row = {
            "chat_id": chat_id,
            "file_unique_id": unique_id,
            "content_type": _content_type(content, path),
            "content": bytes(content),
            "size": len(content),
            "fetched_at": now,
        }
        with session_scope(self.database_url) as session:
            replaced = {name: value for name, value in row.items() if name != "chat_id"}
            statement = insert_for(session, ChatPhoto.__table__).values(row)
            session.execute(statement.on_conflict_do_update(index_elements=["chat_id"], set_=replaced))
        report.photos.append(chat_id)

    def _refused(self, chat_id: int, bot_id: int, outcome: Outcome, report: SyncReport, now: datetime) -> None:
        if outcome.migrate_to_chat_id:
            self._migrated(chat_id, outcome.migrate_to_chat_id, bot_id, report, now)
            return
        description = (outcome.description or "refused")[:256]
        if outcome.forbidden or "not found" in description or "not a member" in description:
            self._bot_gone(chat_id, bot_id, description, report)
            return
        report.refused[chat_id] = description
        with session_scope(self.database_url) as session:
            session.execute(update(Chat).where(Chat.id == chat_id).values(synced_at=now, sync_error=description))

    def _bot_gone(self, chat_id: int, bot_id: int, description: str, report: SyncReport) -> None:
        report.refused[chat_id] = description
        with session_scope(self.database_url) as session:
            session.execute(
                update(ChatBot).where(ChatBot.chat_id == chat_id, ChatBot.bot_id == bot_id).values(status="left")
            )
            session.execute(update(Chat).where(Chat.id == chat_id).values(sync_error=description[:256]))

    def _migrated(self, old: int, new: int, bot_id: int, report: SyncReport, now: datetime) -> None:
        report.migrated[old] = new
        with session_scope(self.database_url) as session:
            chat = session.get(Chat, old)
            session.execute(update(Chat).where(Chat.id == old).values(migrated_to=new, synced_at=now))
            session.execute(
                insert_for(session, Chat.__table__)
                .values(id=new, type="supergroup", title=chat.title, first_seen=now, last_seen=chat.last_seen)
                .on_conflict_do_nothing()
            )
            session.execute(
                insert_for(session, ChatBot.__table__)
                .values(chat_id=new, bot_id=bot_id, status="member", last_seen=now)
                .on_conflict_do_nothing()
            )
        self.sync_chat(new, bot_id, report, now)

    def _publish(self, chat_id: int, facts: dict[str, Any], now: datetime) -> None:
        payload = {"chat_id": chat_id, **_published_fields_of(facts), "observed_at": now.isoformat()}
        self.redis.lpush(FACTS_QUEUE, celery_message(FACTS_TASK, FACTS_QUEUE, [payload], origin="stats"))


async def _download(bot: AulaBot, file_id: str, max_bytes: int) -> tuple[str, bytearray | None]:
    """(file path, bytes) of a file; no bytes if getFile says it is bigger than `max_bytes` (not downloaded)."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > max_bytes:
        return file.file_path or "", None
    return file.file_path or "", await file.download_as_bytearray()


def _content_type(content: bytes, path: str) -> str:
    """By the image's own signature (what Telegram's file server says is not kept by PTB), else by its name."""
    for signature, content_type in _IMAGE_SIGNATURES.items():
        if content.startswith(signature):
            return content_type
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def _facts(chat: dict, member_count: int | None) -> dict[str, Any]:
    photo = chat.get("photo") or {}
    facts = {
        "title": chat.get("title"),
        "type": chat.get("type"),
        "username": chat.get("username"),
        "description": chat.get("description"),
        "invite_link": chat.get("invite_link"),
        "photo_file_id": photo.get("big_file_id"),
        "photo_unique_id": photo.get("big_file_unique_id"),
    }
    if member_count is not None:
        facts["member_count"] = member_count
    return facts


def _published_fields_of(facts: dict[str, Any]) -> dict[str, Any]:
    # The catalog shows the photo by Telegram's stable id of the picture (file ids differ per bot).
    return {
        "title": facts["title"],
        "invite_link": facts["invite_link"],
        "member_count": facts.get("member_count"),
        "photo": facts["photo_unique_id"],
    }


def _published_fields(chat: Chat) -> dict[str, Any]:
    return {
        "title": chat.title,
        "invite_link": chat.invite_link,
        "member_count": chat.member_count,
        "photo": chat.photo_unique_id,
    }


def _store_admins(session: Session, chat_id: int, admins: list[dict], now: datetime) -> None:
    """Admins and the creator get their status; former admins not listed any more become members."""
    listed = {admin["user"]["id"]: admin["status"] for admin in admins if admin.get("user")}
    table = Membership.__table__
    former = session.scalars(
        select(table.c.user_id).where(table.c.chat_id == chat_id, table.c.status.in_(_ADMINS))
    ).all()
    demoted = [user_id for user_id in former if user_id not in listed]
    if demoted:
        session.execute(
            update(Membership)
            .where(Membership.chat_id == chat_id, Membership.user_id.in_(demoted))
            .values(status="member", status_since=now)
        )
    if listed:
        rows = [
            {"chat_id": chat_id, "user_id": user_id, "status": status, "status_since": now, "last_seen": now}
            for user_id, status in listed.items()
        ]
        statement = insert_for(session, table)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["chat_id", "user_id"], set_={"status": statement.excluded.status}
            ).returning(table.c.user_id),
            rows,
        )
