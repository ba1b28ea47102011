"""Carrying out a moderation command: who may, whom it names, what Telegram is asked, what is recorded.

One command → for each target: the Telegram action, a case (in the same transaction as its warnings, timers
and log entry), a notice in the group deleted after the chat's notice delay. A case's dedupe key (bot, update,
target, event) makes a redelivered update (a batch retried after a flood wait) skip targets already done.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aula_moderation import grants, modlog, network, parser, people, stats_events, timers
from aula_moderation.models import Case, ManagedChat, Membership, TelegramUser, Warning
from aula_moderation.parser import Command, Target, UsageError
from aula_moderation.roles import Powers
from aula_moderation.texts import TEXTS
from aula_shared.db import session_scope
from aula_shared.i18n import language_for
from aula_shared.telegram import BotClient

log = logging.getLogger(__name__)

DEFAULT_NOTICE_DELAY = 90
DEFAULT_WARN_LIMIT = 3
DEFAULT_WARN_ACTION = "mute"
DEFAULT_WARN_ACTION_SECONDS = 24 * 3600
DEFAULT_WARN_EXPIRY_DAYS = 30

MUTED = {name: False for name in timers.ALL_PERMISSIONS}
EVENT_OF = {
    "info": "MODERATION_INFO",
    "del": "MODERATION_DEL",
    "warn": "MODERATION_WARN",
    "kick": "MODERATION_KICK",
    "mute": "MODERATION_MUTE",
    "ban": "MODERATION_BAN",
    "free": "MODERATION_FREE",
    "superban": "MODERATION_SUPERBAN",
    "superfree": "MODERATION_SUPERFREE",
}


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.id)

    def mention(self) -> str:
        return f'<a href="tg://user?id={self.id}">{html.escape(self.name)}</a>'

    @classmethod
    def of(cls, user: Any) -> Person:
        return cls(user.id, user.first_name or "", user.last_name, user.username, user.language_code)


@dataclass
class Scene:
    """One command being carried out."""

    services: Any
    bot_id: int
    update_id: int
    client: BotClient
    chat: ManagedChat
    message: Any  # the command message (PTB Message)
    issuer: Person
    powers: Powers
    command: Command
    replied_deleted: bool = False  # a /cmd* or /del removed the replied message

    @property
    def settings(self) -> dict:
        return self.chat.settings or {}

    def setting(self, name: str, default: Any) -> Any:
        value = self.settings.get(name)
        return default if value is None else value

    @property
    def thread_id(self) -> int | None:
        return self.message.message_thread_id if self.message.is_topic_message else None


def real_reply(message: Any) -> Any:
    """The message replied to, unless the "reply" is only a forum topic's root (Telegram adds that to every
    message in a topic)."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if replied.forum_topic_created is not None:
        return None
    if message.is_topic_message and replied.message_id == message.message_thread_id:
        return None
    return replied


def handle(context, chat: ManagedChat) -> None:
    """Entry point for a group message starting with "/": not ours, not allowed, malformed, or carried out."""
    message = context.update.effective_message
    text = message.text or ""
    head = parser.command_name(text)
    if head is None:
        return
    name, _star, addressed = head
    bot_username = context.services.bot_username(context.bot_id)
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return  # /ban@other_bot
    sender = message.from_user
    if message.sender_chat is not None or not people.is_person(sender):
        return  # anonymous admins and channels have no identity, hence no role
    with session_scope(context.database_url) as session:
        powers = grants.powers(session, sender.id, chat.id)
    if not powers.may(name):
        return  # without permission: ignored, as in the original
    client = context.services.bots.for_bot(context.bot_id)
    replied = real_reply(message)
    try:
        command = parser.parse(text, message.entities or (), has_reply=replied is not None)
    except UsageError as error:
        delete_now(client, chat.id, message.message_id)
        scene = Scene(
            context.services, context.bot_id, context.update.update_id, client, chat, message,
            Person.of(sender), powers, Command(name),
        )  # fmt: skip
        usage(scene, f"usage_{error.problem}", **error.detail)
        return
    if command is None:
        return
    scene = Scene(
        context.services, context.bot_id, context.update.update_id, client, chat, message,
        Person.of(sender), powers, command,
    )  # fmt: skip
    delete_now(client, chat.id, message.message_id)  # command messages go at once
    carry_out(scene, replied)


