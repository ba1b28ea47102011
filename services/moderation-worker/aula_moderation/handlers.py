"""Moderation's handlers, one per concern, routed once per update (see aula_shared.router).

Groups, in order:
0. a group migrating to a supergroup moves its records;
1. unmanaged chats get one notice with their id and nothing else;
2. people: users and memberships follow messages and chat_member updates; a network-banned user is banned on
   sight (join, join request, message) and routing stops;
3. service messages: join/leave clean-up, bots added by non-staff removed;
4. commands (/ban …, /claim) and @admin reports;
5. the bot's own status (my_chat_member): staff alerted when it is removed or loses its rights.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import filters

from aula_moderation import (
    broadcast,
    chats,
    grants,
    moderation,
    network,
    onboarding,
    people,
    special,
    staff_commands,
    timers,
)
from aula_moderation.batch import Batch
from aula_moderation.models import Case, ManagedChat, WhitelistedBot
from aula_moderation.texts import TEXTS
from aula_shared.db import session_scope
from aula_shared.i18n import language_for
from aula_shared.platform.clients import BotClients
from aula_shared.platform.registry import find_bot
from aula_shared.router import Router, StopRouting
from aula_shared.settings import Settings

log = logging.getLogger(__name__)

GROUP_TYPES = ("group", "supergroup")


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
            self.send_task("aula.moderation.timers", (), seconds + 0.2)

    def flush_log(self) -> None:
        if self.send_task is not None and self.settings.log_chat_id is not None:
            self.send_task("aula.moderation.flush_log", (), None)

    def run_job(self, job_id: int) -> None:
        if self.send_task is not None:
            self.send_task("aula.moderation.network_job", (job_id,), None)

    def apply_roles(self, user_id: int) -> None:
        if self.send_task is not None:
            self.send_task("aula.moderation.apply_roles", (user_id,), None)


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

    def maybe_blocked(self, user_id: int) -> bool:
        """False when the user is certainly not network-banned (asked once per batch for all its senders)."""
        if self.batch is not None:
            return self.batch.maybe_blocked(user_id)
        return True


def in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type in GROUP_TYPES


# -- 0, 1: migration and unmanaged chats --------------------------------------------------------------------


def on_group_migrated(context: Context) -> None:
    """Either side of a migration may arrive first (different chats drain in parallel): both carry it out."""
    message = context.update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat.id
    if chats.migrate(context.database_url, old, new):
        log.info("group migrated", extra={"chat_id": old, "to": new})


def on_unmanaged_chat(context: Context) -> None:
    """A group nobody put under management: tell it its id once (so staff can add it), then ignore it."""
    if context.managed_chat() is not None:
        return
    chat = context.update.effective_chat
    told = context.chat_record() is not None  # an unmanaged record exists once the notice was claimed
    if (
        context.update.message is not None
        and not told
        and chats.claim_unmanaged_notice(context.database_url, chat.id, context.bot_id)
    ):
        user = context.update.effective_user
        language = language_for(user.language_code if user else None, None, context.services.settings.default_language)
        outcome = context.client.call(
            "sendMessage",
            chat_id=chat.id,
            text=TEXTS.text("unmanaged_chat", language, chat_id=chat.id),
            parse_mode="HTML",
        )
        if not outcome:
            log.info("unmanaged-chat notice refused", extra=outcome.log_fields())
    raise StopRouting


# -- 2: people ------------------------------------------------------------------------------------------------


def _enforce_block(context: Context, user_id: int) -> bool:
    """Ban a network-banned user from this chat; True if they were."""
    if not context.maybe_blocked(user_id):
        return False
    flush_writes(context)
    chat = context.managed_chat()
    with session_scope(context.database_url) as session:
        blocked = network.active_block(session, user_id)
        if blocked is None:
            return False
        until = int(blocked.until.timestamp()) if blocked.until else 0
    outcome = context.client.call("banChatMember", chat_id=chat.id, user_id=user_id, until_date=until)
    if not outcome:
        log.info("network ban enforcement refused", extra=outcome.log_fields())
    with session_scope(context.database_url) as session:
        people.set_membership(session, chat.id, user_id, "kicked")
    return True


def on_message_sender(context: Context) -> None:
    message = context.update.effective_message
    sender = message.from_user
    if message.sender_chat is not None or not people.is_person(sender):
        return  # anonymous admins, channels, Telegram's own forwards: nobody to track or ban
    if sender.is_bot:
        return
    chat = context.managed_chat()
    if context.batch is not None and is_plain_message(context.update):
        context.batch.seen_writing(chat.id, sender)  # written with the batch's other senders
    else:
        with session_scope(context.database_url) as session:
            people.upsert_user(session, sender)
            people.seen_writing(session, chat.id, sender.id)
    if _enforce_block(context, sender.id):
        moderation.delete_now(context.client, chat.id, message.message_id)
        raise StopRouting


def on_chat_member(context: Context) -> None:
    change = context.update.chat_member
    user = change.new_chat_member.user
    if not people.is_person(user):
        return
    chat = context.managed_chat()
    new = change.new_chat_member
    until = getattr(new, "until_date", None)
    if until is not None and until.timestamp() <= 0:
        until = None
    with session_scope(context.database_url) as session:
        people.upsert_user(session, user)
        people.set_membership(session, chat.id, user.id, new.status, until)
    joined = new.status in ("member", "restricted") and change.old_chat_member.status in ("left", "kicked")
    if joined and not user.is_bot:
        if _enforce_block(context, user.id):
            raise StopRouting
        result = None
        with session_scope(context.database_url) as session:
            if grants.powers(session, user.id, chat.id).rights:
                result = special.apply(session, context.client, chat.id, user.id, demote=False)
        _alert_if_no_rights(context, result)


def on_join_request(context: Context) -> None:
    request = context.update.chat_join_request
    with session_scope(context.database_url) as session:
        people.upsert_user(session, request.from_user)
        blocked = network.active_block(session, request.from_user.id) is not None
    if blocked:
        chat = context.managed_chat()
        context.client.call("declineChatJoinRequest", chat_id=chat.id, user_id=request.from_user.id)
        _enforce_block(context, request.from_user.id)
        raise StopRouting


# -- 3: service messages --------------------------------------------------------------------------------------


def on_members_joined(context: Context) -> None:
    """Bots added by someone who is not staff are removed unless whitelisted; the join message is cleaned up."""
    message = context.update.effective_message
    chat = context.managed_chat()
    adder = message.from_user
    with session_scope(context.database_url) as session:
        adder_is_staff = adder is not None and grants.powers(session, adder.id, chat.id).is_staff
        whitelisted = {row.username for row in session.query(WhitelistedBot)}
    for member in message.new_chat_members:
        if not member.is_bot or member.id == context.bot_id or adder_is_staff:
            continue
        if (member.username or "").lower() in whitelisted:
            continue
        outcome = context.client.call("banChatMember", chat_id=chat.id, user_id=member.id)
        log.info(
            "removed a bot added by non-staff", extra={"chat_id": chat.id, "bot": member.username, "ok": bool(outcome)}
        )
    settings = chat.settings or {}
    min_members = int(settings.get("clean_joins_min_members", 50))
    count = context.client.call("getChatMemberCount", chat_id=chat.id)
    if count and int(count.result) >= min_members:
        delay = float(settings.get("join_message_delay", settings.get("notice_delay", moderation.DEFAULT_NOTICE_DELAY)))
        with session_scope(context.database_url) as session:
            timers.schedule(
                session,
                f"del:{chat.id}:{message.message_id}",
                "delete_message",
                datetime.now(UTC) + timedelta(seconds=delay),
                bot_id=context.bot_id,
                chat_id=chat.id,
                message_id=message.message_id,
            )
        context.services.run_timers_in(delay)


def on_member_left(context: Context) -> None:
    message = context.update.effective_message
    moderation.delete_now(context.client, message.chat.id, message.message_id)


# -- 4: commands and @admin ----------------------------------------------------------------------------------


def on_command(context: Context) -> None:
    text = context.update.effective_message.text or ""
    if text.split(maxsplit=1)[0].split("@")[0].lower() == "/claim":
        on_claim(context)
        return
    if broadcast.is_broadcast(context.update):
        broadcast.on_command(context)
        return
    if (name := staff_commands.command_of(text)) is not None:
        staff_commands.handle(context, name)
        return
    moderation.handle(context, context.managed_chat())


def on_claim(context: Context) -> None:
    message = context.update.effective_message
    chat = context.managed_chat()
    moderation.delete_now(context.client, chat.id, message.message_id)
    if message.sender_chat is not None or not people.is_person(message.from_user):
        return
    with session_scope(context.database_url) as session:
        result = special.apply(session, context.client, chat.id, message.from_user.id, demote=False)
    _alert_if_no_rights(context, result)


def _alert_if_no_rights(context: Context, result: str | None) -> None:
    if result == "no_rights":
        chat = context.managed_chat()
        staff_chat = context.services.settings.staff_chat_id
        special.alert_no_rights(context.services.redis, context.client, staff_chat, chat.id, chat.title)


def mentions_admin(update: Update) -> bool:
    message = update.effective_message
    if message is None or not message.text or not message.entities:
        return False
    return any(
        entity.type in ("mention", "bot_command", "hashtag") and message.parse_entity(entity)[1:].lower() == "admin"
        for entity in message.entities
    )


def on_admin_report(context: Context) -> None:
    """@admin: staff scoped to this chat are told in STAFF_CHAT_ID, the reporter is thanked, the call deleted."""
    message = context.update.effective_message
    chat = context.managed_chat()
    if (chat.settings or {}).get("ignore_admin_tagging"):
        return
    reporter = message.from_user
    replied = moderation.real_reply(message)
    with session_scope(context.database_url) as session:
        staff = grants.staff_for(session, chat.id, ("superadmin", "administrator", "moderator"))
        target = replied.from_user if replied is not None and people.is_person(replied.from_user) else None
        session.add(
            Case(
                event="USER_CALLED_ADMIN",
                chat_id=chat.id,
                network=False,
                target_id=target.id if target else None,
                issuer_id=reporter.id if people.is_person(reporter) else None,
                evidence=(replied.text or replied.caption) if replied is not None else None,
                message_deleted=False,
                starred=False,
            )
        )
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None:
        link_chat = str(chat.id).removeprefix("-100")
        lines = [
            "🧑‍⚖️ A user has tagged @admin",
            f"👤 Issuer: {moderation.Person.of(reporter).mention()} (<code>{reporter.id}</code>)",
            f"👥 Group: {html.escape(chat.title or '')} (<code>{chat.id}</code>)",
        ]
        if replied is not None:
            lines.append(f'💬 <a href="https://t.me/c/{link_chat}/{replied.message_id}">Reported message</a>')
            if replied.text:
                lines.append(f"<blockquote>{html.escape(replied.text[:500])}</blockquote>")
        mentions = " ".join(f'<a href="tg://user?id={uid}">{uid}</a>' for uid in staff)
        lines.append(f"Please respond: {mentions or '—'}")
        outcome = context.client.call("sendMessage", chat_id=staff_chat, text="\n".join(lines), parse_mode="HTML")
        if not outcome:
            log.info("@admin report refused", extra=outcome.log_fields())
    moderation.delete_now(context.client, chat.id, message.message_id)
    language = language_for(
        reporter.language_code if reporter else None, chat.language, context.services.settings.default_language
    )
    scene = moderation.Scene(
        context.services, context.bot_id, context.update.update_id, context.client, chat, message,
        moderation.Person.of(reporter), None, moderation.Command("admin"),
    )  # fmt: skip
    moderation.send_ephemeral(scene, TEXTS.text("admin_thanks", language))


# -- 5: the bot's own status -----------------------------------------------------------------------------------


def on_my_chat_member(context: Context) -> None:
    change = context.update.my_chat_member
    chat = context.managed_chat()
    staff_chat = context.services.settings.staff_chat_id
    new = change.new_chat_member
    lost = (
        new.status in ("left", "kicked")
        or (
            new.status == "administrator"
            and not (getattr(new, "can_restrict_members", False) and getattr(new, "can_delete_messages", False))
        )
        or new.status in ("member", "restricted")
    )
    if not lost or staff_chat is None:
        return
    text = (
        f"🤖 #BOT_STATUS_CHANGED in {html.escape(chat.title or '')} (<code>{chat.id}</code>): "
        f"{change.old_chat_member.status} → {new.status}. Moderation there needs an admin bot that can delete "
        "messages and restrict members."
    )
    outcome = context.client.call("sendMessage", chat_id=staff_chat, text=text, parse_mode="HTML")
    if not outcome:
        log.info("bot status alert refused", extra=outcome.log_fields())


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


def on_private_broadcast(context: Context) -> None:
    broadcast.on_command(context)
    raise StopRouting  # the command is not a private message for anyone else to answer


def on_broadcast_button(context: Context) -> None:
    broadcast.on_button(context)
    raise StopRouting


def flush_writes(context: Context) -> None:
    """Before anything but an ordinary message: the batch's buffered writes are committed, its reads dropped."""
    if context.batch is not None:
        context.batch.flush()
        context.batch.forget_reads()


