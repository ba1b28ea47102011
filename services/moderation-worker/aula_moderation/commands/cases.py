"""Cases of commands: recorded once per (bot, update, event, target), logged and sent to stats with it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aula_moderation.commands.scene import Person, Scene
from aula_moderation.log import log_chat as modlog
from aula_moderation.log import stats_events
from aula_moderation.log.models import Case
from aula_moderation.people import records as people
from aula_shared.db import session_scope

log = logging.getLogger(__name__)


def _dedupe_key(scene: Scene, event: str, target_id: int | None) -> str:
    return f"{scene.bot_id}:{scene.update_id}:{event}:{target_id or 0}"


def already_done(session: Session, scene: Scene, event: str, target_id: int | None) -> bool:
    return find(session, scene, event, target_id) is not None


def find(session: Session, scene: Scene, event: str, target_id: int | None) -> Case | None:
    """The case this update already recorded for the event and target (it is being handled again), if any."""
    key = _dedupe_key(scene, event, target_id)
    return session.scalars(select(Case).where(Case.dedupe_key == key)).first()


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
        modlog.enqueue(session, case, scene.bot_id, forwarded, scene.services.settings.default_language)
    stats_events.publish_case(session, case, scene.services.redis)
    return case


def record(scene, event, target, evidence, replied, forwarded, *, deleted=False) -> None:
    with session_scope(scene.services.database_url) as session:
        if already_done(session, scene, event, target.id if target else None):
            return
        new_case(session, scene, event, target, evidence=evidence, forwarded=forwarded, deleted=deleted)
    scene.services.flush_log()


def _refused(scene: Scene, target: Person, outcome) -> None:
    """Telegram said no (not enough rights, an admin...): recorded as such, no notice."""
    event = "NOT_ENOUGH_RIGHTS" if "rights" in (outcome.description or "").lower() else "TELEGRAM_ERROR"
    log.info("moderation refused", extra={"chat_id": scene.chat.id, "user_id": target.id, **outcome.log_fields()})
    with session_scope(scene.services.database_url) as session:
        if not already_done(session, scene, event, target.id):
            new_case(session, scene, event, target, reason=outcome.description)
    scene.services.flush_log()