def carry_out(scene: Scene, replied: Any) -> None:
    command = scene.command
    targets, problem = resolve(scene, command.targets, replied)
    if problem is not None:
        usage(scene, *problem)
        if not targets:
            return
    evidence = (replied.text or replied.caption or "") if replied is not None else None
    deletes_replied = replied is not None and (command.name == "del" or (command.star and scene.powers.may("del")))
    forwarded = None
    if replied is not None and (deletes_replied or command.name != "info"):
        forwarded = modlog.forward_evidence(
            scene.services.redis,
            scene.client,
            scene.services.settings.log_chat_id,
            scene.chat.id,
            replied.message_id,
        )
    if deletes_replied:
        delete_now(scene.client, scene.chat.id, replied.message_id)
        scene.replied_deleted = True
    if command.name == "del":
        record(scene, "MODERATION_DEL", targets[0] if targets else None, evidence, replied, forwarded, deleted=True)
        return
    for target in targets:
        evidence_here = (
            evidence if replied is not None and replied.from_user and target.id == replied.from_user.id else None
        )
        ACTIONS[command.name](scene, target, evidence_here, replied, forwarded if evidence_here else None)


# -- targets -----------------------------------------------------------------------------------------------


def resolve(scene: Scene, wanted: tuple[Target, ...], replied: Any) -> tuple[list[Person], tuple | None]:
    """People named by the command, and the first problem met (a usage text key and values), if any."""
    found: list[Person] = []
    problem = None
    with session_scope(scene.services.database_url) as session:
        for target in wanted:
            person: Person | None = None
            if target.kind == "reply":
                author = replied.from_user if replied is not None else None
                if replied is None or replied.sender_chat is not None or not people.is_person(author):
                    problem = problem or ("usage_cannot_target",)
                    continue
                people.upsert_user(session, author)
                person = Person.of(author)
            elif target.kind == "mention":
                people.upsert_user(session, target.user)
                person = Person.of(target.user)
            elif target.kind == "username":
                user = people.by_username(session, str(target.value))
                if user is None:
                    problem = problem or ("usage_user_not_found", {"who": f"@{html.escape(str(target.value))}"})
                    continue
                person = _person_of_row(user)
            else:
                user = session.get(TelegramUser, int(target.value))
                person = _person_of_row(user) if user is not None else Person(int(target.value))
            if person.id in people.NOT_PEOPLE or person.id == scene.bot_id:
                problem = problem or ("usage_cannot_target",)
                continue
            found.append(person)
    if problem is not None:
        key, *values = problem
        return found, (key, values[0] if values else {})
    return found, None


def _person_of_row(user: TelegramUser) -> Person:
    return Person(user.id, user.first_name, user.last_name, user.username, user.language_code)


# -- Telegram calls and notices ----------------------------------------------------------------------------


def delete_now(client: BotClient, chat_id: int, message_id: int) -> None:
    outcome = client.call("deleteMessage", chat_id=chat_id, message_id=message_id)
    if not outcome:
        log.info("delete refused", extra=outcome.log_fields())