def is_plain_message(update: Update) -> bool:
    """An ordinary group message: no command, @admin call or service message; its writes may be buffered."""
    message = update.message
    return (
        _group_message(update)
        and not message.new_chat_members
        and message.left_chat_member is None
        and not message.migrate_to_chat_id
        and not message.migrate_from_chat_id
        and not is_command(update)
        and not mentions_admin(update)
    )


def _group_message(update: Update) -> bool:
    return update.message is not None and in_group(update)


def is_command(update: Update) -> bool:
    text = update.message.text if update.message is not None else None
    return bool(text) and text.startswith("/") and in_group(update) and not mentions_admin(update)


def is_admin_call(update: Update) -> bool:
    return _group_message(update) and mentions_admin(update)


def build_router() -> Router[Context]:
    router: Router[Context] = Router()
    router.add(flush_writes, lambda u: not is_plain_message(u), group=-1)
    router.add(on_group_migrated, filters.StatusUpdate.MIGRATE, group=0)
    router.add(on_unmanaged_chat, in_group, group=1)
    router.add(on_broadcast_button, broadcast.is_button, group=1.5)
    router.add(on_private_broadcast, lambda u: is_private(u) and broadcast.is_broadcast(u), group=1.5)
    # Past group 1 a group chat is managed (unmanaged ones stop there).
    router.add(on_chat_member, lambda u: u.chat_member is not None and in_group(u), group=2)
    router.add(on_join_request, lambda u: u.chat_join_request is not None and in_group(u), group=2)
    router.add(on_message_sender, _group_message, group=2)
    router.add(on_members_joined, lambda u: _group_message(u) and bool(u.message.new_chat_members), group=3)
    router.add(on_member_left, lambda u: _group_message(u) and u.message.left_chat_member is not None, group=3)
    router.add(on_command, is_command, group=4)
    router.add(on_admin_report, is_admin_call, group=4)
    router.add(on_my_chat_member, lambda u: u.my_chat_member is not None and in_group(u), group=5)
    onboarding.register(router)  # CAPTCHA, welcome, trust gate, filters: groups 0.5 and 2.1–2.7, see its docstring
    return router
