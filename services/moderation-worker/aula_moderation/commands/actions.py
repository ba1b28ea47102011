"""/kick, /mute, /ban and /free in one chat: the Telegram call, the case, the membership, the timer, the notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from aula_moderation.commands.cases import _refused, new_case
from aula_moderation.commands.models import Warning
from aula_moderation.commands.notices import announce, notice_text, resume, send_notice
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.permissions import ALL_PERMISSIONS, NO_PERMISSIONS
from aula_moderation.timers import schedule as timers
from aula_moderation.until_dates import until_date
from aula_shared.db import session_scope


def _until(duration: timedelta | None) -> datetime | None:
    return None if duration is None else datetime.now(UTC) + duration


def do_kick(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _act(scene, target, evidence, forwarded, "MODERATION_KICK", "event_kick", None, lambda: _kick(scene, target),
         membership=("left", None))  # fmt: skip


def _kick(scene: Scene, target: Person):
    """Out of the group, free to come back. In a supergroup unbanChatMember does just that; a basic group has no
    unban, and there a ban is the removal (the user may be added back or join by link)."""
    if scene.message.chat.type == "group":
        return scene.client.call("banChatMember", chat_id=scene.chat.id, user_id=target.id)
    return scene.client.call("unbanChatMember", chat_id=scene.chat.id, user_id=target.id)


def do_mute(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    until = _until(scene.command.duration)
    params: dict[str, Any] = {"chat_id": scene.chat.id, "user_id": target.id, "permissions": NO_PERMISSIONS}
    params["until_date"] = until_date(until)
    _act(
        scene, target, evidence, forwarded, "MODERATION_MUTE", "event_mute", until,
        lambda: scene.client.call("restrictChatMember", **params),
        membership=("restricted", until), timer=("unmute", f"unmute:{scene.chat.id}:{target.id}"),
    )  # fmt: skip


def do_ban(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    until = _until(scene.command.duration)
    params: dict[str, Any] = {"chat_id": scene.chat.id, "user_id": target.id, "until_date": until_date(until)}
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
            "restrictChatMember", chat_id=scene.chat.id, user_id=target.id, permissions=ALL_PERMISSIONS
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
    if resume(scene, event, target.id):
        return
    outcome = call()
    if not outcome:
        _refused(scene, target, outcome)
        return
    notice = notice_text(scene, target, event, event_key, scene.command.duration if until else None,
                         scene.command.reason)  # fmt: skip
    with session_scope(scene.services.database_url) as session:
        case = new_case(
            session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
            forwarded=forwarded,
        )  # fmt: skip
        announce(case, notice)
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
        session.flush()
        case_id = case.id
    scene.services.flush_log()
    send_notice(scene, case_id, notice)


def _lift(method: str, status: str, **params):
    """A timer's action that lifts a restriction and records the member's status once Telegram agreed."""

    def lift(session, clients, timer):
        outcome = clients.for_bot(timer.bot_id).call(method, chat_id=timer.chat_id, user_id=timer.user_id, **params)
        if outcome:
            people.set_membership(session, timer.chat_id, timer.user_id, status)
        return outcome

    return lift


# The timers /mute and /ban schedule, for the timers task (see timers.schedule.run).
TIMER_ACTIONS = {
    "unmute": _lift("restrictChatMember", "member", permissions=ALL_PERMISSIONS),
    # Telegram lifts a timed ban itself; make sure, and record that the user may come back.
    "unban": _lift("unbanChatMember", "left", only_if_banned=True),
}