def send_ephemeral(scene: Scene, text: str) -> None:
    """A message in the group, deleted after the chat's notice delay (a durable timer)."""
    params: dict[str, Any] = {
        "chat_id": scene.chat.id,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    if scene.thread_id:
        params["message_thread_id"] = scene.thread_id
    outcome = scene.client.call("sendMessage", **params)
    if not outcome:
        log.info("notice refused", extra=outcome.log_fields())
        return
    delay = float(scene.setting("notice_delay", DEFAULT_NOTICE_DELAY))
    message_id = outcome.result["message_id"]
    with session_scope(scene.services.database_url) as session:
        timers.schedule(
            session,
            f"del:{scene.chat.id}:{message_id}",
            "delete_message",
            datetime.now(UTC) + timedelta(seconds=delay),
            bot_id=scene.bot_id,
            chat_id=scene.chat.id,
            message_id=message_id,
        )
    scene.services.run_timers_in(delay)


def usage(scene: Scene, key: str, values: dict | None = None, **more: Any) -> None:
    language = language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
    send_ephemeral(scene, TEXTS.text(key, language, command=scene.command.name, **(values or {}), **more))


def notify(
    scene: Scene, target: Person, event: str, event_key: str, duration: timedelta | None, reason: str | None, **values
) -> None:
    """The group notice, in the target's language if Aula speaks it, else the group's."""
    language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
    text = TEXTS.text(
        "notice",
        language,
        emoji=modlog.EVENTS[event],
        mention=target.mention(),
        event=TEXTS.text(event_key, language, **values),
        duration=TEXTS.text("notice_duration", language, duration=format_duration(duration)) if duration else "",
        reason=TEXTS.text("notice_reason", language, reason=html.escape(reason)) if reason else "",
    )
    send_ephemeral(scene, text)


def format_duration(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0m"


# -- cases ---------------------------------------------------------------------------------------------------


def _dedupe_key(scene: Scene, event: str, target_id: int | None) -> str:
    return f"{scene.bot_id}:{scene.update_id}:{event}:{target_id or 0}"


def already_done(session: Session, scene: Scene, event: str, target_id: int | None) -> bool:
    key = _dedupe_key(scene, event, target_id)
    return session.scalars(select(Case.id).where(Case.dedupe_key == key)).first() is not None


def new_case(
    session: Session,
    scene: Scene,
    event: str,
    target: Person | None,
    *,
    evidence: str | None = None,
    until: datetime | None = None,
    reason: str | None = None,
    network_scope: bool = False,
    forwarded: int | None = None,
    deleted: bool = False,
    job_id: int | None = None,
) -> Case:
    deleted = deleted or (scene.replied_deleted and evidence is not None)
    case = Case(
        event=event,
        chat_id=scene.chat.id,
        network=network_scope,
        target_id=target.id if target else None,
        issuer_id=scene.issuer.id,
        reason=reason,
        until=until,
        evidence=evidence,
        message_deleted=deleted,
        starred=scene.command.star and deleted,
        job_id=job_id,
        dedupe_key=_dedupe_key(scene, event, target.id if target else None),
    )
    session.add(case)
    people.upsert_user(session, scene.message.from_user)
    if scene.services.settings.log_chat_id is not None:
        modlog.enqueue(session, case, scene.bot_id, forwarded)
    stats_events.publish_case(session, case, scene.services.redis)
    return case


def record(scene, event, target, evidence, replied, forwarded, *, deleted=False) -> None:
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, event, target.id if target else None):
            return
        new_case(session, scene, event, target, evidence=evidence, forwarded=forwarded, deleted=deleted)
    scene.services.flush_log()


def _until(duration: timedelta | None) -> datetime | None:
    return None if duration is None else datetime.now(UTC) + duration


def _unix(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp())


def _refused(scene: Scene, target: Person, outcome) -> None:
    """Telegram said no (not enough rights, an admin...): recorded as such, no notice."""
    event = "NOT_ENOUGH_RIGHTS" if "rights" in (outcome.description or "").lower() else "TELEGRAM_ERROR"
    log.info("moderation refused", extra={"chat_id": scene.chat.id, "user_id": target.id, **outcome.log_fields()})
    with session_scope(scene.services.database_url) as session:
        if not already_done(session, scene, event, target.id):
            new_case(session, scene, event, target, reason=outcome.description)
    scene.services.flush_log()


# -- the commands ------------------------------------------------------------------------------------------


def do_info(scene: Scene, target: Person, _evidence, _replied, _forwarded) -> None:
    language = language_for(scene.issuer.language_code, scene.chat.language, scene.services.settings.default_language)
    with session_scope(scene.services.database_url) as session:
        text = info_report(session, target.id, scene.chat.id, language)
    outcome = scene.client.call("sendMessage", chat_id=scene.issuer.id, text=text[:4096], parse_mode="HTML")
    if not outcome:
        usage(scene, "info_start_bot")


def info_report(session: Session, user_id: int, chat_id: int, language: str) -> str:
    user = session.get(TelegramUser, user_id)
    if user is None:
        return TEXTS.text("info_unknown", language, user_id=user_id)
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user_id).order_by(Membership.last_seen.desc())
    ).all()
    titles = {
        c.id: c.title
        for c in session.scalars(select(ManagedChat).where(ManagedChat.id.in_([m.chat_id for m in memberships])))
    }
    groups = "\n".join(
        f"• <code>{m.chat_id}</code> {m.status[:3]} {html.escape(titles.get(m.chat_id) or '')}" for m in memberships
    )
    blocked = network.active_block(session, user_id)
    return TEXTS.text(
        "info_report",
        language,
        name=html.escape(user.name),
        user_id=user.id,
        username=f"@{user.username}" if user.username else "—",
        lang=user.language_code or "—",
        warnings=active_warnings(session, chat_id, user_id),
        network=TEXTS.text("yes" if blocked else "no", language),
        last_seen=f"{user.last_seen.astimezone(UTC):%d/%m/%Y %H:%M} UTC",
        groups=groups or "—",
    )


