"""/warn: warnings that expire, and the chat's action once a user reaches the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from aula_moderation.commands import cases, texts
from aula_moderation.commands.actions import do_ban, do_kick, do_mute
from aula_moderation.commands.cases import new_case
from aula_moderation.commands.models import Warning
from aula_moderation.commands.notices import announce, notice_text, resume, send_notice, usage
from aula_moderation.commands.parser import Command
from aula_moderation.commands.scene import Person, Scene
from aula_shared.db import session_scope
from aula_shared.i18n import language_for

# What a chat may do once a user reaches its warning limit (its warn_action setting).
ESCALATIONS = {"mute": do_mute, "ban": do_ban, "kick": do_kick}


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
    limit = int(scene.setting("warn_limit"))
    expiry_days = scene.setting("warn_expiry_days")
    if resume(scene, "MODERATION_WARN", target.id):
        # Handled again (given back on a flood wait, or a worker lost): the warning and its notice are there; the
        # action at the limit, if this warning reached it (the count was cleared with it), may still be owed.
        with session_scope(scene.services.database_url) as session:
            case = cases.find(session, scene, "MODERATION_WARN", target.id)
            reached = session.scalar(select(Warning.cleared_at).where(Warning.case_id == case.id)) is not None
        if reached:
            _escalate(scene, target, limit)
        return
    with session_scope(scene.services.database_url) as session:
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
        notice = notice_text(scene, target, "MODERATION_WARN", "event_warn", None, scene.command.reason,
                             count=count, limit=limit)  # fmt: skip
        announce(case, notice)
        case_id = case.id
    scene.services.flush_log()
    send_notice(scene, case_id, notice)
    if reached:
        _escalate(scene, target, limit)


def _escalate(scene: Scene, target: Person, limit: int) -> None:
    """The chat's action at the warning limit: a case of its own, under the same update (done once)."""
    language = language_for(target.language_code, scene.chat.language, scene.services.settings.default_language)
    action = scene.setting("warn_action")
    seconds = int(scene.setting("warn_action_seconds"))
    automatic = Scene(
        scene.services, scene.bot_id, scene.update_id, scene.client, scene.chat, scene.message, scene.issuer,
        scene.powers,
        Command(action, duration=timedelta(seconds=seconds) if seconds and action != "kick" else None,
                reason=texts.TEXTS.ngettext(language, "reached the limit of {limit} warning",
                                            "reached the limit of {limit} warnings", limit, limit=limit)),
    )  # fmt: skip
    ESCALATIONS[action](automatic, target, None, None, None)


def do_unwarn(scene: Scene, target: Person, evidence, _replied, forwarded) -> None:
    """Take back the target's latest active warning here (a warning given by mistake); the count goes down."""
    limit = int(scene.setting("warn_limit"))
    if resume(scene, "MODERATION_UNWARN", target.id):
        return
    with session_scope(scene.services.database_url) as session:
        latest = session.scalars(
            select(Warning)
            .where(
                Warning.chat_id == scene.chat.id,
                Warning.user_id == target.id,
                Warning.cleared_at.is_(None),
                (Warning.expires_at.is_(None)) | (Warning.expires_at > datetime.now(UTC)),
            )
            .order_by(Warning.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if latest is not None:
            latest.cleared_at = datetime.now(UTC)
            case = new_case(
                session, scene, "MODERATION_UNWARN", target, evidence=evidence, reason=scene.command.reason,
                forwarded=forwarded,
            )  # fmt: skip
            session.flush()
            count = active_warnings(session, scene.chat.id, target.id)
            notice = notice_text(scene, target, "MODERATION_UNWARN", "event_unwarn", None, scene.command.reason,
                                 count=count, limit=limit)  # fmt: skip
            announce(case, notice)
            case_id = case.id
    if latest is None:
        usage(scene, "unwarn_none", who=target.mention())
        return
    scene.services.flush_log()
    send_notice(scene, case_id, notice)
