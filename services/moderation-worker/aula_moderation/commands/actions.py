"""/kick, /mute, /ban and /free in one chat: the Telegram call, the case, the membership, the timer, the notice.

A mute is a restriction (aula_moderation.restrictions): imposed and lifted there, with its timer and the member's
status, so that it neither lifts nor is lifted by a CAPTCHA or an antiflood mute running beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from aula_moderation.commands.cases import _refused, new_case
from aula_moderation.commands.models import Warning
from aula_moderation.commands.notices import announce, notice_text, resume, send_notice
from aula_moderation.commands.scene import Person, Scene
from aula_moderation.people import records as people
from aula_moderation.people.models import Membership
from aula_moderation.restrictions import service as restrictions
from aula_moderation.timers import schedule as timers
from aula_moderation.until_dates import until_date
from aula_shared.db import session_scope


def _until(duration: timedelta | None) -> datetime | None:
    return None if duration is None else datetime.now(UTC) + duration


def do_kick(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    _act(scene, target, evidence, forwarded, "MODERATION_KICK", "event_kick", None, lambda _: _kick(scene, target),
         membership=("left", None))  # fmt: skip


def _kick(scene: Scene, target: Person):
    """Out of the group, free to come back. In a supergroup unbanChatMember does just that; a basic group has no
    unban, and there a ban is the removal (the user may be added back or join by link)."""
    if scene.message.chat.type == "group":
        return scene.client.call("banChatMember", chat_id=scene.chat.id, user_id=target.id)
    return scene.client.call("unbanChatMember", chat_id=scene.chat.id, user_id=target.id)


def do_mute(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    """A mute for the duration (or for ever): sent with whatever else restricts the member, its end the later."""
    until = _until(scene.command.duration)
    _act(
        scene, target, evidence, forwarded, "MODERATION_MUTE", "event_mute", until,
        lambda session: restrictions.impose(session, scene.client, scene.chat.id, target.id, "mute", until),
    )  # fmt: skip


def do_ban(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    until = _until(scene.command.duration)
    params: dict[str, Any] = {"chat_id": scene.chat.id, "user_id": target.id, "until_date": until_date(until)}
    _act(
        scene, target, evidence, forwarded, "MODERATION_BAN", "event_ban_timed" if until else "event_ban", until,
        lambda _: scene.client.call("banChatMember", **params),
        membership=("kicked", until), timer=("unban", f"unban:{scene.chat.id}:{target.id}"),
    )  # fmt: skip


def do_free(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    """Unban, and release moderation's restrictions (mute, antiflood); a CAPTCHA still pending stays (see
    aula_moderation.restrictions)."""

    def lift(session):
        unban = scene.client.call("unbanChatMember", chat_id=scene.chat.id, user_id=target.id, only_if_banned=True)
        if not unban:
            return unban
        member = session.get(Membership, (scene.chat.id, target.id))
        status = "left" if member is None or member.status in ("kicked", "left") else "member"
        people.set_membership(session, scene.chat.id, target.id, status)  # no longer banned: restrictions may be sent
        released = restrictions.release(session, scene.client, scene.chat.id, target.id, *restrictions.PENALTIES)
        # A basic group cannot restrict anyone, nor then be "un-muted": the unban is what counted.
        return released if released or "supergroup" not in (released.description or "") else unban

    _act(
        scene, target, evidence, forwarded, "MODERATION_FREE", "event_free", None, lift,
        cancel=(f"unban:{scene.chat.id}:{target.id}",), clear_warnings=True,
    )  # fmt: skip


def _act(
    scene: Scene,
    target: Person,
    evidence: str | None,
    forwarded: int | None,
    event: str,
    event_key: str,
    until: datetime | None,
    call: Callable[[Session], Any],
    *,
    membership: tuple[str, datetime | None] | None = None,
    timer: tuple[str, str] | None = None,
    cancel: tuple[str, ...] = (),
    clear_warnings: bool = False,
) -> None:
    """The Telegram call (`call(session)`) and, if Telegram agreed, its case (with its notice), the member's
    status, timers and warnings, in the same transaction (a restriction's own rows are written by the call: see
    restrictions). A refusal changes nothing: a /free Telegram refused leaves the mute and its timer as they were.
    An update handled again finds its case and only sends the notice if it is still unsent (notices.resume)."""
    if resume(scene, event, target.id):
        return
    notice = notice_text(scene, target, event, event_key, scene.command.duration if until else None,
                         scene.command.reason)  # fmt: skip
    with session_scope(scene.services.database_url) as session:
        outcome = call(session)
        if not outcome:
            session.rollback()
        else:
            case = new_case(
                session, scene, event, target, evidence=evidence, until=until, reason=scene.command.reason,
                forwarded=forwarded,
            )  # fmt: skip
            announce(case, notice)
            if membership is not None:
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
    if not outcome:
        _refused(scene, target, outcome)  # after the transaction: it records the refusal in one of its own
        return
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


# The timers /ban schedules, for the timers task (see timers.schedule.run); /mute's are restrictions'.
TIMER_ACTIONS = {
    # Telegram lifts a timed ban itself; make sure, and record that the user may come back.
    "unban": _lift("unbanChatMember", "left", only_if_banned=True),
}