def active_warnings(session: Session, chat_id: int, user_id: int) -> int:
    now = datetime.now(UTC)
    statement = select(func.count(Warning.id)).where(
        Warning.chat_id == chat_id,
        Warning.user_id == user_id,
        Warning.cleared_at.is_(None),
        (Warning.expires_at.is_(None)) | (Warning.expires_at > now),
    )
    return int(session.scalar(statement) or 0)


def do_warn(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    limit = int(scene.setting("warn_limit", DEFAULT_WARN_LIMIT))
    expiry_days = scene.setting("warn_expiry_days", DEFAULT_WARN_EXPIRY_DAYS)
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, "MODERATION_WARN", target.id):
            return
        case = new_case(
            session,
            scene,
            "MODERATION_WARN",
            target,
            evidence=evidence,
            reason=scene.command.reason,
            forwarded=forwarded,
        )
        session.flush()
        expires = datetime.now(UTC) + timedelta(days=float(expiry_days)) if expiry_days else None
        session.add(Warning(chat_id=scene.chat.id, user_id=target.id, case_id=case.id, expires_at=expires))
        session.flush()
        count = active_warnings(session, scene.chat.id, target.id)
        reached = count >= limit
        if reached:  # the count starts again after the action
            session.execute(
                update(Warning)
                .where(Warning.chat_id == scene.chat.id, Warning.user_id == target.id, Warning.cleared_at.is_(None))
                .values(cleared_at=datetime.now(UTC))
            )
    scene.services.flush_log()
    notify(scene, target, "MODERATION_WARN", "event_warn", None, scene.command.reason, count=count, limit=limit)
    if reached:
        language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
        action = scene.setting("warn_action", DEFAULT_WARN_ACTION)
        seconds = int(scene.setting("warn_action_seconds", DEFAULT_WARN_ACTION_SECONDS))
        automatic = Scene(
            scene.services, scene.bot_id, scene.update_id, scene.client, scene.chat, scene.message, scene.issuer,
            scene.powers,
            Command(action, duration=timedelta(seconds=seconds) if seconds and action != "kick" else None,
                    reason=TEXTS.text("warn_limit_reason", language, limit=limit)),
        )  # fmt: skip
        ACTIONS[action](automatic, target, None, None, None)


