"""The moderation log: every case stored, and LOG_CHAT_ID told in the original's format.

A log chat is one Telegram group: about 20 messages a minute, whatever the number of groups feeding it. Cases
go to an outbox (moderation_log_outbox) and a flush task sends them: one message per case while the chat's
budget allows, and when more are waiting than the budget holds, digests of many cases per message. Nothing is
dropped: what does not fit waits for the next flush. The target message is forwarded at once (before a /del
deletes it) when the budget allows; its text is in the case either way.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aula_moderation import command_registry as registry
from aula_moderation.chats.models import ManagedChat
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.people.models import TelegramUser
from aula_shared.i18n import FALLBACK, Translations
from aula_shared.platform.clients import BotClients, UnknownBot
from aula_shared.telegram import BotClient

TEXTS = Translations.for_package("aula_moderation")

log = logging.getLogger(__name__)

# Events that are no command's; each command's event and emoji come from its declaration (commands.registry).
OTHER_EVENTS = {
    "CHAT_DOES_NOT_EXIST": "❗️",
    "USER_JOINED": "➕",
    "USER_LEFT": "➖",
    "NOT_ENOUGH_RIGHTS": "🔰",
    "TELEGRAM_ERROR": "❗️",
    "USER_CALLED_ADMIN": "🧑‍⚖️",
    "BOT_STATUS_CHANGED": "🤖",
    "NETWORK_BAN_ENFORCED": "⚫️",  # a network-banned user seen in a chat, banned there on sight
    "APPEAL_CONFIRMED": "⛔",  # staff kept a network ban after its appeal
}
EVENTS = {**registry.EMOJI_OF_EVENT, **OTHER_EVENTS}

PER_MINUTE = 18  # Telegram's 20 per minute per group, less a margin for clocks and other senders
DIGEST_CHARS = 3800  # a message holds 4096; leave room for the digest's header


def _budget_key(log_chat_id: int) -> str:
    return f"aula:modlog:sent:{log_chat_id}"


def budget_left(connection: redis.Redis, log_chat_id: int) -> int:
    now = time.time()
    key = _budget_key(log_chat_id)
    connection.zremrangebyscore(key, 0, now - 60)
    return PER_MINUTE - connection.zcard(key)


def spend(connection: redis.Redis, log_chat_id: int) -> None:
    now = time.time()
    key = _budget_key(log_chat_id)
    connection.zadd(key, {f"{now:.6f}": now})
    connection.expire(key, 120)


def forward_evidence(
    connection: redis.Redis, client: BotClient, log_chat_id: int | None, chat_id: int, message_id: int
) -> int | None:
    """Forward the target message to the log chat now, if the budget allows; its id there, or None."""
    if log_chat_id is None or budget_left(connection, log_chat_id) <= 1:
        return None
    spend(connection, log_chat_id)
    outcome = client.call("forwardMessage", chat_id=log_chat_id, from_chat_id=chat_id, message_id=message_id)
    if not outcome:
        log.info("evidence forward refused", extra=outcome.log_fields())
        return None
    return outcome.result.get("message_id")


def person(user: TelegramUser | None, user_id: int | None) -> str:
    if user is None:
        return f"{user_id} #uid_{user_id}" if user_id else "—"
    handle = f" [@{user.username}]" if user.username else ""
    return f"{html.escape(user.name)}{handle} #uid_{user.id}"


def format_case(session: Session, case: Case, forwarded: bool, language: str = FALLBACK) -> str:
    """The case's lines in the network's default language; the #EVENT tag and the #uid_/#gid_ ids as they are
    (staff search them)."""
    chat = session.get(ManagedChat, case.chat_id) if case.chat_id else None
    target = session.get(TelegramUser, case.target_id) if case.target_id else None
    issuer = session.get(TelegramUser, case.issuer_id) if case.issuer_id else None
    lines = [f"{EVENTS.get(case.event, '•')} #{case.event}{'*' if case.starred else ''}"]
    if case.chat_id:
        title = html.escape(chat.title or "") if chat else ""
        gid = f"#gid_{str(case.chat_id).lstrip('-')}"
        lines.append(TEXTS.gettext(language, "👥 Group: {title} {gid}", title=title, gid=gid))
    if case.network:
        lines.append(TEXTS.gettext(language, "🌐 Scope: network"))
    if case.target_id:
        lines.append(TEXTS.gettext(language, "👤 Target user: {person}", person=person(target, case.target_id)))
    if case.issuer_id:
        lines.append(TEXTS.gettext(language, "👮 Issuer: {person}", person=person(issuer, case.issuer_id)))
    if case.until:
        until = f"{case.until.astimezone(UTC):%d/%m/%Y %H:%M}"
        lines.append(TEXTS.gettext(language, "⏳ Until date: {until} UTC", until=until))
    if case.reason:
        lines.append(TEXTS.gettext(language, "💬 Reason: {reason}", reason=html.escape(case.reason)))
    if forwarded:
        lines.append(TEXTS.gettext(language, "📜 Message: ⬆️"))
    elif case.evidence:
        quote = f"<blockquote>{html.escape(case.evidence[:1000])}</blockquote>"
        lines.append(TEXTS.gettext(language, "📜 Message: {quote}", quote=quote))
    return "\n".join(lines)


def enqueue(
    session: Session, case: Case, bot_id: int, forwarded_message_id: int | None = None, language: str = FALLBACK
) -> None:
    """Queue a case for the log chat (in the case's transaction: a case is logged iff it is stored), written in
    `language`, the network's default (settings.default_language)."""
    session.flush()
    text = format_case(session, case, forwarded_message_id is not None, language)
    session.add(LogEntry(case_id=case.id, bot_id=bot_id, text=text, forwarded_message_id=forwarded_message_id))


# A sent entry is a copy of a message the log chat has; the case itself stays in moderation_cases. Kept a while
# for staff to compare, then pruned, so the outbox holds what waits and the last days, not every case ever.
KEEP_SENT = timedelta(days=7)


def prune_sent(session: Session, now: datetime | None = None) -> int:
    """Delete entries sent more than KEEP_SENT ago; how many."""
    cutoff = (now or datetime.now(UTC)) - KEEP_SENT
    return session.execute(delete(LogEntry).where(LogEntry.sent_at.is_not(None), LogEntry.sent_at < cutoff)).rowcount


def pending(session: Session, limit: int = 500) -> list[LogEntry]:
    statement = select(LogEntry).where(LogEntry.sent_at.is_(None)).order_by(LogEntry.id).limit(limit)
    return list(session.scalars(statement))


def digests(entries: Iterable[LogEntry]) -> list[list[LogEntry]]:
    """Entries packed into messages of at most DIGEST_CHARS characters, in order."""
    packs: list[list[LogEntry]] = [[]]
    size = 0
    for entry in entries:
        length = len(entry.text) + 2
        if packs[-1] and size + length > DIGEST_CHARS:
            packs.append([])
            size = 0
        packs[-1].append(entry)
        size += length
    return [pack for pack in packs if pack]


def digest_text(pack: list[LogEntry], language: str = FALLBACK) -> str:
    header = TEXTS.ngettext(language, "🗂 #DIGEST {n} event", "🗂 #DIGEST {n} events", len(pack))
    return header + "\n\n" + "\n\n".join(entry.text for entry in pack)


def flush(
    session: Session,
    connection: redis.Redis,
    clients,
    log_chat_id: int,
    language: str = FALLBACK,
    still_held: Callable[[], bool] = lambda: True,
) -> int:
    """Send what the budget allows; returns how many entries are still waiting. `still_held()` is asked before
    each send: False (the flush's lock lapsed) stops here, the rest waits for the next flush."""
    waiting = pending(session)
    budget = budget_left(connection, log_chat_id)
    if not waiting or budget <= 0:
        return len(waiting)
    now = datetime.now(UTC)
    if len(waiting) <= budget:
        for entry in waiting:
            if not still_held():
                return len(waiting) - waiting.index(entry)
            params = {"chat_id": log_chat_id, "text": entry.text, "parse_mode": "HTML"}
            if entry.forwarded_message_id:
                params["reply_parameters"] = {
                    "message_id": entry.forwarded_message_id,
                    "allow_sending_without_reply": True,
                }
            spend(connection, log_chat_id)
            outcome = _send(clients, entry.bot_id, params)
            if not outcome:
                # Not marked sent: the log chat refused (the bot removed from it, no rights…); the entry and those
                # after it wait for the next flush, in order, rather than being lost.
                log.warning("log message refused", extra=outcome.log_fields())
                return len(waiting) - waiting.index(entry)
            entry.sent_at = now
            session.commit()
        return 0
    packs = digests(waiting)
    for pack in packs[:budget]:
        if not still_held():
            return sum(len(waiting_pack) for waiting_pack in packs[packs.index(pack) :])
        spend(connection, log_chat_id)
        params = {"chat_id": log_chat_id, "text": digest_text(pack, language), "parse_mode": "HTML"}
        outcome = _send(clients, pack[0].bot_id, params)
        if not outcome:
            log.warning("log digest refused", extra=outcome.log_fields())
            return sum(len(waiting_pack) for waiting_pack in packs[packs.index(pack) :])
        for entry in pack:
            entry.sent_at, entry.digest = now, True
        session.commit()
    return sum(len(pack) for pack in packs[budget:])


def _send(clients: BotClients, bot_id: int, params: dict):
    """sendMessage to the log chat, by the bot that queued the entry or, once that bot is gone from the platform,
    by another. An entry the chat refuses for its own sake (markup Telegram cannot parse, too long) goes as plain
    text instead, so that one odd entry never holds back the ones behind it."""
    try:
        client = clients.for_bot(bot_id)
    except UnknownBot:
        client = clients.any_bot()
        if client is None:
            raise
    outcome = client.call("sendMessage", **params)
    if outcome or outcome.error_code != 400 or not _ENTRY_FAULT.search(outcome.description or ""):
        return outcome
    log.warning("log message refused as HTML: sent as plain text", extra=outcome.log_fields())
    plain = {key: value for key, value in params.items() if key != "parse_mode"}
    plain["text"] = html.unescape(_TAG.sub("", params["text"]))[:MESSAGE_CHARS]
    return client.call("sendMessage", **plain)


_ENTRY_FAULT = re.compile(r"can't parse entities|message is too long|text is too long", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
MESSAGE_CHARS = 4096
