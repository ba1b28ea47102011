"""A person's data in moderation's tables: `aula users export|erase TELEGRAM_USER_ID` (through user_data).

Erasure removes the profile, memberships, restrictions, roles, warnings, pending timers, CAPTCHAs, trust, appeals
and the cases (with their evidence and log entries) that name the person as target. What they did to others as staff
stays, without saying who did it: the cases they issued, the network bans and jobs they started, the bots they
whitelisted, the people they verified and the appeals they decided lose the id (issuer_id, whitelisted_by,
verified_by, decided_by become null). The log chat's outbox keeps each case's text as it was written, naming issuer
and target: an entry naming them that was sent already is deleted (the log chat has it; the outbox has no more use
for it), one still waiting loses the lines naming them, so the log chat still hears of the case without them. What
the log chat received before is Telegram's: Aula cannot recall it.

A network ban is the one thing kept: its row holds the id and the reason only, and erasing it would let a
banned spammer back into every group (export shows it); so is the timer that lifts a timed ban when it ends,
without which the row would outlive the ban.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from aula_moderation.commands.models import Warning
from aula_moderation.log.models import Case, LogEntry
from aula_moderation.network.jobs import ban_timer_key
from aula_moderation.network.models import BlockedUser, JobResult, NetworkJob, WhitelistedBot
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


# The sender of a broadcast whose sender was erased: user_id may not be null, and no Telegram user has id 0.
ERASED_SENDER = 0

# Where staff are named for what they did to someone else: nulled when they are erased.
ACTED_BY = (
    Case.issuer_id,
    NetworkJob.issuer_id,
    BlockedUser.issuer_id,
    WhitelistedBot.whitelisted_by,
    Trust.verified_by,
    Appeal.decided_by,
)


def erase_user(session: Session, user_id: int) -> int:
    """Rows removed (references nulled and log entries shortened are not counted)."""
    removed = 0
    targeted = select(Case.id).where(Case.target_id == user_id)
    removed += session.execute(delete(LogEntry).where(LogEntry.case_id.in_(targeted))).rowcount
    removed += _erase_from_log_outbox(session, user_id)
    # A network ban's job is about its target; a broadcast's names its sender in the same column, and is about
    # every group it reached: it stays (a running one goes on), its sender forgotten.
    about_them = (NetworkJob.user_id == user_id) & (NetworkJob.kind != "broadcast")
    jobs = select(NetworkJob.id).where(about_them)
    removed += session.execute(delete(JobResult).where(JobResult.job_id.in_(jobs))).rowcount
    removed += session.execute(delete(NetworkJob).where(about_them)).rowcount
    sent_by_them = (NetworkJob.user_id == user_id) & (NetworkJob.kind == "broadcast")
    session.execute(update(NetworkJob).where(sent_by_them).values(user_id=ERASED_SENDER))
    timers = Timer.user_id == user_id
    if session.get(BlockedUser, user_id) is not None:
        timers &= Timer.key != ban_timer_key(user_id)  # the kept ban's end
    removed += session.execute(delete(Timer).where(timers)).rowcount
    for model, column in (
        (Case, Case.target_id),
        (Warning, Warning.user_id),
        (Membership, Membership.user_id),
        (Restriction, Restriction.user_id),
        (Role, Role.user_id),
        (Trust, Trust.user_id),
        (Captcha, Captcha.user_id),
        (WelcomeSent, WelcomeSent.user_id),
        (Appeal, Appeal.user_id),
        (TelegramUser, TelegramUser.id),
    ):
        removed += session.execute(delete(model).where(column == user_id)).rowcount
    # What they did to others stays (it is about someone else), without saying who did it.
    for column in ACTED_BY:
        session.execute(update(column.class_).where(column == user_id).values({column.key: None}))
    return removed


def _erase_from_log_outbox(session: Session, user_id: int) -> int:
    """Entries naming the person (log_chat.person writes `#uid_<id>` after the name): deleted if sent already,
    else stripped of the lines naming them. Entries removed."""
    tag = re.compile(rf"#uid_{user_id}(?!\d)")
    removed = 0
    naming = select(LogEntry).where(LogEntry.text.contains(f"#uid_{user_id}", autoescape=True))
    for entry in session.scalars(naming):
        if not tag.search(entry.text):
            continue  # #uid_<their id><more digits>: someone else
        if entry.sent_at is not None:
            session.delete(entry)
            removed += 1
        else:
            entry.text = "\n".join(line for line in entry.text.split("\n") if not tag.search(line))
    return removed


user_data = ModerationUserData()