def do_kick(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _act(scene, target, evidence, forwarded, "MODERATION_KICK", "event_kick", None, lambda: scene.client.call(
        "unbanChatMember", chat_id=scene.chat.id, user_id=target.id
    ), membership=("left", None))  # fmt: skip


def do_mute(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    until = _until(scene.command.duration)
    params: dict[str, Any] = {"chat_id": scene.chat.id, "user_id": target.id, "permissions": MUTED}
    params["until_date"] = _unix(until)
    _act(
        scene, target, evidence, forwarded, "MODERATION_MUTE", "event_mute", until,
        lambda: scene.client.call("restrictChatMember", **params),
        membership=("restricted", until), timer=("unmute", f"unmute:{scene.chat.id}:{target.id}"),
    )  # fmt: skip


def do_ban(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    until = _until(scene.command.duration)
    params: dict[str, Any] = {"chat_id": scene.chat.id, "user_id": target.id, "until_date": _unix(until)}
    _act(
        scene, target, evidence, forwarded, "MODERATION_BAN", "event_ban_timed" if until else "event_ban", until,
        lambda: scene.client.call("banChatMember", **params),
        membership=("kicked", until), timer=("unban", f"unban:{scene.chat.id}:{target.id}"),
    )  # fmt: skip


def do_free(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    def lift():
        unban = scene.client.call("unbanChatMember", chat_id=scene.chat.id, user_id=target.id, only_if_banned=True)
        if not unban:
            return unban
        restricted = scene.client.call(
            "restrictChatMember", chat_id=scene.chat.id, user_id=target.id, permissions=timers.ALL_PERMISSIONS
        )
        # A basic group cannot restrict anyone, nor then be "un-muted": the unban is what counted.
        return restricted if restricted or "supergroup" not in (restricted.description or "") else unban

    with session_scope(scene.services.database_url) as session:
        member = session.get(Membership, (scene.chat.id, target.id))
        status = "left" if member is None or member.status in ("kicked", "left") else "member"
    keys = (f"unmute:{scene.chat.id}:{target.id}", f"unban:{scene.chat.id}:{target.id}")
    _act(
        scene, target, evidence, forwarded, "MODERATION_FREE", "event_free", None, lift,
        membership=(status, None), cancel=keys, clear_warnings=True,
    )  # fmt: skip


def _act(
    scene: Scene,
    target: Person,
    evidence: str | None,
    forwarded: int | None,
    event: str,
    event_key: str,
    until: datetime | None,
    call,
    *,
    membership: tuple[str, datetime | None],
    timer: tuple[str, str] | None = None,
    cancel: tuple[str, ...] = (),
    clear_warnings: bool = False,
) -> None:
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, event, target.id):
            return
    outcome = call()
    if not outcome:
        _refused(scene, target, outcome)
        return
    with session_scope(scene.services.database_url) as session:
        new_case(
            session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
            forwarded=forwarded,
        )  # fmt: skip
        status, status_until = membership
        people.set_membership(session, scene.chat.id, target.id, status, status_until)
        if timer is not None:
            kind, key = timer
            if until is not None:
                timers.schedule(
                    session, key, kind, until, bot_id=scene.bot_id, chat_id=scene.chat.id, user_id=target.id
                )
            else:
                timers.cancel(session, key)
        if cancel:
            timers.cancel(session, *cancel)
        if clear_warnings:
            session.execute(
                update(Warning)
                .where(Warning.chat_id == scene.chat.id, Warning.user_id == target.id, Warning.cleared_at.is_(None))
                .values(cleared_at=datetime.now(UTC))
            )
    scene.services.flush_log()
    notify(scene, target, event, event_key, scene.command.duration if until else None, scene.command.reason)


def do_superban(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _network(scene, target, evidence, forwarded, "superban")


def do_superfree(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _network(scene, target, evidence, forwarded, "superfree")


def _network(scene: Scene, target: Person, evidence, forwarded, kind: str) -> None:
    event = EVENT_OF[kind]
    until = _until(scene.command.duration) if kind == "superban" else None
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, event, target.id):
            return
        if kind == "superban":
            job = network.ban_everywhere(
                session, target.id, source="superban", reason=scene.command.reason, until=until,
                issuer_id=scene.issuer.id, also_in=scene.chat.id,
            )  # fmt: skip
        else:
            job = network.lift_everywhere(session, target.id, issuer_id=scene.issuer.id)
        new_case(
            session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
            network_scope=True, forwarded=forwarded, job_id=job.id,
        )  # fmt: skip
        job_id = job.id
    scene.services.run_job(job_id)
    scene.services.flush_log()
    key = "event_superban_timed" if (kind == "superban" and until) else f"event_{kind}"
    notify(scene, target, event, key, scene.command.duration if until else None, scene.command.reason)


ACTIONS = {
    "info": do_info,
    "warn": do_warn,
    "kick": do_kick,
    "mute": do_mute,
    "ban": do_ban,
    "free": do_free,
    "superban": do_superban,
    "superfree": do_superfree,
}
