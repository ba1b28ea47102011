"""A person's data in moderation's tables: `aula users export|erase TELEGRAM_USER_ID` (through user_data).

Erasure removes the profile, memberships, restrictions, roles, warnings, pending timers and the cases (with their
evidence and log entries) that name the person as target; where they were only the issuer, the case stays with
the issuer removed. A network ban is the one thing kept: it holds the id and the reason only, and erasing it would
let a banned spammer back into every group (export shows it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from aula_moderation.commands.models import Warning
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network.models import BlockedUser, JobResult, NetworkJob
from aula_moderation.onboarding.models import Appeal, Captcha, Trust, WelcomeSent
from aula_moderation.people.models import Membership, TelegramUser
from aula_moderation.restrictions.models import Restriction
from aula_moderation.roles.models import Role
from aula_moderation.timers.models import Timer
from aula_shared.users import DatabaseUserData


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


class ModerationUserData(DatabaseUserData):
    def __init__(self, database_url: str | None = None) -> None:
        super().__init__("moderation", export_user, erase_user, database_url)


def export_user(session: Session, user_id: int) -> dict[str, Any]:
    user = session.get(TelegramUser, user_id)
    memberships = session.scalars(select(Membership).where(Membership.user_id == user_id)).all()
    restrictions = session.scalars(select(Restriction).where(Restriction.user_id == user_id)).all()
    roles = session.scalars(select(Role).where(Role.user_id == user_id)).all()
    cases = session.scalars(
        select(Case).where(or_(Case.target_id == user_id, Case.issuer_id == user_id)).order_by(Case.id)
    ).all()
    warnings = session.scalars(select(Warning).where(Warning.user_id == user_id)).all()
    blocked = session.get(BlockedUser, user_id)
    trust = session.get(Trust, user_id)
    appeal = session.get(Appeal, user_id)
    if user is None and not (memberships or restrictions or roles or cases or warnings or blocked or trust or appeal):
        return {}
    return {
        "user": None
        if user is None
        else {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
            "is_bot": user.is_bot,
            "last_seen": _iso(user.last_seen),
        },
        "memberships": [
            {"chat_id": m.chat_id, "status": m.status, "until": _iso(m.until), "last_seen": _iso(m.last_seen)}
            for m in memberships
        ],
        "restrictions": [{"chat_id": r.chat_id, "kind": r.kind, "until": _iso(r.until)} for r in restrictions],
        "roles": [
            {
                "role": r.role,
                "all_groups": r.all_groups,
                "extra_groups": r.extra_groups,
                "degrees": r.degrees,
                "departments": r.departments,
                "chats": r.chats,
                "custom_title": r.custom_title,
            }
            for r in roles
        ],
        "cases": [
            {
                "id": c.id,
                "event": c.event,
                "as": "target" if c.target_id == user_id else "issuer",
                "chat_id": c.chat_id,
                "network": c.network,
                "reason": c.reason,
                "until": _iso(c.until),
                "evidence": c.evidence,
                "created_at": _iso(c.created_at),
            }
            for c in cases
        ],
        "warnings": [
            {"chat_id": w.chat_id, "created_at": _iso(w.created_at), "expires_at": _iso(w.expires_at)} for w in warnings
        ],
        "network_ban": None
        if blocked is None
        else {"source": blocked.source, "reason": blocked.reason, "until": _iso(blocked.until)},
        "trust": None
        if trust is None
        else {"level": trust.level, "accepted_at": _iso(trust.accepted_at), "verified_at": _iso(trust.verified_at)},
        "appeal": None if appeal is None else {"status": appeal.status},
    }


def erase_user(session: Session, user_id: int) -> int:
    removed = 0
    targeted = select(Case.id).where(Case.target_id == user_id)
    removed += session.execute(delete(LogEntry).where(LogEntry.case_id.in_(targeted))).rowcount
    jobs = select(NetworkJob.id).where(NetworkJob.user_id == user_id)
    removed += session.execute(delete(JobResult).where(JobResult.job_id.in_(jobs))).rowcount
    removed += session.execute(delete(NetworkJob).where(NetworkJob.user_id == user_id)).rowcount
    for model, column in (
        (Case, Case.target_id),
        (Warning, Warning.user_id),
        (Membership, Membership.user_id),
        (Restriction, Restriction.user_id),
        (Role, Role.user_id),
        (Timer, Timer.user_id),
        (Trust, Trust.user_id),
        (Captcha, Captcha.user_id),
        (WelcomeSent, WelcomeSent.user_id),
        (Appeal, Appeal.user_id),
        (TelegramUser, TelegramUser.id),
    ):
        removed += session.execute(delete(model).where(column == user_id)).rowcount
    # Cases they issued stay (they are about someone else), without saying who issued them.
    session.execute(update(Case).where(Case.issuer_id == user_id).values(issuer_id=None))
    return removed


user_data = ModerationUserData()
